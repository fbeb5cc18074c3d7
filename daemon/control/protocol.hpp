// The control-socket protocol between hallctl and hallkeeperd: one JSON object per line.
//
//   request:  {"v":1,"id":7,"cmd":"status","args":{}}
//   response: {"v":1,"id":7,"ok":true,"result":{...}}
//             {"v":1,"id":7,"ok":false,"error":{"code":"bad_args","message":"..."}}
//
// Specified in docs/control-socket.md. Decoding validates everything (types, sizes, version)
// and never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hk::control {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxMessageBytes = std::size_t{64} * 1024;
// Arrays and objects nested deeper than this are rejected: re-encoding and comparing JSON
// recurse, and a 64 KiB line could otherwise nest thousands of levels.
inline constexpr std::size_t kMaxNestingDepth = 64;

// Error codes carried in responses (docs/control-socket.md lists them all).
namespace errc {
inline constexpr std::string_view bad_request = "bad_request";  // not a valid request
inline constexpr std::string_view unsupported_version = "unsupported_version";
inline constexpr std::string_view unknown_command = "unknown_command";
inline constexpr std::string_view bad_args = "bad_args";    // arguments invalid
inline constexpr std::string_view too_large = "too_large";  // message over the limit
inline constexpr std::string_view busy = "busy";            // too many connections
inline constexpr std::string_view internal = "internal";    // the daemon failed
}  // namespace errc

struct CommandError {
    std::string code;
    std::string message;
};

struct Request {
    std::uint64_t id = 0;
    std::string command;                             // [a-z][a-z0-9_.-]{0,63}
    nlohmann::json args = nlohmann::json::object();  // always an object
};

using Outcome = std::expected<nlohmann::json, CommandError>;

struct Response {
    std::uint64_t id = 0;
    Outcome outcome;
};

// Command names: [a-z][a-z0-9_.-]{0,63}. Error codes: [a-z][a-z0-9_]{0,63}.
[[nodiscard]] bool is_command_name(std::string_view name);
[[nodiscard]] bool is_error_code(std::string_view code);

// Decoders: never throw; errors say what was wrong.
[[nodiscard]] std::expected<Request, CommandError> parse_request(std::string_view line);
[[nodiscard]] std::expected<Response, CommandError> parse_response(std::string_view line);

// The "id" of an invalid request when it can still be read (else 0), so the error reply can be
// matched by the client.
[[nodiscard]] std::uint64_t request_id_of(std::string_view line);

// Encoders: one line of JSON without the trailing newline. Never throw: invalid UTF-8 in
// strings is replaced by U+FFFD.
[[nodiscard]] std::string encode_request(const Request& request);
[[nodiscard]] std::string encode_response(const Response& response);

}  // namespace hk::control

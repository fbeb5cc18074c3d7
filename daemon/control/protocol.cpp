// Control-socket message codec: strict decoding of requests and responses, compact encoding.
#include "daemon/control/protocol.hpp"

#include <algorithm>
#include <exception>
#include <initializer_list>
#include <utility>

#include "protocols/json/json_text.hpp"

namespace hk::control {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxEchoBytes = 64;

CommandError error(std::string_view code, std::string message) {
    return CommandError{std::string(code), std::move(message)};
}

CommandError bad_request(std::string message) {
    return error(errc::bad_request, std::move(message));
}

// What a value is, for "expected X, got Y" messages.
std::string describe(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::number_unsigned:
            return "an unsigned integer";
        case json::value_t::number_integer:
            return "a negative integer";
        case json::value_t::number_float:
            return "a non-integer number";
        case json::value_t::string:
            return "a string";
        case json::value_t::array:
            return "an array";
        case json::value_t::object:
            return "an object";
        default:
            return "no value";
    }
}

// Peer-supplied text quoted back in an error message: short, and cut on a UTF-8 boundary.
std::string quote(std::string_view text) {
    if (text.size() <= kMaxEchoBytes) {
        return "\"" + std::string(text) + "\"";
    }
    std::size_t cut = kMaxEchoBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
        --cut;
    }
    return "\"" + std::string(text.substr(0, cut)) + "...\"";
}

bool is_name_char(char c, bool allow_punctuation) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           (allow_punctuation && (c == '.' || c == '-'));
}

// [a-z][a-z0-9_.-]{0,63} for commands, [a-z][a-z0-9_]{0,63} for error codes.
bool is_name(std::string_view name, bool allow_punctuation) {
    if (name.empty() || name.size() > kMaxNameBytes || name.front() < 'a' || name.front() > 'z') {
        return false;
    }
    return std::all_of(name.begin() + 1, name.end(),
                       [&](char c) { return is_name_char(c, allow_punctuation); });
}

bool nested_too_deep(std::string_view text) {
    return proto::json_nested_deeper_than(text, kMaxNestingDepth);
}

std::string parse_error_text(const std::exception& e) {
    return proto::json_error_text(e);
}

// The one place where parsing may throw.
std::expected<json, CommandError> parse_object(std::string_view line) {
    if (line.size() > kMaxMessageBytes) {
        return std::unexpected(error(errc::too_large, "message is " + std::to_string(line.size()) +
                                                          " bytes, over the limit of " +
                                                          std::to_string(kMaxMessageBytes)));
    }
    if (nested_too_deep(line)) {
        return std::unexpected(
            bad_request("JSON nested deeper than " + std::to_string(kMaxNestingDepth) + " levels"));
    }
    json value;
    try {
        value = json::parse(line);
    } catch (const std::exception& e) {
        return std::unexpected(bad_request("not valid JSON: " + parse_error_text(e)));
    }
    if (!value.is_object()) {
        return std::unexpected(bad_request("expected a JSON object, got " + describe(value)));
    }
    return value;
}

std::optional<CommandError> check_version(const json& message) {
    const auto it = message.find("v");
    if (it == message.end()) {
        return bad_request("missing field \"v\" (the protocol version, 1)");
    }
    if (!it->is_number_integer()) {
        return bad_request("field \"v\" must be an integer, got " + describe(*it));
    }
    if (*it != kProtocolVersion) {
        return error(errc::unsupported_version, "protocol version " + it->dump() +
                                                    " is not supported; this side speaks " +
                                                    std::to_string(kProtocolVersion));
    }
    return std::nullopt;
}

std::optional<CommandError> check_known_fields(const json& message,
                                               std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : message.items()) {
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            return bad_request("unknown field " + quote(key));
        }
    }
    return std::nullopt;
}

std::expected<std::uint64_t, CommandError> read_id(const json& message) {
    const auto it = message.find("id");
    if (it == message.end()) {
        return std::unexpected(bad_request("missing field \"id\" (an unsigned integer)"));
    }
    if (!it->is_number_unsigned()) {
        return std::unexpected(
            bad_request("field \"id\" must be an unsigned integer, got " + describe(*it)));
    }
    return it->get<std::uint64_t>();
}

// Checks the fields every message has and returns its id.
std::expected<std::uint64_t, CommandError> read_envelope(
    const json& message, std::initializer_list<std::string_view> known) {
    if (auto failure = check_version(message)) {
        return std::unexpected(std::move(*failure));
    }
    auto id = read_id(message);
    if (!id) {
        return id;
    }
    if (auto failure = check_known_fields(message, known)) {
        return std::unexpected(std::move(*failure));
    }
    return id;
}

std::expected<std::string, CommandError> read_command(const json& message) {
    const auto it = message.find("cmd");
    if (it == message.end()) {
        return std::unexpected(bad_request("missing field \"cmd\" (the command name)"));
    }
    if (!it->is_string()) {
        return std::unexpected(bad_request("field \"cmd\" must be a string, got " + describe(*it)));
    }
    const auto& name = it->get_ref<const std::string&>();
    if (!is_command_name(name)) {
        return std::unexpected(
            bad_request("field \"cmd\" must match [a-z][a-z0-9_.-]{0,63}, got " + quote(name)));
    }
    return name;
}

std::expected<json, CommandError> read_args(const json& message) {
    const auto it = message.find("args");
    if (it == message.end()) {
        return json::object();
    }
    if (!it->is_object()) {
        return std::unexpected(
            bad_request("field \"args\" must be an object, got " + describe(*it)));
    }
    return *it;
}

std::expected<CommandError, CommandError> read_error(const json& message) {
    const auto it = message.find("error");
    if (it == message.end()) {
        return std::unexpected(bad_request("missing field \"error\" (\"ok\" is false)"));
    }
    if (!it->is_object()) {
        return std::unexpected(
            bad_request("field \"error\" must be an object, got " + describe(*it)));
    }
    if (auto failure = check_known_fields(*it, {"code", "message"})) {
        failure->message = "in \"error\": " + failure->message;
        return std::unexpected(std::move(*failure));
    }
    const auto code = it->find("code");
    if (code == it->end() || !code->is_string() ||
        !is_error_code(code->get_ref<const std::string&>())) {
        return std::unexpected(
            bad_request("field \"error.code\" must be a string matching "
                        "[a-z][a-z0-9_]{0,63}"));
    }
    const auto text = it->find("message");
    if (text == it->end() || !text->is_string()) {
        return std::unexpected(bad_request("field \"error.message\" must be a string"));
    }
    return CommandError{code->get<std::string>(), text->get<std::string>()};
}

std::expected<Outcome, CommandError> read_outcome(const json& message) {
    const auto ok = message.find("ok");
    if (ok == message.end() || !ok->is_boolean()) {
        return std::unexpected(bad_request("field \"ok\" must be a boolean"));
    }
    const auto result = message.find("result");
    if (ok->get<bool>()) {
        if (result == message.end()) {
            return std::unexpected(bad_request("missing field \"result\" (\"ok\" is true)"));
        }
        if (message.contains("error")) {
            return std::unexpected(
                bad_request("field \"error\" is not allowed when \"ok\" is true"));
        }
        return Outcome(*result);
    }
    if (result != message.end()) {
        return std::unexpected(bad_request("field \"result\" is not allowed when \"ok\" is false"));
    }
    auto failure = read_error(message);
    if (!failure) {
        return std::unexpected(std::move(failure.error()));
    }
    return Outcome(std::unexpected(std::move(*failure)));
}

std::string dump(const json& value) {
    if (value.is_discarded()) {
        return "null";
    }
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string envelope(std::uint64_t id) {
    return "{\"v\":" + std::to_string(kProtocolVersion) + ",\"id\":" + std::to_string(id);
}

}  // namespace

bool is_command_name(std::string_view name) {
    return is_name(name, true);
}

bool is_error_code(std::string_view code) {
    return is_name(code, false);
}

std::expected<Request, CommandError> parse_request(std::string_view line) {
    auto message = parse_object(line);
    if (!message) {
        return std::unexpected(std::move(message.error()));
    }
    auto id = read_envelope(*message, {"v", "id", "cmd", "args"});
    if (!id) {
        return std::unexpected(std::move(id.error()));
    }
    auto command = read_command(*message);
    if (!command) {
        return std::unexpected(std::move(command.error()));
    }
    auto args = read_args(*message);
    if (!args) {
        return std::unexpected(std::move(args.error()));
    }
    return Request{*id, std::move(*command), std::move(*args)};
}

std::expected<Response, CommandError> parse_response(std::string_view line) {
    auto message = parse_object(line);
    if (!message) {
        return std::unexpected(std::move(message.error()));
    }
    auto id = read_envelope(*message, {"v", "id", "ok", "result", "error"});
    if (!id) {
        return std::unexpected(std::move(id.error()));
    }
    auto outcome = read_outcome(*message);
    if (!outcome) {
        return std::unexpected(std::move(outcome.error()));
    }
    return Response{*id, std::move(*outcome)};
}

std::uint64_t request_id_of(std::string_view line) {
    const auto message = parse_object(line);
    if (!message) {
        return 0;
    }
    const auto id = message->find("id");
    return id != message->end() && id->is_number_unsigned() ? id->get<std::uint64_t>() : 0;
}

std::string encode_request(const Request& request) {
    const auto& args = request.args.is_null() ? json::object() : request.args;
    return envelope(request.id) + ",\"cmd\":" + dump(request.command) + ",\"args\":" + dump(args) +
           "}";
}

std::string encode_response(const Response& response) {
    if (response.outcome) {
        return envelope(response.id) + ",\"ok\":true,\"result\":" + dump(*response.outcome) + "}";
    }
    const json error_object = {{"code", response.outcome.error().code},
                               {"message", response.outcome.error().message}};
    return envelope(response.id) + ",\"ok\":false,\"error\":" + dump(error_object) + "}";
}

}  // namespace hk::control

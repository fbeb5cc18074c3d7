// A blocking control-socket client with timeouts, for hallctl and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocols/framing/line_framer.hpp"

namespace hk::control {

struct ClientError {
    enum class Kind {
        unreachable,  // no daemon at the socket (missing, refused, permission denied)
        timeout,      // no answer in time
        protocol,     // the answer was not a valid response
        command,      // the daemon answered with an error (code/message from the daemon)
    };
    Kind kind = Kind::unreachable;
    std::string code;     // daemon's error code for Kind::command
    std::string message;  // one line for the user
};

class Client {
public:
    // Connects; retries every 50 ms until `wait` has passed while the socket is missing or
    // refuses connections, i.e. the daemon is not up yet (wait 0: one attempt).
    [[nodiscard]] static std::expected<Client, ClientError> connect(
        const std::filesystem::path& socket, std::chrono::milliseconds wait);

    Client(Client&& other) noexcept;
    Client& operator=(Client&& other) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client();

    // Sends one request and waits for its response. After a protocol error the connection is
    // closed and later calls fail; after a timeout it stays usable (a late answer is skipped).
    [[nodiscard]] std::expected<nlohmann::json, ClientError> call(
        std::string_view command, const nlohmann::json& args, std::chrono::milliseconds timeout);

private:
    explicit Client(int fd);
    void close();
    [[nodiscard]] std::expected<nlohmann::json, ClientError> receive(
        std::uint64_t id, std::string_view command, std::chrono::milliseconds timeout,
        std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    std::uint64_t next_id_ = 1;
    proto::LineFramer framer_;  // bytes received past the last response
};

}  // namespace hk::control

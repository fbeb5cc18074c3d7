// A blocking control-socket client with timeouts, for hallctl and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

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
    // Connects; retries until `wait` has passed when the daemon is not up yet (wait 0: once).
    [[nodiscard]] static std::expected<Client, ClientError> connect(
        const std::filesystem::path& socket, std::chrono::milliseconds wait);

    Client(Client&& other) noexcept;
    Client& operator=(Client&& other) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client();

    // Sends one request and waits for its response.
    [[nodiscard]] std::expected<nlohmann::json, ClientError> call(
        std::string_view command, const nlohmann::json& args,
        std::chrono::milliseconds timeout);

private:
    explicit Client(int fd);
    int fd_ = -1;
    std::uint64_t next_id_ = 1;
    std::string pending_;  // bytes received past the last response
};

}  // namespace hk::control

// The control-socket server: a unix stream socket (mode 0660, group configurable) on the
// daemon's io_context. Each connection handles one request at a time, in order; handlers run
// on the event loop and must not block (post slow work to the worker pool, then reply).
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "daemon/control/protocol.hpp"

namespace hk::control {

struct ServerOptions {
    std::filesystem::path socket;
    std::optional<std::string> group;  // chgrp the socket to this group
    std::size_t max_connections = 16;  // more are answered "busy" and closed
    // A connection is closed when this passes without a complete request or a reply.
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
    // Told (on the loop) when a handler throws; the client gets an "internal" error. Optional.
    std::function<void(const std::string& message)> log_error;
};

enum class ServerErrc {
    in_use,         // another live process answers on the socket path
    cannot_create,  // the socket's directory cannot be created or bound in
    bad_group,      // the configured group does not exist
    io,
};

struct ServerError {
    ServerErrc code = ServerErrc::io;
    std::string message;  // one line, says what the operator should do
};

class Server {
public:
    // Called with the request's args; must call `reply` exactly once (now or later, on the loop).
    // Calls after the first, or after the client or the server is gone, do nothing.
    using Reply = std::function<void(Outcome)>;
    using Handler = std::function<void(const nlohmann::json& args, Reply reply)>;
    using SyncHandler = std::function<Outcome(const nlohmann::json& args)>;

    // Binds and listens. A stale socket file (nobody answering) is replaced.
    [[nodiscard]] static std::expected<std::unique_ptr<Server>, ServerError> start(
        boost::asio::io_context& io, ServerOptions options);

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();  // stops

    // Registers a command. `summary` is shown by `hallctl commands`. Replaces an existing one.
    // `name` must satisfy is_command_name() (else std::invalid_argument: a programming error).
    void add_command(std::string name, std::string summary, Handler handler);
    void add_command(std::string name, std::string summary, SyncHandler handler);

    // Stops accepting, closes all connections and removes the socket file. Idempotent.
    void stop();

    // Open connections (not counting ones being answered "busy"). Call on the loop.
    [[nodiscard]] std::size_t connection_count() const;

private:
    struct State;  // shared with in-flight connections, so late replies stay safe after stop()
    explicit Server(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace hk::control

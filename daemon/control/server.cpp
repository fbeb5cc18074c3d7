// Control-socket server: socket file setup, the accept loop, per-connection request handling
// and command dispatch, all on the daemon's event loop.
#include "daemon/control/server.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "protocols/framing/line_framer.hpp"

namespace hk::control {
namespace {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;
using ErrorCode = boost::system::error_code;
using nlohmann::json;

constexpr std::size_t kReadChunk = 4096;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr mode_t kDirectoryMode = 0755;
constexpr mode_t kSocketMode = 0660;

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

ServerError server_error(ServerErrc code, std::string message) {
    return ServerError{code, std::move(message)};
}

Outcome failure(std::string_view code, std::string message) {
    return std::unexpected(CommandError{std::string(code), std::move(message)});
}

void set_cloexec(int fd) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// ---- socket file ------------------------------------------------------------------------

struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
};

std::optional<FileIdentity> identity_of(const std::filesystem::path& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        return std::nullopt;
    }
    return FileIdentity{info.st_dev, info.st_ino};
}

std::optional<ServerError> create_socket_directory(const std::filesystem::path& directory) {
    if (directory.empty() || std::filesystem::exists(directory)) {
        return std::nullopt;
    }
    if (auto parent_failure = create_socket_directory(directory.parent_path())) {
        return parent_failure;
    }
    // chmod as well: mkdir's mode is filtered by the umask, and clients must reach the socket.
    if (::mkdir(directory.c_str(), kDirectoryMode) != 0 && errno != EEXIST) {
        return server_error(ServerErrc::cannot_create,
                            "cannot create directory " + directory.string() +
                                " for the control socket: " + errno_text(errno) +
                                "; create it or set control.socket");
    }
    ::chmod(directory.c_str(), kDirectoryMode);
    return std::nullopt;
}

// True if a process accepts connections on `path` (checked by check_path). Non-blocking, so a full
// backlog (EAGAIN) counts as alive instead of hanging startup.
bool someone_listens(const std::filesystem::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.native().size());
    const int result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    const int error = errno;
    ::close(fd);
    return result == 0 || error == EAGAIN || error == EINPROGRESS;
}

std::string in_use_message(const std::filesystem::path& path) {
    return "another hallkeeperd is listening on " + path.string() +
           "; stop it or set control.socket";
}

// A socket file left by a daemon that died is removed; a live one or any other file is not.
std::optional<ServerError> clear_stale_socket(const std::filesystem::path& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) {
            return std::nullopt;
        }
        return server_error(ServerErrc::cannot_create,
                            "cannot inspect " + path.string() + ": " + errno_text(errno));
    }
    if (!S_ISSOCK(info.st_mode)) {
        return server_error(
            ServerErrc::cannot_create,
            path.string() + " exists and is not a socket; remove it or set control.socket");
    }
    if (someone_listens(path)) {
        return server_error(ServerErrc::in_use, in_use_message(path));
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return server_error(
            ServerErrc::cannot_create,
            "cannot remove the stale socket " + path.string() + ": " + errno_text(errno));
    }
    return std::nullopt;
}

std::optional<ServerError> check_path(const std::filesystem::path& path) {
    if (path.empty()) {
        return server_error(ServerErrc::cannot_create, "control.socket is empty; set a path");
    }
    if (path.native().size() >= sizeof(sockaddr_un::sun_path)) {
        return server_error(ServerErrc::cannot_create,
                            "control socket path " + path.string() + " is too long (" +
                                std::to_string(path.native().size()) + " bytes, at most " +
                                std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                                "); set a shorter control.socket");
    }
    return std::nullopt;
}

std::optional<ServerError> bind_and_listen(Local::acceptor& acceptor,
                                           const std::filesystem::path& path) {
    // Each call also returns the code it stores in `ec`; `ec` is what is checked.
    ErrorCode ec;
    static_cast<void>(acceptor.open(Local(), ec));
    if (!ec) {
        set_cloexec(acceptor.native_handle());
        static_cast<void>(acceptor.bind(Local::endpoint(path.native()), ec));
    }
    if (ec == asio::error::address_in_use) {
        return server_error(ServerErrc::in_use, in_use_message(path));
    }
    if (!ec) {
        static_cast<void>(acceptor.listen(asio::socket_base::max_listen_connections, ec));
    }
    if (ec) {
        return server_error(ServerErrc::cannot_create, "cannot listen on " + path.string() + ": " +
                                                           ec.message() +
                                                           "; check the directory or set "
                                                           "control.socket");
    }
    return std::nullopt;
}

// getgrnam_r with a growing buffer; nullopt: no such group.
std::expected<std::optional<gid_t>, int> find_group(const std::string& name) {
    std::vector<char> buffer(1024);
    while (true) {
        group entry{};
        group* found = nullptr;
        const int error = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
        if (error == ERANGE && buffer.size() < (1U << 20U)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (error != 0) {
            return std::unexpected(error);
        }
        if (found == nullptr) {
            return std::optional<gid_t>();
        }
        return std::optional<gid_t>(entry.gr_gid);
    }
}

std::optional<ServerError> apply_permissions(const std::filesystem::path& path,
                                             const std::optional<std::string>& group_name) {
    if (::chmod(path.c_str(), kSocketMode) != 0) {
        return server_error(ServerErrc::io,
                            "cannot set the mode of " + path.string() + ": " + errno_text(errno));
    }
    if (!group_name) {
        return std::nullopt;
    }
    const auto found = find_group(*group_name);
    if (!found) {
        return server_error(ServerErrc::io, "cannot look up group \"" + *group_name +
                                                "\": " + errno_text(found.error()));
    }
    const std::optional<gid_t> gid = *found;
    if (!gid) {
        return server_error(ServerErrc::bad_group,
                            "group \"" + *group_name +
                                "\" (control.group) does not exist; create it or change "
                                "control.group");
    }
    if (::chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
        return server_error(ServerErrc::io, "cannot give " + path.string() + " to group \"" +
                                                *group_name + "\": " + errno_text(errno) +
                                                "; run hallkeeperd as root or as a member of "
                                                "that group");
    }
    return std::nullopt;
}

// ---- connections ------------------------------------------------------------------------

class ServerCore;

// One client. Reads a request, waits for its reply, writes it, and only then reads the next.
// Owned by ServerCore while open and by its pending operations; replies hold a weak_ptr.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Local::socket socket, std::weak_ptr<ServerCore> core, std::uint64_t key,
               std::chrono::milliseconds idle_timeout)
        : socket_(std::move(socket)),
          timer_(socket_.get_executor()),
          core_(std::move(core)),
          key_(key),
          idle_timeout_(idle_timeout) {}

    void start();
    void close();
    // Refuses the connection: one error response, then close.
    void refuse(Outcome error);

private:
    void next_request();
    void read_more();
    void on_read(const ErrorCode& ec, std::size_t bytes);
    void handle_line(const std::string& line);
    void on_reply(std::uint64_t serial, const std::string& command, std::uint64_t id,
                  Outcome outcome);
    void send(const Response& response, bool close_after);
    void send_line(std::string line, bool close_after);
    void on_written(const ErrorCode& ec, bool close_after);
    void restart_idle_timer();
    void on_idle(const ErrorCode& ec);

    Local::socket socket_;
    asio::steady_timer timer_;
    std::weak_ptr<ServerCore> core_;
    std::uint64_t key_;
    std::chrono::milliseconds idle_timeout_;
    proto::LineFramer framer_{kMaxMessageBytes};
    std::array<char, kReadChunk> read_buffer_{};
    std::string write_buffer_;
    std::uint64_t awaiting_ = 0;  // serial of the request whose reply is awaited; 0: none
    std::uint64_t last_serial_ = 0;
    bool closed_ = false;
};

struct Command {
    std::string summary;
    Server::Handler handler;
};

// Everything the server owns; connections and replies reach it through weak_ptrs, so they
// notice when it is gone.
class ServerCore : public std::enable_shared_from_this<ServerCore> {
public:
    ServerCore(asio::io_context& io, ServerOptions options)
        : options_(std::move(options)), acceptor_(io), retry_timer_(io) {}

    std::optional<ServerError> listen();
    void register_help();
    void accept_next();
    void add_command(std::string name, std::string summary, Server::Handler handler);
    void dispatch(const Request& request, const Server::Reply& reply);
    void forget(std::uint64_t key) { connections_.erase(key); }
    void stop();
    [[nodiscard]] std::size_t connection_count() const { return connections_.size(); }

private:
    void on_accept(Local::socket socket);
    void remove_socket_file();

    ServerOptions options_;
    Local::acceptor acceptor_;
    asio::steady_timer retry_timer_;
    std::map<std::string, Command, std::less<>> commands_;
    std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
    std::uint64_t next_key_ = 1;
    std::optional<FileIdentity> socket_file_;
    bool stopped_ = false;
};

void Connection::start() {
    restart_idle_timer();
    next_request();
}

void Connection::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    // The peer may already be gone; the descriptor is released whatever the outcome.
    ErrorCode ignored;
    static_cast<void>(socket_.shutdown(Local::socket::shutdown_both, ignored));
    static_cast<void>(socket_.close(ignored));
    timer_.cancel();
    if (auto core = core_.lock()) {
        core->forget(key_);
    }
}

void Connection::refuse(Outcome error) {
    send(Response{0, std::move(error)}, true);
}

void Connection::next_request() {
    if (closed_) {
        return;
    }
    if (auto line = framer_.next_line()) {
        handle_line(*line);
    } else if (framer_.overflowed()) {
        send(Response{0, failure(errc::too_large, "request line longer than " +
                                                      std::to_string(kMaxMessageBytes) +
                                                      " bytes; closing the connection")},
             true);
    } else {
        read_more();
    }
}

void Connection::read_more() {
    socket_.async_read_some(asio::buffer(read_buffer_),
                            [self = shared_from_this()](const ErrorCode& ec, std::size_t bytes) {
                                self->on_read(ec, bytes);
                            });
}

void Connection::on_read(const ErrorCode& ec, std::size_t bytes) {
    if (closed_) {
        return;
    }
    if (ec) {
        close();  // end of stream, reset, or stop(): nothing to answer
        return;
    }
    framer_.feed(std::string_view(read_buffer_.data(), bytes));
    next_request();
}

void Connection::handle_line(const std::string& line) {
    restart_idle_timer();
    auto request = parse_request(line);
    if (!request) {
        send(Response{request_id_of(line), std::unexpected(std::move(request.error()))}, false);
        return;
    }
    const auto core = core_.lock();
    if (!core) {
        close();
        return;
    }
    const auto serial = ++last_serial_;
    awaiting_ = serial;
    Server::Reply reply = [weak = weak_from_this(), serial, command = request->command,
                           id = request->id](Outcome outcome) {
        if (const auto self = weak.lock()) {
            self->on_reply(serial, command, id, std::move(outcome));
        }
    };
    core->dispatch(*request, reply);
}

void Connection::on_reply(std::uint64_t serial, const std::string& command, std::uint64_t id,
                          Outcome outcome) {
    if (closed_ || awaiting_ != serial) {
        return;
    }
    awaiting_ = 0;
    if (!outcome && !is_error_code(outcome.error().code)) {
        outcome = failure(errc::internal,
                          "command \"" + command +
                              "\" failed with a malformed error code: " + outcome.error().message);
    }
    auto line = encode_response(Response{id, std::move(outcome)});
    if (line.size() > kMaxMessageBytes) {
        line = encode_response(Response{
            id, failure(errc::too_large, "the answer to \"" + command + "\" is longer than " +
                                             std::to_string(kMaxMessageBytes) + " bytes")});
    }
    send_line(std::move(line), false);
}

void Connection::send(const Response& response, bool close_after) {
    send_line(encode_response(response), close_after);
}

void Connection::send_line(std::string line, bool close_after) {
    write_buffer_ = std::move(line);
    write_buffer_ += '\n';
    asio::async_write(socket_, asio::buffer(write_buffer_),
                      [self = shared_from_this(), close_after](const ErrorCode& ec, std::size_t) {
                          self->on_written(ec, close_after);
                      });
}

void Connection::on_written(const ErrorCode& ec, bool close_after) {
    if (closed_) {
        return;
    }
    if (ec || close_after) {
        close();
        return;
    }
    restart_idle_timer();
    next_request();
}

void Connection::restart_idle_timer() {
    timer_.expires_after(idle_timeout_);
    timer_.async_wait([weak = weak_from_this()](const ErrorCode& ec) {
        if (const auto self = weak.lock()) {
            self->on_idle(ec);
        }
    });
}

void Connection::on_idle(const ErrorCode& ec) {
    // A wait that completed just before the timer was restarted arrives with success; the
    // expiry tells whether it is still current.
    if (ec || closed_ || timer_.expiry() > asio::steady_timer::clock_type::now()) {
        return;
    }
    close();
}

// ---- the server -------------------------------------------------------------------------

std::optional<ServerError> ServerCore::listen() {
    const auto& path = options_.socket;
    if (auto failed = check_path(path)) {
        return failed;
    }
    if (auto failed = create_socket_directory(path.parent_path())) {
        return failed;
    }
    if (auto failed = clear_stale_socket(path)) {
        return failed;
    }
    if (auto failed = bind_and_listen(acceptor_, path)) {
        ErrorCode ignored;
        static_cast<void>(acceptor_.close(ignored));
        return failed;
    }
    socket_file_ = identity_of(path);
    if (auto failed = apply_permissions(path, options_.group)) {
        stop();
        return failed;
    }
    return std::nullopt;
}

void ServerCore::register_help() {
    // The handler runs from dispatch(), so the core is alive whenever it does.
    add_command("help", "List the commands of this daemon",
                [this](const json&, const Server::Reply& reply) {
                    json list = json::array();
                    for (const auto& [name, command] : commands_) {
                        list.push_back({{"name", name}, {"summary", command.summary}});
                    }
                    reply(json{{"commands", std::move(list)}});
                });
}

void ServerCore::accept_next() {
    acceptor_.async_accept([weak = weak_from_this()](const ErrorCode& ec, Local::socket socket) {
        const auto self = weak.lock();
        if (!self || self->stopped_ || ec == asio::error::operation_aborted) {
            return;
        }
        if (!ec) {
            self->on_accept(std::move(socket));
            self->accept_next();
            return;
        }
        // Out of descriptors and the like: retrying at once would spin the loop.
        self->retry_timer_.expires_after(kAcceptRetryDelay);
        self->retry_timer_.async_wait([weak](const ErrorCode& wait_ec) {
            const auto core = weak.lock();
            if (!wait_ec && core && !core->stopped_) {
                core->accept_next();
            }
        });
    });
}

void ServerCore::on_accept(Local::socket socket) {
    set_cloexec(socket.native_handle());
    const auto key = next_key_++;
    auto connection = std::make_shared<Connection>(std::move(socket), weak_from_this(), key,
                                                   options_.idle_timeout);
    if (connections_.size() >= options_.max_connections) {
        connection->refuse(failure(errc::busy, "hallkeeperd already serves " +
                                                   std::to_string(connections_.size()) +
                                                   " control connections; try again later"));
        return;
    }
    connections_.emplace(key, connection);
    connection->start();
}

void ServerCore::add_command(std::string name, std::string summary, Server::Handler handler) {
    if (!is_command_name(name)) {
        throw std::invalid_argument("invalid control command name \"" + name + "\"");
    }
    commands_[std::move(name)] = Command{std::move(summary), std::move(handler)};
}

// The one place where handler exceptions are caught: the client gets "internal" and the
// daemon carries on.
void ServerCore::dispatch(const Request& request, const Server::Reply& reply) {
    const auto it = commands_.find(request.command);
    if (it == commands_.end()) {
        reply(failure(errc::unknown_command,
                      "unknown command \"" + request.command + "\"; \"help\" lists the commands"));
        return;
    }
    // A copy: the handler may replace its own registration while it runs.
    const auto handler = it->second.handler;
    std::string what;
    try {
        handler(request.args, reply);
        return;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "unknown exception";
    }
    if (options_.log_error) {
        options_.log_error("\"" + request.command + "\" threw: " + what);
    }
    reply(failure(errc::internal, "command \"" + request.command + "\" failed: " + what));
}

void ServerCore::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    ErrorCode ignored;
    static_cast<void>(acceptor_.close(ignored));
    retry_timer_.cancel();
    auto connections = std::exchange(connections_, {});
    for (auto& [key, connection] : connections) {
        connection->close();
    }
    remove_socket_file();
}

// Only the file this server created: another daemon may have taken the path since.
void ServerCore::remove_socket_file() {
    const auto current = identity_of(options_.socket);
    if (socket_file_ && current && current->device == socket_file_->device &&
        current->inode == socket_file_->inode) {
        ::unlink(options_.socket.c_str());
    }
    socket_file_.reset();
}

}  // namespace

struct Server::State final : ServerCore {
    using ServerCore::ServerCore;
};

std::expected<std::unique_ptr<Server>, ServerError> Server::start(boost::asio::io_context& io,
                                                                  ServerOptions options) {
    auto state = std::make_shared<State>(io, std::move(options));
    if (auto failed = state->listen()) {
        return std::unexpected(std::move(*failed));
    }
    state->register_help();
    state->accept_next();
    return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::shared_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() {
    stop();
}

void Server::add_command(std::string name, std::string summary, Handler handler) {
    state_->add_command(std::move(name), std::move(summary), std::move(handler));
}

void Server::add_command(std::string name, std::string summary, SyncHandler handler) {
    add_command(std::move(name), std::move(summary),
                Handler([sync = std::move(handler)](const nlohmann::json& args,
                                                    const Reply& reply) { reply(sync(args)); }));
}

void Server::stop() {
    state_->stop();
}

std::size_t Server::connection_count() const {
    return state_->connection_count();
}

}  // namespace hk::control

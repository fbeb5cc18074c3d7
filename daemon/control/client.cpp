// Control-socket client: blocking calls over a non-blocking socket, bounded by poll timeouts.
#include "daemon/control/client.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control/protocol.hpp"

namespace hk::control {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = ClientError::Kind;

constexpr auto kConnectRetryInterval = std::chrono::milliseconds(50);
constexpr std::size_t kReadChunk = 4096;

ClientError client_error(Kind kind, std::string message, std::string code = {}) {
    return ClientError{kind, std::move(code), std::move(message)};
}

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

std::string unreachable_message(const std::filesystem::path& socket, int error) {
    const auto path = socket.string();
    switch (error) {
        case ENOENT:
            return "no hallkeeperd at " + path + ": is it running? (systemctl status hallkeeperd)";
        case ECONNREFUSED:
            return "hallkeeperd at " + path +
                   " refuses connections (a stale socket?): is it running? (systemctl status "
                   "hallkeeperd)";
        case EACCES:
        case EPERM:
            return "permission denied on " + path +
                   ": join the group that owns the socket (see ls -l " + path + ") or use sudo";
        case EAGAIN:
            return "hallkeeperd at " + path + " is not accepting connections (backlog full)";
        case ENAMETOOLONG:
            return "socket path " + path + " is too long for a unix socket";
        default:
            return "cannot connect to hallkeeperd at " + path + ": " + errno_text(error);
    }
}

// The daemon may still be starting: its socket is missing, stale or its backlog is full.
bool worth_retrying(int error) {
    return error == ENOENT || error == ECONNREFUSED || error == EAGAIN;
}

// A connected, non-blocking socket, or the errno of the failure.
std::expected<int, int> connect_once(const std::filesystem::path& socket) {
    sockaddr_un address{};
    if (socket.native().size() >= sizeof(address.sun_path)) {
        return std::unexpected(ENAMETOOLONG);
    }
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket.c_str(), socket.native().size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return std::unexpected(errno);
    }
    // A unix-socket connect completes at once or fails at once (EAGAIN: backlog full).
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        const int error = errno;
        ::close(fd);
        return std::unexpected(error);
    }
    return fd;
}

// Milliseconds until `deadline` for poll(), rounded up so that a poll never ends early.
int poll_timeout(Clock::time_point deadline) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
        return 0;
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

enum class Wait { ready, timeout, failed };

Wait wait_for(int fd, short events, Clock::time_point deadline) {
    while (true) {
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, poll_timeout(deadline));
        if (ready > 0) {
            return Wait::ready;
        }
        if (ready < 0 && errno != EINTR) {
            return Wait::failed;
        }
        if (ready == 0 && Clock::now() >= deadline) {
            return Wait::timeout;
        }
    }
}

std::string timeout_message(std::string_view command, std::chrono::milliseconds timeout) {
    return "hallkeeperd did not answer \"" + std::string(command) + "\" within " +
           std::to_string(timeout.count()) + " ms";
}

// false: the daemon closed its end (it may still have written why, so the caller reads on).
std::expected<bool, ClientError> send_all(int fd, std::string_view bytes, std::string_view command,
                                          std::chrono::milliseconds timeout,
                                          Clock::time_point deadline) {
    while (!bytes.empty()) {
        const auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
            bytes.remove_prefix(static_cast<std::size_t>(sent));
            continue;
        }
        if (errno == EPIPE || errno == ECONNRESET) {
            return false;
        }
        if (errno != EAGAIN && errno != EINTR) {
            return std::unexpected(client_error(
                Kind::unreachable, "lost the connection to hallkeeperd: " + errno_text(errno)));
        }
        const auto waited = wait_for(fd, POLLOUT, deadline);
        if (waited == Wait::timeout) {
            return std::unexpected(client_error(Kind::timeout, timeout_message(command, timeout)));
        }
        if (waited == Wait::failed) {
            return std::unexpected(client_error(
                Kind::unreachable, "lost the connection to hallkeeperd: " + errno_text(errno)));
        }
    }
    return true;
}

std::expected<nlohmann::json, ClientError> outcome_of(Response response) {
    if (response.outcome) {
        return std::move(*response.outcome);
    }
    auto& failure = response.outcome.error();
    return std::unexpected(
        client_error(Kind::command, std::move(failure.message), std::move(failure.code)));
}

}  // namespace

Client::Client(int fd) : fd_(fd), framer_(kMaxMessageBytes) {}

Client::Client(Client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      next_id_(other.next_id_),
      framer_(std::move(other.framer_)) {}

Client& Client::operator=(Client&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        next_id_ = other.next_id_;
        framer_ = std::move(other.framer_);
    }
    return *this;
}

Client::~Client() {
    close();
}

void Client::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

std::expected<Client, ClientError> Client::connect(const std::filesystem::path& socket,
                                                   std::chrono::milliseconds wait) {
    const auto deadline = Clock::now() + wait;
    while (true) {
        const auto fd = connect_once(socket);
        if (fd) {
            return Client(*fd);
        }
        if (!worth_retrying(fd.error()) || Clock::now() + kConnectRetryInterval > deadline) {
            auto message = unreachable_message(socket, fd.error());
            if (wait.count() > 0 && worth_retrying(fd.error())) {
                message += " (waited " + std::to_string(wait.count()) + " ms)";
            }
            return std::unexpected(client_error(Kind::unreachable, std::move(message)));
        }
        std::this_thread::sleep_for(kConnectRetryInterval);
    }
}

std::expected<nlohmann::json, ClientError> Client::call(std::string_view command,
                                                        const nlohmann::json& args,
                                                        std::chrono::milliseconds timeout) {
    if (fd_ < 0) {
        return std::unexpected(
            client_error(Kind::protocol, "the connection to hallkeeperd is closed"));
    }
    const auto deadline = Clock::now() + timeout;
    const auto id = next_id_++;
    auto line = encode_request(Request{id, std::string(command), args});
    if (line.size() > kMaxMessageBytes) {
        return std::unexpected(client_error(Kind::command,
                                            "the request is " + std::to_string(line.size()) +
                                                " bytes, over the limit of " +
                                                std::to_string(kMaxMessageBytes),
                                            std::string(errc::too_large)));
    }
    line += '\n';
    const auto sent = send_all(fd_, line, command, timeout, deadline);
    if (!sent) {
        if (sent.error().kind != Kind::timeout) {
            close();
        }
        return std::unexpected(sent.error());
    }
    return receive(id, command, timeout, deadline);
}

std::expected<nlohmann::json, ClientError> Client::receive(std::uint64_t id,
                                                           std::string_view command,
                                                           std::chrono::milliseconds timeout,
                                                           Clock::time_point deadline) {
    const auto broken = [this](std::string message) {
        close();
        return std::unexpected(client_error(Kind::protocol, std::move(message)));
    };
    std::array<char, kReadChunk> buffer{};
    while (true) {
        while (auto line = framer_.next_line()) {
            auto response = parse_response(*line);
            if (!response) {
                return broken("hallkeeperd sent an invalid response: " + response.error().message);
            }
            // Id 0 with an error: the daemon could not tell which request it refuses.
            if (response->id == id || (response->id == 0 && !response->outcome)) {
                return outcome_of(std::move(*response));
            }
            if (response->id > id) {
                return broken("hallkeeperd answered request " + std::to_string(response->id) +
                              ", which was never sent");
            }
            // Otherwise: the late answer to an earlier call that timed out.
        }
        if (framer_.overflowed()) {
            return broken("hallkeeperd sent a line longer than " +
                          std::to_string(kMaxMessageBytes) + " bytes");
        }
        const auto received = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (received > 0) {
            framer_.feed(std::string_view(buffer.data(), static_cast<std::size_t>(received)));
            continue;
        }
        if (received == 0 || errno == ECONNRESET) {
            return broken("hallkeeperd closed the connection without answering \"" +
                          std::string(command) + "\"");
        }
        if (errno != EAGAIN && errno != EINTR) {
            return broken("lost the connection to hallkeeperd: " + errno_text(errno));
        }
        const auto waited = wait_for(fd_, POLLIN, deadline);
        if (waited == Wait::timeout) {
            return std::unexpected(client_error(Kind::timeout, timeout_message(command, timeout)));
        }
        if (waited == Wait::failed) {
            return broken("lost the connection to hallkeeperd: " + errno_text(errno));
        }
    }
}

}  // namespace hk::control

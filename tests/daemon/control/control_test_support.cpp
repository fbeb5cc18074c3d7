// Helpers for control-socket tests: see control_test_support.hpp.
#include "tests/daemon/control/control_test_support.hpp"

#include <array>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace hk::test {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

sockaddr_un address_of(const std::filesystem::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof(address.sun_path)) {
        throw std::runtime_error("socket path too long: " + path.string());
    }
    std::memcpy(address.sun_path, path.c_str(), path.native().size());
    return address;
}

int bound_socket(const std::filesystem::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto address = address_of(path);
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        fail("bind " + path.string());
    }
    return fd;
}

bool readable_before(int fd, Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{fd, POLLIN, 0};
    return left.count() > 0 && ::poll(&entry, 1, static_cast<int>(left.count())) > 0;
}

}  // namespace

LoopThread::LoopThread()
    : guard_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

LoopThread::~LoopThread() {
    stop();
}

bool LoopThread::eventually(const std::function<bool()>& condition) {
    const auto deadline = Clock::now() + kPatience;
    while (Clock::now() < deadline) {
        if (run(condition)) {
            return true;
        }
        std::this_thread::yield();
    }
    return false;
}

void LoopThread::stop() {
    if (thread_.joinable()) {
        guard_.reset();
        io_.stop();
        thread_.join();
    }
}

RunningServer::RunningServer(control::ServerOptions options) {
    auto started = loop_.run([&] { return control::Server::start(loop_.io(), options); });
    if (!started) {
        throw std::runtime_error("server did not start: " + started.error().message);
    }
    server_ = std::move(*started);
}

RunningServer::~RunningServer() {
    destroy_server();
    loop_.stop();
}

std::size_t RunningServer::connection_count() {
    return loop_.run([this] { return server_ ? server_->connection_count() : 0; });
}

void RunningServer::destroy_server() {
    loop_.run([this] { server_.reset(); });
}

RawSocket::RawSocket(RawSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), pending_(std::move(other.pending_)) {}

RawSocket::~RawSocket() {
    close();
}

RawSocket RawSocket::connect(const std::filesystem::path& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto address = address_of(path);
    if (fd < 0 ||
        ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        fail("connect " + path.string());
    }
    return RawSocket(fd);
}

void RawSocket::write(std::string_view bytes) const {
    while (!bytes.empty()) {
        const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0) {
            fail("send");
        }
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
}

std::optional<std::string> RawSocket::read_line() {
    const auto deadline = Clock::now() + kPatience;
    std::array<char, 4096> buffer{};
    while (true) {
        if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
            auto line = pending_.substr(0, newline);
            pending_.erase(0, newline + 1);
            return line;
        }
        if (!readable_before(fd_, deadline)) {
            return std::nullopt;
        }
        const auto received = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (received <= 0) {
            return std::nullopt;
        }
        pending_.append(buffer.data(), static_cast<std::size_t>(received));
    }
}

bool RawSocket::closed_by_peer() const {
    const auto deadline = Clock::now() + kPatience;
    std::array<char, 4096> buffer{};
    while (readable_before(fd_, deadline)) {
        const auto received = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (received <= 0) {
            return true;  // end of stream or reset
        }
    }
    return false;
}

void RawSocket::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

RawListener::RawListener(const std::filesystem::path& path) : fd_(bound_socket(path)) {
    if (::listen(fd_, 8) != 0) {
        fail("listen " + path.string());
    }
}

RawListener::~RawListener() {
    ::close(fd_);
}

RawSocket RawListener::accept() const {
    if (!readable_before(fd_, Clock::now() + kPatience)) {
        throw std::runtime_error("no connection to accept");
    }
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
        fail("accept");
    }
    return RawSocket(fd);
}

void make_stale_socket(const std::filesystem::path& path) {
    ::close(bound_socket(path));
}

}  // namespace hk::test

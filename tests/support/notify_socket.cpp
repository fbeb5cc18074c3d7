// NotifySocket: see notify_socket.hpp.
#include "tests/support/notify_socket.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace hk::test {
namespace {

bool has_line(std::string_view datagram, std::string_view assignment) {
    std::size_t start = 0;
    while (start <= datagram.size()) {
        const auto end = datagram.find('\n', start);
        const auto line = datagram.substr(start, end == std::string_view::npos ? end : end - start);
        if (line == assignment) {
            return true;
        }
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return false;
}

}  // namespace

NotifySocket::NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const auto text = path_.string();
    if (text.size() >= sizeof(address.sun_path)) {
        throw std::runtime_error("notify socket path too long: " + text);
    }
    std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        throw std::system_error(errno, std::generic_category(), "bind " + text);
    }
}

NotifySocket::~NotifySocket() {
    ::close(fd_);
    std::filesystem::remove(path_);
}

std::optional<std::string> NotifySocket::wait_for(std::string_view assignment,
                                                  std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (true) {
        for (; consumed_ < received_.size(); ++consumed_) {
            if (has_line(received_[consumed_], assignment)) {
                return received_[consumed_++];
            }
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        pollfd fd{fd_, POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
            continue;
        }
        char buffer[4096];
        const auto n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n > 0) {
            received_.emplace_back(buffer, static_cast<std::size_t>(n));
        }
    }
}

}  // namespace hk::test

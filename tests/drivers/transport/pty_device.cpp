// Test helpers for transports: see pty_device.hpp.
#include "tests/drivers/transport/pty_device.hpp"

#include <array>
#include <stdexcept>
#include <system_error>

#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

namespace hk::test {

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        io.restart();
        io.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
}

void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
    boost::asio::steady_timer timer(io, duration);
    bool expired = false;
    timer.async_wait([&](const boost::system::error_code&) { expired = true; });
    run_until(
        io, [&] { return expired; }, duration + std::chrono::seconds(5));
}

drivers::HealthTracker::Listener HealthLog::listener() {
    return [this](const drivers::DeviceHealth& now, const drivers::DeviceHealth&) {
        changes.push_back(now);
    };
}

bool HealthLog::saw(drivers::DeviceState state, std::string_view fault) const {
    for (const auto& change : changes) {
        if (change.state == state && change.fault == fault) {
            return true;
        }
    }
    return false;
}

PtyDevice::PtyDevice(boost::asio::io_context& io, std::filesystem::path link_path,
                     Responder responder)
    : io_(io), link_path_(std::move(link_path)), responder_(std::move(responder)) {
    replug();
}

PtyDevice::~PtyDevice() {
    unplug();
}

void PtyDevice::unplug() {
    if (master_) {
        boost::system::error_code ignored;
        (void)master_->close(ignored);
        master_.reset();
    }
    if (slave_fd_ >= 0) {
        ::close(slave_fd_);
        slave_fd_ = -1;
    }
    std::error_code ignored;
    std::filesystem::remove(link_path_, ignored);
    pending_.clear();
}

void PtyDevice::replug() {
    unplug();
    termios raw{};
    ::cfmakeraw(&raw);
    int master = -1;
    std::array<char, 256> name{};
    if (::openpty(&master, &slave_fd_, name.data(), &raw, nullptr) != 0) {
        throw std::system_error(errno, std::generic_category(), "openpty");
    }
    master_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, master);
    std::filesystem::create_symlink(name.data(), link_path_);
    read_loop();
}

void PtyDevice::send(const std::string& bytes) {
    if (master_) {
        boost::system::error_code ignored;
        boost::asio::write(*master_, boost::asio::buffer(bytes), ignored);
    }
}

void PtyDevice::read_loop() {
    auto buffer = std::make_shared<std::array<char, 512>>();
    master_->async_read_some(
        boost::asio::buffer(*buffer),
        [this, buffer, alive = std::weak_ptr<char>(alive_), master = master_.get()](
            const boost::system::error_code& error, std::size_t size) {
            if (error || alive.expired() || master != master_.get()) {
                return;
            }
            pending_.append(buffer->data(), size);
            for (auto newline = pending_.find('\n'); newline != std::string::npos;
                 newline = pending_.find('\n')) {
                auto line = pending_.substr(0, newline);
                pending_.erase(0, newline + 1);
                lines_.push_back(line);
                if (responder_) {
                    if (auto answer = responder_(line)) {
                        send(*answer);
                    }
                }
            }
            read_loop();
        });
}

std::optional<std::string> status_peer(const std::string& line) {
    if (line == "PING") {
        return "PONG\n";
    }
    if (line == "STATUS") {
        return "OK\n";
    }
    return "ERR\n";
}

}  // namespace hk::test

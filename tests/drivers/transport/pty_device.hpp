// Test helpers for transports: a pseudo-terminal standing in for a serial device behind a
// stable symlink path (so it can be unplugged and replugged like a USB adapter), a peer on its
// master side that answers line by line, and a loop runner that waits for a condition.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "drivers/sdk/health.hpp"

namespace hk::test {

// Runs the loop until `done()` holds or `limit` passes (the failure bound, never a delay the
// test relies on). Returns whether `done()` held.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(5));
// Runs the loop for `duration` (a scenario step: "the device stays unplugged this long").
void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration);

// Every change a HealthTracker reports, in order.
struct HealthLog {
    std::vector<drivers::DeviceHealth> changes;
    [[nodiscard]] drivers::HealthTracker::Listener listener();
    [[nodiscard]] bool saw(drivers::DeviceState state, std::string_view fault) const;
};

// A pty pair whose slave is reachable as `link_path`. The master side reads what the transport
// writes; each complete line goes to the responder, whose answer (if any) is written back.
class PtyDevice {
public:
    using Responder = std::function<std::optional<std::string>(const std::string& line)>;

    PtyDevice(boost::asio::io_context& io, std::filesystem::path link_path, Responder responder);
    PtyDevice(const PtyDevice&) = delete;
    PtyDevice& operator=(const PtyDevice&) = delete;
    ~PtyDevice();

    // Close the master and remove the link: the device is gone.
    void unplug();
    // A new pty pair behind the same link path.
    void replug();
    // Unsolicited output from the device.
    void send(const std::string& bytes);
    void set_responder(Responder responder) { responder_ = std::move(responder); }

    [[nodiscard]] const std::filesystem::path& path() const { return link_path_; }
    [[nodiscard]] const std::vector<std::string>& lines() const { return lines_; }

private:
    void read_loop();

    boost::asio::io_context& io_;
    std::filesystem::path link_path_;
    Responder responder_;
    std::unique_ptr<boost::asio::posix::stream_descriptor> master_;
    int slave_fd_ = -1;  // held open so the master never sees a hang-up between transport opens
    std::string pending_;
    std::vector<std::string> lines_;
    std::shared_ptr<char> alive_ = std::make_shared<char>();
};

// Answers "PING" with "PONG", "STATUS" with "OK", anything else with "ERR".
[[nodiscard]] std::optional<std::string> status_peer(const std::string& line);

}  // namespace hk::test

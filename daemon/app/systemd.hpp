// systemd integration: READY/RELOADING/STOPPING/STATUS notifications and the watchdog.
// Everything is a no-op when the daemon was not started by systemd (no NOTIFY_SOCKET).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace hk::app {

class SystemdNotifier {
public:
    SystemdNotifier();

    [[nodiscard]] bool enabled() const { return enabled_; }
    // Interval at which WATCHDOG=1 must be sent (half of WatchdogSec), if the watchdog is on.
    [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const {
        return watchdog_interval_;
    }

    void ready(std::string_view status) const;
    void reloading() const;
    void stopping() const;
    void status(std::string_view status) const;
    void watchdog() const;

private:
    void send(std::string_view message) const;
    bool enabled_ = false;
    std::optional<std::chrono::microseconds> watchdog_interval_;
};

}  // namespace hk::app

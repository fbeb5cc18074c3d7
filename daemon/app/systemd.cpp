// SystemdNotifier: see systemd.hpp.
#include "daemon/app/systemd.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

#include <systemd/sd-daemon.h>

namespace hk::app {

SystemdNotifier::SystemdNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    enabled_ = socket != nullptr && *socket != '\0';
    std::uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        watchdog_interval_ = std::chrono::microseconds(usec / 2);
    }
}

void SystemdNotifier::send(std::string_view message) const {
    if (enabled_) {
        ::sd_notify(0, std::string(message).c_str());
    }
}

void SystemdNotifier::ready(std::string_view status) const {
    send("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::reloading() const {
    send("RELOADING=1");
}

void SystemdNotifier::stopping() const {
    send("STOPPING=1");
}

void SystemdNotifier::status(std::string_view status) const {
    send("STATUS=" + std::string(status));
}

void SystemdNotifier::watchdog() const {
    send("WATCHDOG=1");
}

}  // namespace hk::app

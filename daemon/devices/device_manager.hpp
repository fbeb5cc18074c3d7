// The devices of this node, running: one driver per configured [[device]], its health, its
// counters and its recent events, bound to the hardware the hotplug monitor sees
// (docs/devices.md).
//
// The manager builds each driver through its registry factory with a DriverContext of its
// own, starts them all, and passes hotplug arrivals and departures to the driver whose device
// they are: the one whose `match` is the node's physical path, or whose `port` is its device
// node, or — for a device configured with neither — the first unbound one whose driver's
// manifest matches the hardware. Hardware nobody configured is kept as "unbound", with the
// driver that would take it, for `hallctl devices probe`.
//
// A device whose driver cannot be built or started stays in the list, offline with fault
// "driver_error": one broken device never stops the others or the daemon. Everything runs on
// the loop; nothing here blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "drivers/sdk/device_info.hpp"
#include "drivers/sdk/driver.hpp"
#include "drivers/sdk/health.hpp"
#include "drivers/sdk/registry.hpp"

namespace hk::devices {

inline constexpr std::string_view kDriverErrorFault = "driver_error";

// One event as kept for technicians: when, and describe_event's text (no personal data).
struct RecentEvent {
    std::int64_t at_ms = 0;
    std::string text;
};

struct ManagedDevice {
    drivers::DeviceConfig config;
    drivers::DeviceClass device_class{};
    // Declaration order is destruction order reversed: the driver goes before its context
    // and health, which it uses until it is destroyed.
    std::unique_ptr<drivers::HealthTracker> health;
    std::unique_ptr<drivers::DriverContext> context;
    std::unique_ptr<drivers::Driver> driver;      // null when it could not be built
    std::optional<drivers::DeviceInfo> hardware;  // the hotplug node bound to it, if any
    bool hardware_present = false;
    std::deque<RecentEvent> recent;  // newest last
    std::uint64_t events = 0;

    // Whether the hotplug node at `physical_path` is (or was last) this device's hardware.
    [[nodiscard]] bool bound_to(std::string_view physical_path) const {
        return hardware.has_value() && hardware->physical_path == physical_path;
    }
};

// Present hardware no configured device took.
struct UnboundHardware {
    drivers::DeviceInfo info;
    std::string would_match;  // the driver best_match names, empty if none
    std::string reason;       // why it matches: "usb 0fe6:811e"
};

struct DeviceManagerOptions {
    std::size_t recent_events = 32;  // kept per device
};

class DeviceManager {
public:
    struct Listeners {
        // A device's health changed (once per real change).
        std::function<void(const ManagedDevice& device, const drivers::DeviceHealth& now,
                           const drivers::DeviceHealth& before)>
            health_changed;
        // A device sent an event. The CardRead of an ID card carries personal data: it goes
        // to this listener and nowhere else.
        std::function<void(const ManagedDevice& device, const drivers::DeviceEvent& event)>
            device_event;
    };

    // `registry` and the listeners must outlive the manager. `now_ms`: wall clock.
    DeviceManager(boost::asio::io_context& io, const drivers::DriverRegistry& registry,
                  std::function<std::int64_t()> now_ms, Listeners listeners,
                  DeviceManagerOptions options = {});
    ~DeviceManager();
    DeviceManager(const DeviceManager&) = delete;
    DeviceManager& operator=(const DeviceManager&) = delete;

    // Builds and starts a driver per device, in order. Ids must be unique (the config parser
    // guarantees it); a duplicate is refused with a message and not added.
    std::vector<std::string> start(const std::vector<drivers::DeviceConfig>& devices);
    // Stops every driver (outstanding operations complete with "cancelled"). Idempotent.
    void stop();

    // Hotplug: a node arrived (or came back, maybe with a new /dev node), or left.
    void hardware_arrived(const drivers::DeviceInfo& info);
    void hardware_left(const std::string& physical_path);

    [[nodiscard]] const std::vector<std::unique_ptr<ManagedDevice>>& devices() const {
        return devices_;
    }
    [[nodiscard]] ManagedDevice* find(std::string_view id);
    [[nodiscard]] const ManagedDevice* find(std::string_view id) const;
    [[nodiscard]] std::vector<UnboundHardware> unbound() const;

private:
    ManagedDevice* owner_of(const drivers::DeviceInfo& info);
    void on_event(ManagedDevice& device, const drivers::DeviceEvent& event);

    boost::asio::io_context& io_;
    const drivers::DriverRegistry& registry_;
    std::function<std::int64_t()> now_ms_;
    Listeners listeners_;
    DeviceManagerOptions options_;
    std::vector<std::unique_ptr<ManagedDevice>> devices_;
    std::map<std::string, drivers::DeviceInfo, std::less<>> unbound_;  // by physical path
    bool stopped_ = false;
};

}  // namespace hk::devices

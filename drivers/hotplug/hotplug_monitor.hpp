// Turns uevents into "device arrived" and "device left", the way the device manager wants
// them (docs/hotplug.md):
//  - a node is announced once its USB device has settled: no uevent anywhere below the same
//    USB port for `settle` (the device, its interfaces, their binds and nodes). So a composite
//    device's nodes arrive together, after all its interfaces, whatever the kernel version or
//    module-loading order; nodes outside USB settle on their own;
//  - a removal is reported only after `debounce` without the node coming back; if it comes
//    back on the same port in time, no "left" is reported and it is announced again once
//    settled (its /dev node may have changed: whoever uses it reopens);
//  - a removal of something never announced is ignored, and so is an add or change of a
//    present node that changes nothing of its identity (path, node, ids, serial).
// Announced: USB devices (not hubs) and tty, input event, hidraw and video4linux nodes that
// physical_path can name. Everything runs on the caller's loop through the Scheduler.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/hotplug/scheduler.hpp"
#include "drivers/hotplug/uevent_source.hpp"
#include "drivers/sdk/device_info.hpp"

namespace hk::drivers::hotplug {

struct HotplugTiming {
    std::chrono::milliseconds settle{500};     // quiet time below a USB port before announcing
    std::chrono::milliseconds debounce{1500};  // absence before a removal is reported
};

struct HotplugCounters {
    std::uint64_t events = 0;
    std::uint64_t arrivals = 0;          // "arrived" callbacks, re-announcements included
    std::uint64_t departures = 0;        // "left" callbacks
    std::uint64_t replugs = 0;           // removals cancelled by a quick return
    std::uint64_t ignored_removals = 0;  // removals of nodes never announced
    friend bool operator==(const HotplugCounters&, const HotplugCounters&) = default;
};

class HotplugMonitor {
public:
    struct Callbacks {
        std::function<void(const DeviceInfo&)> arrived;
        std::function<void(const std::string& physical_path)> left;
    };

    HotplugMonitor(UeventSource& source, Scheduler& scheduler, Callbacks callbacks,
                   HotplugTiming timing = {});
    ~HotplugMonitor();
    HotplugMonitor(const HotplugMonitor&) = delete;
    HotplugMonitor& operator=(const HotplugMonitor&) = delete;

    // Starts the source; present devices are announced like new ones, after settling.
    // Errors: those of the source.
    std::expected<void, SourceError> start();
    // Stops the source and forgets everything; no callback runs after it returns.
    void stop();

    // Announced and not reported gone (a node waiting out its debounce is still present).
    [[nodiscard]] const DeviceInfo* find(std::string_view physical_path) const;
    [[nodiscard]] std::vector<std::string> present() const;
    [[nodiscard]] const HotplugCounters& counters() const { return counters_; }

private:
    struct Node {
        DeviceInfo info;
        std::string devpath;
    };
    struct Group {
        Scheduler::Id timer = 0;
        std::map<std::string, Node, std::less<>> nodes;  // by physical path
    };
    struct Present {
        Node node;
        Scheduler::Id leaving = 0;  // debounce timer while the node is unplugged
    };

    void on_event(const Uevent& event);
    void on_removed(const Uevent& event);
    void stage(const std::string& group_key, Node node);
    void touch(const std::string& group_key);
    void settle(const std::string& group_key);
    void depart(const std::string& physical_path);

    UeventSource& source_;
    Scheduler& scheduler_;
    Callbacks callbacks_;
    HotplugTiming timing_;
    bool running_ = false;
    std::map<std::string, Group, std::less<>> groups_;            // "usb:1-1.2" or a path
    std::map<std::string, Present, std::less<>> present_;         // by physical path
    std::map<std::string, std::string, std::less<>> by_devpath_;  // pending or present nodes
    HotplugCounters counters_;
};

}  // namespace hk::drivers::hotplug

// HotplugMonitor: settle, debounce and presence (hotplug_monitor.hpp).
#include "drivers/hotplug/hotplug_monitor.hpp"

#include <utility>

#include "drivers/hotplug/physical_path.hpp"

namespace hk::drivers::hotplug {

namespace {

// What a user of the node depends on; other properties (DRIVER after a bind, …) may change
// without the node being any different.
bool same_identity(const DeviceInfo& a, const DeviceInfo& b) {
    return a.physical_path == b.physical_path && a.subsystem == b.subsystem &&
           a.devnode == b.devnode && a.vendor_id == b.vendor_id && a.product_id == b.product_id &&
           a.serial == b.serial;
}

bool is_announced_kind(const Uevent& event) {
    if (event.subsystem != "usb") {
        return true;
    }
    return property(event.properties, "DEVTYPE") == "usb_device" && !is_usb_hub(event.properties);
}

}  // namespace

HotplugMonitor::HotplugMonitor(UeventSource& source, Scheduler& scheduler, Callbacks callbacks,
                               HotplugTiming timing)
    : source_(source), scheduler_(scheduler), callbacks_(std::move(callbacks)), timing_(timing) {}

HotplugMonitor::~HotplugMonitor() {
    stop();
}

std::expected<void, SourceError> HotplugMonitor::start() {
    if (running_) {
        return std::unexpected(SourceError::already_started);
    }
    running_ = true;
    auto started = source_.start([this](const Uevent& event) { on_event(event); });
    if (!started) {
        running_ = false;
    }
    return started;
}

void HotplugMonitor::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    source_.stop();
    for (const auto& [key, group] : groups_) {
        scheduler_.cancel(group.timer);
    }
    for (const auto& [path, present] : present_) {
        if (present.leaving != 0) {
            scheduler_.cancel(present.leaving);
        }
    }
    groups_.clear();
    present_.clear();
    by_devpath_.clear();
}

const DeviceInfo* HotplugMonitor::find(std::string_view physical_path) const {
    const auto found = present_.find(physical_path);
    return found == present_.end() ? nullptr : &found->second.node.info;
}

std::vector<std::string> HotplugMonitor::present() const {
    std::vector<std::string> paths;
    paths.reserve(present_.size());
    for (const auto& [path, present] : present_) {
        paths.push_back(path);
    }
    return paths;
}

void HotplugMonitor::on_event(const Uevent& event) {
    if (!running_) {
        return;
    }
    ++counters_.events;
    if (event.action == UeventAction::remove) {
        on_removed(event);
        return;
    }
    const auto location = usb_location(event.devpath);
    const std::string usb_key = location ? "usb:" + location->port : std::string{};
    const bool announces =
        event.action == UeventAction::add || event.action == UeventAction::change ||
        event.action == UeventAction::move || event.action == UeventAction::bind ||
        event.action == UeventAction::online;
    if (announces && is_announced_kind(event)) {
        if (auto info = describe_device(event.properties)) {
            const std::string key = usb_key.empty() ? info->physical_path : usb_key;
            stage(key, Node{std::move(*info), event.devpath});
            return;
        }
    }
    // Interfaces, binds, input parents, nodes not (yet) nameable: the USB device below this
    // port is still settling.
    if (!usb_key.empty()) {
        touch(usb_key);
    }
}

void HotplugMonitor::on_removed(const Uevent& event) {
    std::string path;
    if (const auto known = by_devpath_.find(event.devpath); known != by_devpath_.end()) {
        path = known->second;
        by_devpath_.erase(known);
    } else if (auto info = describe_device(event.properties)) {
        path = info->physical_path;
    }
    bool was_pending = false;
    for (auto& [key, group] : groups_) {
        was_pending = group.nodes.erase(path) > 0 || was_pending;
    }
    const auto present = path.empty() ? present_.end() : present_.find(path);
    if (present == present_.end()) {
        if (!was_pending) {
            ++counters_.ignored_removals;
        }
        return;
    }
    if (present->second.leaving == 0) {
        present->second.leaving =
            scheduler_.call_after(timing_.debounce, [this, path] { depart(path); });
    }
}

void HotplugMonitor::stage(const std::string& group_key, Node node) {
    const auto& path = node.info.physical_path;
    if (const auto present = present_.find(path); present != present_.end()) {
        if (present->second.leaving == 0 && same_identity(present->second.node.info, node.info)) {
            return;  // already announced as it is: a duplicate add, a change or a late bind
        }
        if (present->second.leaving != 0) {
            scheduler_.cancel(present->second.leaving);
            present->second.leaving = 0;
            ++counters_.replugs;
        }
    }
    by_devpath_.insert_or_assign(node.devpath, path);
    auto& group = groups_[group_key];
    const std::string key = path;
    group.nodes.insert_or_assign(key, std::move(node));
    touch(group_key);
}

void HotplugMonitor::touch(const std::string& group_key) {
    const auto group = groups_.find(group_key);
    if (group == groups_.end()) {
        return;  // nothing waiting below this port
    }
    if (group->second.timer != 0) {
        scheduler_.cancel(group->second.timer);
    }
    group->second.timer =
        scheduler_.call_after(timing_.settle, [this, group_key] { settle(group_key); });
}

void HotplugMonitor::settle(const std::string& group_key) {
    const auto group = groups_.find(group_key);
    if (group == groups_.end()) {
        return;
    }
    auto nodes = std::move(group->second.nodes);
    groups_.erase(group);
    for (auto& [path, node] : nodes) {
        if (!running_) {
            return;  // a callback stopped the monitor
        }
        auto& present = present_[path];
        present.node = std::move(node);
        ++counters_.arrivals;
        if (callbacks_.arrived) {
            const DeviceInfo info = present.node.info;  // the callback may change present_
            callbacks_.arrived(info);
        }
    }
}

void HotplugMonitor::depart(const std::string& physical_path) {
    const auto present = present_.find(physical_path);
    if (present == present_.end()) {
        return;
    }
    present_.erase(present);
    ++counters_.departures;
    if (callbacks_.left) {
        callbacks_.left(physical_path);
    }
}

}  // namespace hk::drivers::hotplug

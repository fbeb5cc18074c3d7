// The device manager: see device_manager.hpp.
#include "daemon/devices/device_manager.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace hk::devices {

using drivers::DeviceHealth;
using drivers::DeviceState;

DeviceManager::DeviceManager(boost::asio::io_context& io, const drivers::DriverRegistry& registry,
                             std::function<std::int64_t()> now_ms, Listeners listeners,
                             DeviceManagerOptions options)
    : io_(io),
      registry_(registry),
      now_ms_(std::move(now_ms)),
      listeners_(std::move(listeners)),
      options_(options) {}

DeviceManager::~DeviceManager() {
    stop();
}

std::vector<std::string> DeviceManager::start(const std::vector<drivers::DeviceConfig>& devices) {
    std::vector<std::string> refused;
    for (const auto& config : devices) {
        if (find(config.id) != nullptr) {
            refused.push_back(fmt::format("device '{}' is configured twice", config.id));
            continue;
        }
        auto device = std::make_unique<ManagedDevice>();
        device->config = config;
        auto* raw = device.get();
        device->health = std::make_unique<drivers::HealthTracker>(
            [this, raw](const DeviceHealth& now, const DeviceHealth& before) {
                if (listeners_.health_changed) {
                    listeners_.health_changed(*raw, now, before);
                }
            });
        device->context = std::make_unique<drivers::DriverContext>(drivers::DriverContext{
            .io = io_,
            .health = *device->health,
            .emit = [this, raw](const drivers::DeviceEvent& event) { on_event(*raw, event); },
            .now_ms = now_ms_,
        });
        devices_.push_back(std::move(device));

        const auto* registered = registry_.find(config.driver);
        if (registered == nullptr) {
            // The config parser checks driver names against the same registry.
            raw->health->set(DeviceState::offline, kDriverErrorFault,
                             fmt::format("no driver named '{}'", config.driver), now_ms_());
            continue;
        }
        raw->device_class = registered->manifest.device_class;
        auto driver = registered->factory(raw->config, *raw->context);
        if (!driver) {
            raw->health->set(DeviceState::offline, kDriverErrorFault, driver.error(), now_ms_());
            spdlog::error("device {}: driver {} refused its configuration: {}", config.id,
                          config.driver, driver.error());
            continue;
        }
        raw->driver = std::move(*driver);
        if (auto started = raw->driver->start(); !started) {
            raw->health->set(DeviceState::offline, kDriverErrorFault, started.error(), now_ms_());
            spdlog::error("device {}: driver {} did not start: {}", config.id, config.driver,
                          started.error());
            continue;
        }
        spdlog::info("device {}: {}", config.id, raw->driver->describe());
    }
    return refused;
}

void DeviceManager::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    for (auto& device : devices_) {
        if (device->driver) {
            device->driver->stop();
        }
    }
}

namespace {

// Whether the configured port is the node: the same path, or a stable symlink to it
// ("/dev/serial/by-path/…" → "/dev/ttyUSB0"). A quick local lookup, no device I/O.
bool is_port(const std::string& port, const std::string& devnode) {
    if (devnode.empty()) {
        return false;
    }
    if (port == devnode) {
        return true;
    }
    std::error_code error;
    const auto resolved = std::filesystem::canonical(port, error);
    return !error && resolved == std::filesystem::path(devnode);
}

}  // namespace

ManagedDevice* DeviceManager::owner_of(const drivers::DeviceInfo& info) {
    // Named by physical path or device node: that device, whatever its driver says.
    for (auto& device : devices_) {
        const auto& config = device->config;
        if ((config.match && *config.match == info.physical_path) ||
            (config.port && is_port(*config.port, info.devnode))) {
            return device.get();
        }
    }
    // Already bound by an earlier arrival.
    for (auto& device : devices_) {
        if (device->bound_to(info.physical_path)) {
            return device.get();
        }
    }
    // Configured without a port or path: the first unbound device whose driver matches.
    for (auto& device : devices_) {
        const auto& config = device->config;
        if (config.match || config.port || device->hardware) {
            continue;
        }
        const auto* registered = registry_.find(config.driver);
        if (registered != nullptr && drivers::matches(registered->manifest, info)) {
            return device.get();
        }
    }
    return nullptr;
}

void DeviceManager::hardware_arrived(const drivers::DeviceInfo& info) {
    if (stopped_) {
        return;
    }
    auto* device = owner_of(info);
    if (device == nullptr) {
        const bool known = unbound_.contains(info.physical_path);
        unbound_.insert_or_assign(info.physical_path, info);
        if (!known) {
            const auto best = registry_.best_match(info);
            spdlog::info("hardware {} ({}) is not configured{}", info.physical_path,
                         info.devnode.empty() ? info.subsystem : info.devnode,
                         best
                             ? fmt::format("; driver {} would take it", best->driver->manifest.name)
                             : std::string());
        }
        return;
    }
    unbound_.erase(info.physical_path);
    const bool rebound = device->hardware.has_value();
    device->hardware = info;
    device->hardware_present = true;
    spdlog::info("device {}: hardware {} {} at {}", device->config.id, info.physical_path,
                 rebound ? "is back" : "found", info.devnode.empty() ? "-" : info.devnode);
    if (device->driver) {
        device->driver->device_arrived(info.devnode);
    }
}

void DeviceManager::hardware_left(const std::string& physical_path) {
    if (stopped_) {
        return;
    }
    if (unbound_.erase(physical_path) > 0) {
        return;
    }
    for (auto& device : devices_) {
        if (device->bound_to(physical_path) && device->hardware_present) {
            device->hardware_present = false;
            spdlog::info("device {}: hardware {} unplugged", device->config.id, physical_path);
            if (device->driver) {
                device->driver->device_left();
            }
        }
    }
}

ManagedDevice* DeviceManager::find(std::string_view id) {
    const auto it =
        std::ranges::find_if(devices_, [id](const auto& d) { return d->config.id == id; });
    return it == devices_.end() ? nullptr : it->get();
}

const ManagedDevice* DeviceManager::find(std::string_view id) const {
    const auto it =
        std::ranges::find_if(devices_, [id](const auto& d) { return d->config.id == id; });
    return it == devices_.end() ? nullptr : it->get();
}

std::vector<UnboundHardware> DeviceManager::unbound() const {
    std::vector<UnboundHardware> out;
    out.reserve(unbound_.size());
    for (const auto& [path, info] : unbound_) {
        UnboundHardware entry{.info = info, .would_match = {}, .reason = {}};
        if (const auto best = registry_.best_match(info)) {
            entry.would_match = best->driver->manifest.name;
            entry.reason = best->match.reason;
        }
        out.push_back(std::move(entry));
    }
    return out;
}

void DeviceManager::on_event(ManagedDevice& device, const drivers::DeviceEvent& event) {
    ++device.events;
    device.recent.push_back(
        RecentEvent{.at_ms = now_ms_(), .text = drivers::describe_event(event)});
    while (device.recent.size() > options_.recent_events) {
        device.recent.pop_front();
    }
    spdlog::debug("device {}: {}", device.config.id, device.recent.back().text);
    if (listeners_.device_event) {
        listeners_.device_event(device, event);
    }
}

}  // namespace hk::devices

// The daemon's devices: the device manager with the drivers of the config, the hotplug
// monitor feeding it, the simulation scenario, and the control commands technicians use on
// them (`hallctl devices …`, docs/devices.md). Health changes become `device.health` events in
// the node's event log, so hallctl and the platform sync read them.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "daemon/config/config.hpp"
#include "daemon/control/server.hpp"
#include "daemon/devices/device_manager.hpp"
#include "daemon/devices/scenario.hpp"
#include "drivers/hotplug/hotplug_monitor.hpp"
#include "drivers/hotplug/scheduler.hpp"
#include "drivers/hotplug/uevent_source.hpp"
#include "drivers/sdk/registry.hpp"

namespace hk::app {

struct DeviceServiceHooks {
    // Appends one event to the node's event log.
    std::function<void(std::string_view type, const nlohmann::json& payload)> record_event;
    std::function<std::int64_t()> now_ms;
    // A device's event, ID cards read included (their personal data goes nowhere else).
    std::function<void(const devices::ManagedDevice& device, const drivers::DeviceEvent& event)>
        device_event;
};

class DeviceService {
public:
    // Builds and starts the devices, starts hotplug (`source`: the udev monitor, or an injected
    // one in tests; nullptr: none) and the scenario. Refuses (with one message per problem)
    // a scenario that cannot be read or names devices or actions that do not exist; a device
    // whose driver fails is not a refusal (it shows as offline, "driver_error").
    [[nodiscard]] static std::expected<std::unique_ptr<DeviceService>, std::vector<std::string>>
    start(boost::asio::io_context& io, const config::Config& config,
          const drivers::DriverRegistry& registry,
          std::unique_ptr<drivers::hotplug::UeventSource> source, DeviceServiceHooks hooks);

    ~DeviceService();
    DeviceService(const DeviceService&) = delete;
    DeviceService& operator=(const DeviceService&) = delete;

    void register_commands(control::Server& server);
    void stop();

    // For `status`: how many devices there are in each state.
    [[nodiscard]] nlohmann::json summary() const;
    [[nodiscard]] const devices::DeviceManager& manager() const { return manager_; }
    [[nodiscard]] devices::DeviceManager& manager() { return manager_; }

    [[nodiscard]] nlohmann::json list() const;
    [[nodiscard]] control::Outcome show(const nlohmann::json& args) const;
    [[nodiscard]] control::Outcome simulate(const nlohmann::json& args);
    [[nodiscard]] control::Outcome trace(const nlohmann::json& args);
    [[nodiscard]] nlohmann::json probe() const;
    void self_test(const nlohmann::json& args, const control::Server::Reply& reply);

private:
    DeviceService(boost::asio::io_context& io, const drivers::DriverRegistry& registry,
                  DeviceServiceHooks hooks);
    void on_health(const devices::ManagedDevice& device, const drivers::DeviceHealth& now,
                   const drivers::DeviceHealth& before) const;
    std::expected<std::string, std::string> perform(const devices::ScenarioStep& step);

    const drivers::DriverRegistry& registry_;
    DeviceServiceHooks hooks_;
    devices::DeviceManager manager_;
    drivers::hotplug::AsioScheduler scheduler_;
    std::unique_ptr<drivers::hotplug::UeventSource> source_;
    std::unique_ptr<drivers::hotplug::HotplugMonitor> hotplug_;
    std::string hotplug_error_;  // why hotplug is not running, if it is not
    std::unique_ptr<devices::ScenarioRunner> scenario_;
    std::string scenario_file_;
    bool stopped_ = false;
};

}  // namespace hk::app

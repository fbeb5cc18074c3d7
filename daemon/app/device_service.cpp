// The daemon's devices: see device_service.hpp.
#include "daemon/app/device_service.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "drivers/sdk/device_classes.hpp"
#include "drivers/sdk/simulation.hpp"

namespace hk::app {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxScenarioFileBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxSimulateArgs = 16;
constexpr std::size_t kMaxSimulateArgBytes = 256;

control::CommandError bad_args(std::string message) {
    return control::CommandError{std::string(control::errc::bad_args), std::move(message)};
}

control::CommandError device_error(const drivers::DeviceError& error) {
    return control::CommandError{error.code, error.detail};
}

json hardware_json(const drivers::DeviceInfo& info) {
    json out{
        {"path", info.physical_path}, {"subsystem", info.subsystem}, {"devnode", info.devnode}};
    if (info.vendor_id && info.product_id) {
        out["usb"] = fmt::format("{:04x}:{:04x}", *info.vendor_id, *info.product_id);
    }
    return out;
}

json device_json(const devices::ManagedDevice& device) {
    const auto& health = device.health->health();
    const auto& counters = device.health->counters();
    json out{{"id", device.config.id},
             {"class", drivers::to_string(device.device_class)},
             {"driver", device.config.driver},
             {"location", device.config.location},
             {"window", device.config.window ? json(*device.config.window) : json(nullptr)},
             {"state", drivers::to_string(health.state)},
             {"fault", health.fault},
             {"detail", health.detail},
             {"since_ms", health.since_ms},
             {"description", device.driver ? device.driver->describe() : std::string()},
             {"counters",
              {{"io_errors", counters.io_errors},
               {"timeouts", counters.timeouts},
               {"retries", counters.retries},
               {"reconnects", counters.reconnects}}},
             {"events", device.events}};
    if (device.hardware) {
        out["hardware"] = hardware_json(*device.hardware);
        out["hardware"]["present"] = device.hardware_present;
    } else {
        out["hardware"] = nullptr;
    }
    return out;
}

const std::string* string_arg(const json& args, std::string_view key) {
    const auto it = args.find(key);
    return it != args.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

std::expected<std::string, std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::unexpected(fmt::format("cannot read {}", path.string()));
    }
    std::string text;
    text.resize(kMaxScenarioFileBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScenarioFileBytes) {
        return std::unexpected(fmt::format("{} is larger than 1 MiB", path.string()));
    }
    return text;
}

}  // namespace

DeviceService::DeviceService(boost::asio::io_context& io, const drivers::DriverRegistry& registry,
                             DeviceServiceHooks hooks)
    : registry_(registry),
      hooks_(std::move(hooks)),
      manager_(
          io, registry, hooks_.now_ms,
          devices::DeviceManager::Listeners{
              .health_changed =
                  [this](const devices::ManagedDevice& device, const drivers::DeviceHealth& now,
                         const drivers::DeviceHealth& before) { on_health(device, now, before); },
              .device_event =
                  [this](const devices::ManagedDevice& device, const drivers::DeviceEvent& event) {
                      if (hooks_.device_event) {
                          hooks_.device_event(device, event);
                      }
                  },
          }),
      scheduler_(io) {}

DeviceService::~DeviceService() {
    stop();
}

std::expected<std::unique_ptr<DeviceService>, std::vector<std::string>> DeviceService::start(
    boost::asio::io_context& io, const config::Config& config,
    const drivers::DriverRegistry& registry, std::unique_ptr<drivers::hotplug::UeventSource> source,
    DeviceServiceHooks hooks) {
    std::unique_ptr<DeviceService> service(new DeviceService(io, registry, std::move(hooks)));
    auto refused = service->manager_.start(config.devices);
    if (!refused.empty()) {
        return std::unexpected(std::move(refused));
    }

    if (config.simulation.script) {
        const auto& file = *config.simulation.script;
        service->scenario_file_ = file.string();
        auto text = read_file(file);
        if (!text) {
            return std::unexpected(std::vector<std::string>{"simulation.script: " + text.error()});
        }
        auto steps = devices::parse_scenario(*text);
        if (!steps) {
            return std::unexpected(std::vector<std::string>{
                fmt::format("{}: {}", file.string(), devices::to_string(steps.error()))});
        }
        std::vector<std::string> problems;
        std::chrono::milliseconds total{0};
        for (const auto& step : *steps) {
            total += step.wait;
            auto* device = service->manager_.find(step.device);
            auto* control = device != nullptr && device->driver
                                ? dynamic_cast<drivers::SimulationControl*>(device->driver.get())
                                : nullptr;
            if (device == nullptr) {
                problems.push_back(fmt::format("{}:{}: no device '{}' is configured", file.string(),
                                               step.line, step.device));
            } else if (control == nullptr) {
                problems.push_back(fmt::format("{}:{}: device '{}' is not simulated", file.string(),
                                               step.line, step.device));
            } else if (std::ranges::none_of(control->simulation_actions(),
                                            [&](const auto& a) { return a.name == step.action; })) {
                problems.push_back(fmt::format("{}:{}: device '{}' has no action '{}'",
                                               file.string(), step.line, step.device, step.action));
            }
        }
        if (config.simulation.repeat && total == std::chrono::milliseconds(0)) {
            problems.push_back(fmt::format(
                "{}: a repeated scenario needs at least one wait above 0", file.string()));
        }
        if (!problems.empty()) {
            return std::unexpected(std::move(problems));
        }
        const auto step_count = steps->size();
        auto* raw = service.get();
        service->scenario_ = std::make_unique<devices::ScenarioRunner>(
            io, std::move(*steps), config.simulation.repeat,
            [raw](const devices::ScenarioStep& step) { return raw->perform(step); },
            [](const devices::ScenarioStep& step,
               const std::expected<std::string, std::string>& outcome) {
                if (outcome) {
                    spdlog::info("scenario line {}: {} {}: {}", step.line, step.device, step.action,
                                 *outcome);
                } else {
                    spdlog::warn("scenario line {}: {} {} failed: {}", step.line, step.device,
                                 step.action, outcome.error());
                }
            });
        service->scenario_->start();
        spdlog::info("simulation scenario {} started ({} steps, {})", file.string(), step_count,
                     config.simulation.repeat ? "repeating" : "once");
    }

    if (source) {
        service->source_ = std::move(source);
        auto* raw = service.get();
        service->hotplug_ = std::make_unique<drivers::hotplug::HotplugMonitor>(
            *service->source_, service->scheduler_,
            drivers::hotplug::HotplugMonitor::Callbacks{
                .arrived =
                    [raw](const drivers::DeviceInfo& info) {
                        raw->manager_.hardware_arrived(info);
                    },
                .left = [raw](const std::string& path) { raw->manager_.hardware_left(path); },
            });
        if (auto started = service->hotplug_->start(); !started) {
            service->hotplug_error_ = std::string(drivers::hotplug::to_string(started.error()));
            spdlog::warn("hotplug is not running, devices are only found by their port: {}",
                         service->hotplug_error_);
            service->hotplug_.reset();
        }
    } else {
        service->hotplug_error_ = "disabled";
    }
    return service;
}

void DeviceService::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    if (scenario_) {
        scenario_->stop();
    }
    if (hotplug_) {
        hotplug_->stop();
    }
    manager_.stop();
}

void DeviceService::on_health(const devices::ManagedDevice& device,
                              const drivers::DeviceHealth& now,
                              const drivers::DeviceHealth& before) const {
    if (stopped_) {
        return;  // the daemon is stopping its drivers: not a change of the devices themselves
    }
    const auto message =
        fmt::format("device {}: {} -> {}{}{}", device.config.id, drivers::to_string(before.state),
                    drivers::to_string(now.state), now.fault.empty() ? "" : " (" + now.fault + ")",
                    now.detail.empty() ? "" : ": " + now.detail);
    if (drivers::is_usable(now.state) || now.state == drivers::DeviceState::probing) {
        spdlog::info("{}", message);
    } else {
        spdlog::warn("{}", message);
    }
    if (hooks_.record_event) {
        hooks_.record_event("device.health",
                            json{{"device", device.config.id},
                                 {"class", drivers::to_string(device.device_class)},
                                 {"state", drivers::to_string(now.state)},
                                 {"fault", now.fault},
                                 {"detail", now.detail},
                                 {"previous", drivers::to_string(before.state)}});
    }
}

std::expected<std::string, std::string> DeviceService::perform(const devices::ScenarioStep& step) {
    auto* device = manager_.find(step.device);
    auto* control = device != nullptr && device->driver
                        ? dynamic_cast<drivers::SimulationControl*>(device->driver.get())
                        : nullptr;
    if (control == nullptr) {
        return std::unexpected(
            fmt::format("device '{}' is not a running simulated device", step.device));
    }
    return control->simulate(step.action, step.args);
}

json DeviceService::summary() const {
    std::map<std::string, int> by_state;
    for (const auto& device : manager_.devices()) {
        ++by_state[std::string(drivers::to_string(device->health->health().state))];
    }
    return json{{"count", manager_.devices().size()},
                {"by_state", by_state},
                {"hotplug", hotplug_ ? "running" : hotplug_error_}};
}

json DeviceService::list() const {
    json devices = json::array();
    for (const auto& device : manager_.devices()) {
        devices.push_back(device_json(*device));
    }
    json unbound = json::array();
    for (const auto& hardware : manager_.unbound()) {
        auto entry = hardware_json(hardware.info);
        entry["would_match"] = hardware.would_match;
        entry["reason"] = hardware.reason;
        unbound.push_back(std::move(entry));
    }
    return json{{"devices", std::move(devices)},
                {"unbound", std::move(unbound)},
                {"hotplug", hotplug_ ? "running" : hotplug_error_}};
}

control::Outcome DeviceService::show(const json& args) const {
    const auto* id = string_arg(args, "id");
    if (id == nullptr) {
        return std::unexpected(bad_args("field \"id\" (a device id) is required"));
    }
    const auto* device = manager_.find(*id);
    if (device == nullptr) {
        return std::unexpected(
            control::CommandError{"unknown_device", fmt::format("no device '{}'", *id)});
    }
    auto out = device_json(*device);
    json params = json::object();
    for (const auto& [name, value] : device->config.params) {
        params[name] = drivers::format_value(value);
    }
    out["params"] = std::move(params);
    out["port"] = device->config.port ? json(*device->config.port) : json(nullptr);
    out["match"] = device->config.match ? json(*device->config.match) : json(nullptr);
    json recent = json::array();
    for (const auto& event : device->recent) {
        recent.push_back(json{{"at_ms", event.at_ms}, {"event", event.text}});
    }
    out["recent_events"] = std::move(recent);
    if (const auto* control =
            device->driver ? dynamic_cast<const drivers::SimulationControl*>(device->driver.get())
                           : nullptr) {
        json state = json::array();
        for (const auto& [name, value] : control->simulation_state()) {
            state.push_back(json{{"name", name}, {"value", value}});
        }
        json actions = json::array();
        for (const auto& action : control->simulation_actions()) {
            actions.push_back(json{
                {"name", action.name}, {"arguments", action.arguments}, {"help", action.help}});
        }
        out["simulation"] = json{{"state", std::move(state)}, {"actions", std::move(actions)}};
    }
    return out;
}

control::Outcome DeviceService::simulate(const json& args) {
    const auto* id = string_arg(args, "id");
    const auto* action = string_arg(args, "action");
    if (id == nullptr || action == nullptr) {
        return std::unexpected(bad_args("fields \"id\" and \"action\" (strings) are required"));
    }
    std::vector<std::string> words;
    if (const auto it = args.find("args"); it != args.end()) {
        if (!it->is_array() || it->size() > kMaxSimulateArgs) {
            return std::unexpected(bad_args(fmt::format(
                "field \"args\" must be an array of at most {} strings", kMaxSimulateArgs)));
        }
        for (const auto& word : *it) {
            if (!word.is_string() ||
                word.get_ref<const std::string&>().size() > kMaxSimulateArgBytes) {
                return std::unexpected(bad_args(fmt::format(
                    "each argument must be a string of at most {} bytes", kMaxSimulateArgBytes)));
            }
            words.push_back(word.get<std::string>());
        }
    }
    auto* device = manager_.find(*id);
    if (device == nullptr) {
        return std::unexpected(
            control::CommandError{"unknown_device", fmt::format("no device '{}'", *id)});
    }
    auto* control =
        device->driver ? dynamic_cast<drivers::SimulationControl*>(device->driver.get()) : nullptr;
    if (control == nullptr) {
        return std::unexpected(control::CommandError{
            "not_simulated", fmt::format("device '{}' is not a simulated device", *id)});
    }
    auto done = control->simulate(*action, words);
    if (!done) {
        return std::unexpected(control::CommandError{"simulation_refused", done.error()});
    }
    return json{{"device", *id}, {"action", *action}, {"result", *done}};
}

control::Outcome DeviceService::trace(const json& args) {
    const auto* id = string_arg(args, "id");
    if (id == nullptr) {
        return std::unexpected(bad_args("field \"id\" (a device id) is required"));
    }
    const auto* file = string_arg(args, "file");
    const bool stop_tracing = args.value("stop", false);
    if ((file == nullptr) == !stop_tracing) {
        return std::unexpected(
            bad_args("give either \"file\" (an absolute path) to start or \"stop\": true"));
    }
    if (file != nullptr && !file->starts_with('/')) {
        return std::unexpected(bad_args("field \"file\" must be an absolute path"));
    }
    auto* device = manager_.find(*id);
    if (device == nullptr) {
        return std::unexpected(
            control::CommandError{"unknown_device", fmt::format("no device '{}'", *id)});
    }
    if (!device->driver) {
        return std::unexpected(control::CommandError{std::string(devices::kDriverErrorFault),
                                                     "the device has no running driver"});
    }
    auto traced =
        device->driver->trace(file != nullptr ? std::optional<std::string>(*file) : std::nullopt);
    if (!traced) {
        return std::unexpected(device_error(traced.error()));
    }
    spdlog::info("device {}: trace {}", *id, file != nullptr ? "to " + *file : "stopped");
    return json{{"device", *id}, {"tracing", file != nullptr}, {"file", file ? *file : ""}};
}

json DeviceService::probe() const {
    json present = json::array();
    if (hotplug_) {
        for (const auto& path : hotplug_->present()) {
            const auto* info = hotplug_->find(path);
            if (info == nullptr) {
                continue;
            }
            auto entry = hardware_json(*info);
            json candidates = json::array();
            for (const auto& candidate : registry_.candidates(*info)) {
                candidates.push_back(
                    json{{"driver", candidate.driver->manifest.name},
                         {"maturity", drivers::to_string(candidate.driver->manifest.maturity)},
                         {"match", drivers::to_string(candidate.match.specificity)},
                         {"reason", candidate.match.reason}});
            }
            entry["candidates"] = std::move(candidates);
            entry["device"] = nullptr;
            for (const auto& device : manager_.devices()) {
                if (device->bound_to(path)) {
                    entry["device"] = device->config.id;
                }
            }
            present.push_back(std::move(entry));
        }
    }
    return json{{"hotplug", hotplug_ ? "running" : hotplug_error_}, {"present", present}};
}

void DeviceService::self_test(const json& args, const control::Server::Reply& reply) {
    const auto* id = string_arg(args, "id");
    if (id == nullptr) {
        reply(std::unexpected(bad_args("field \"id\" (a device id) is required")));
        return;
    }
    auto* device = manager_.find(*id);
    if (device == nullptr) {
        reply(std::unexpected(
            control::CommandError{"unknown_device", fmt::format("no device '{}'", *id)}));
        return;
    }
    if (!device->driver) {
        reply(std::unexpected(control::CommandError{std::string(devices::kDriverErrorFault),
                                                    "the device has no running driver"}));
        return;
    }
    device->driver->self_test(
        [reply, device_id = *id](std::expected<std::string, drivers::DeviceError> result) {
            if (!result) {
                reply(std::unexpected(device_error(result.error())));
                return;
            }
            reply(json{{"device", device_id}, {"result", *result}});
        });
}

void DeviceService::register_commands(control::Server& server) {
    using control::Server;
    server.add_command(
        "devices", "The node's devices with their state, and unbound hardware",
        Server::SyncHandler([this](const json&) -> control::Outcome { return list(); }));
    server.add_command("device",
                       "One device: health, counters, parameters, recent events, simulation",
                       Server::SyncHandler([this](const json& args) { return show(args); }));
    server.add_command("device.test", "Run a device's self-test (print a test ticket, …)",
                       Server::Handler([this](const json& args, const Server::Reply& reply) {
                           self_test(args, reply);
                       }));
    server.add_command("device.simulate",
                       "Make a simulated device act: present a card, press a key, …",
                       Server::SyncHandler([this](const json& args) { return simulate(args); }));
    server.add_command("device.trace", "Start or stop recording a device's traffic to a file",
                       Server::SyncHandler([this](const json& args) { return trace(args); }));
    server.add_command(
        "devices.probe", "Present hardware and the drivers that would take it",
        Server::SyncHandler([this](const json&) -> control::Outcome { return probe(); }));
}

}  // namespace hk::app

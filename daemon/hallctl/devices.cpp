// hallctl devices …: see devices.hpp.
#include "daemon/hallctl/devices.hpp"

#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "daemon/hallctl/format.hpp"

namespace hk::hallctl {
namespace {

using nlohmann::json;

constexpr std::size_t kLabelWidth = 12;

std::string row(std::string_view label, std::string_view value) {
    return fmt::format("{:<{}}{}\n", label, kLabelWidth, value);
}

// "online", "faulted (paper_out)".
std::string state_of(const json& device) {
    auto state = text_of(device, "state");
    const auto* fault = member(device, "fault");
    if (fault != nullptr && fault->is_string() && !fault->get_ref<const std::string&>().empty()) {
        state += " (" + printable(fault->get_ref<const std::string&>()) + ")";
    }
    return state;
}

std::string hardware_of(const json& device) {
    const auto* hardware = member(device, "hardware");
    if (hardware == nullptr || !hardware->is_object()) {
        return "-";
    }
    auto text = text_of(*hardware, "path");
    const auto* devnode = member(*hardware, "devnode");
    if (devnode != nullptr && devnode->is_string() &&
        !devnode->get_ref<const std::string&>().empty()) {
        text += " at " + printable(devnode->get_ref<const std::string&>());
    }
    const auto* present = member(*hardware, "present");
    if (present != nullptr && present->is_boolean() && !present->get<bool>()) {
        text += " (unplugged)";
    }
    return text;
}

std::string optional_text(const json& object, std::string_view key) {
    const auto* value = member(object, key);
    return value != nullptr && value->is_string() ? printable(value->get_ref<const std::string&>())
                                                  : std::string("-");
}

void add_id(CLI::App& command, json& args) {
    command
        .add_option_function<std::string>(
            "device", [&args](const std::string& id) { args["id"] = id; },
            "The device id, as in the config ([[device]] id)")
        ->required();
}

}  // namespace

std::string render_devices(const json& result) {
    std::string out;
    const auto* devices = member(result, "devices");
    if (devices == nullptr || !devices->is_array() || devices->empty()) {
        out = "no devices configured\n";
    } else {
        out += fmt::format("{:<16} {:<16} {:<26} {}\n", "DEVICE", "CLASS", "STATE", "WHERE");
        for (const auto& device : *devices) {
            auto where = optional_text(device, "location");
            if (const auto* window = member(device, "window");
                window != nullptr && window->is_string()) {
                where += " (window " + printable(window->get_ref<const std::string&>()) + ")";
            }
            out += fmt::format("{:<16} {:<16} {:<26} {}\n", text_of(device, "id"),
                               text_of(device, "class"), state_of(device), where);
            out += fmt::format("{:<16} {}; hardware {}\n", "", text_of(device, "description"),
                               hardware_of(device));
        }
    }
    const auto* unbound = member(result, "unbound");
    if (unbound != nullptr && unbound->is_array() && !unbound->empty()) {
        out += "\nhardware present but not configured:\n";
        for (const auto& hardware : *unbound) {
            const auto would = optional_text(hardware, "would_match");
            out += fmt::format(
                "  {} at {}: {}\n", text_of(hardware, "path"), optional_text(hardware, "devnode"),
                would.empty() || would == "-" ? std::string("no driver matches")
                                              : fmt::format("driver {} would take it ({})", would,
                                                            optional_text(hardware, "reason")));
        }
    }
    if (const auto* hotplug = member(result, "hotplug");
        hotplug != nullptr && hotplug->is_string() && hotplug->get<std::string>() != "running") {
        out += "hotplug: " + printable(hotplug->get<std::string>()) + "\n";
    }
    return out;
}

std::string render_device(const json& result) {
    std::string out;
    out += row("device", text_of(result, "id"));
    out += row("class", text_of(result, "class"));
    out += row("driver", text_of(result, "driver"));
    out += row("location", optional_text(result, "location"));
    out += row("window", optional_text(result, "window"));
    auto state = state_of(result);
    if (const auto* since = member(result, "since_ms");
        since != nullptr && since->is_number_integer() && since->get<std::int64_t>() > 0) {
        state += " since " + format_time(since->get<std::int64_t>());
    }
    out += row("state", state);
    if (const auto detail = optional_text(result, "detail"); !detail.empty() && detail != "-") {
        out += row("detail", detail);
    }
    out += row("running", text_of(result, "description"));
    out += row("hardware", hardware_of(result));
    out += row("port", optional_text(result, "port"));
    if (const auto* counters = member(result, "counters"); counters != nullptr) {
        const auto count = [&](std::string_view key) {
            const auto value = count_of(*counters, key);
            return value ? std::to_string(*value) : std::string("?");
        };
        out += row("counters", fmt::format("{} I/O errors, {} timeouts, {} retries, {} reconnects",
                                           count("io_errors"), count("timeouts"), count("retries"),
                                           count("reconnects")));
    }
    if (const auto* params = member(result, "params"); params != nullptr && params->is_object()) {
        std::string text;
        for (const auto& [name, value] : params->items()) {
            text += (text.empty() ? "" : ", ") + printable(name) + "=" +
                    (value.is_string() ? printable(value.get<std::string>()) : "?");
        }
        out += row("parameters", text.empty() ? "-" : text);
    }
    if (const auto* simulation = member(result, "simulation"); simulation != nullptr) {
        if (const auto* state_list = member(*simulation, "state");
            state_list != nullptr && state_list->is_array()) {
            out += "simulated state:\n";
            for (const auto& item : *state_list) {
                out += fmt::format("  {:<18} {}\n", text_of(item, "name"), text_of(item, "value"));
            }
        }
        if (const auto* actions = member(*simulation, "actions");
            actions != nullptr && actions->is_array()) {
            out += "simulation actions (hallctl devices simulate DEVICE ACTION [ARGS]):\n";
            for (const auto& action : *actions) {
                out += fmt::format("  {} {}: {}\n", text_of(action, "name"),
                                   optional_text(action, "arguments"), text_of(action, "help"));
            }
        }
    }
    if (const auto* recent = member(result, "recent_events");
        recent != nullptr && recent->is_array() && !recent->empty()) {
        out += "recent events:\n";
        for (const auto& event : *recent) {
            const auto* at = member(event, "at_ms");
            out += fmt::format("  {}  {}\n",
                               at != nullptr && at->is_number_integer()
                                   ? format_time(at->get<std::int64_t>())
                                   : std::string("?"),
                               text_of(event, "event"));
        }
    }
    return out;
}

std::string render_probe(const json& result) {
    std::string out;
    const auto* present = member(result, "present");
    if (present == nullptr || !present->is_array() || present->empty()) {
        out = "no hardware found\n";
    }
    if (present != nullptr && present->is_array()) {
        for (const auto& hardware : *present) {
            out += fmt::format("{} at {}", text_of(hardware, "path"),
                               optional_text(hardware, "devnode"));
            if (const auto* device = member(hardware, "device");
                device != nullptr && device->is_string()) {
                out += ": device " + printable(device->get<std::string>());
            }
            out += "\n";
            const auto* candidates = member(hardware, "candidates");
            if (candidates == nullptr || !candidates->is_array() || candidates->empty()) {
                out += "  no driver matches\n";
                continue;
            }
            for (const auto& candidate : *candidates) {
                out += fmt::format("  {} ({}, {} match: {})\n", text_of(candidate, "driver"),
                                   text_of(candidate, "maturity"), text_of(candidate, "match"),
                                   text_of(candidate, "reason"));
            }
        }
    }
    if (const auto* hotplug = member(result, "hotplug");
        hotplug != nullptr && hotplug->is_string() && hotplug->get<std::string>() != "running") {
        out += "hotplug: " + printable(hotplug->get<std::string>()) + "\n";
    }
    return out;
}

std::string render_device_result(const json& result) {
    if (const auto* tracing = member(result, "tracing");
        tracing != nullptr && tracing->is_boolean()) {
        return tracing->get<bool>()
                   ? fmt::format("{}: recording to {}\n", text_of(result, "device"),
                                 text_of(result, "file"))
                   : fmt::format("{}: recording stopped\n", text_of(result, "device"));
    }
    return fmt::format("{}: {}\n", text_of(result, "device"), text_of(result, "result"));
}

void device_id_args(CLI::App& command, json& args) {
    add_id(command, args);
}

void simulate_args(CLI::App& command, json& args) {
    add_id(command, args);
    command
        .add_option_function<std::string>(
            "action", [&args](const std::string& action) { args["action"] = action; },
            "What happens: present_card, press, scan, … (hallctl devices show DEVICE lists "
            "them)")
        ->required();
    command.add_option_function<std::vector<std::string>>(
        "arguments", [&args](const std::vector<std::string>& words) { args["args"] = words; },
        "The action's arguments");
}

void trace_args(CLI::App& command, json& args) {
    add_id(command, args);
    auto* out = command.add_option_function<std::string>(
        "--out",
        [&args](const std::string& file) {
            // The daemon does not share hallctl's working directory.
            args["file"] = std::filesystem::absolute(file).string();
        },
        "Record the device's traffic into this trace file (docs/transports.md)");
    auto* stop = command.add_flag_function(
        "--stop", [&args](std::int64_t) { args["stop"] = true; }, "Stop recording");
    out->excludes(stop);  // neither: the daemon answers bad_args, saying what to give
}

}  // namespace hk::hallctl

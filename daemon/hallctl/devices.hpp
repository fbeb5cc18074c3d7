// hallctl devices …: the arguments of the device commands and how their answers are printed
// (docs/hallctl.md). Rendering is pure: the daemon's answers are outside input.
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace hk::hallctl {

// `devices list`: one line per device (id, class, state and fault, where, what), then the
// present hardware no device took.
[[nodiscard]] std::string render_devices(const nlohmann::json& result);
// `devices show ID`: everything about one device.
[[nodiscard]] std::string render_device(const nlohmann::json& result);
// `devices probe`: present hardware, its device if bound, and the drivers that would take it.
[[nodiscard]] std::string render_probe(const nlohmann::json& result);
// `devices test|simulate|trace`: the device and what happened.
[[nodiscard]] std::string render_device_result(const nlohmann::json& result);

void device_id_args(CLI::App& command, nlohmann::json& args);
void simulate_args(CLI::App& command, nlohmann::json& args);
void trace_args(CLI::App& command, nlohmann::json& args);

}  // namespace hk::hallctl

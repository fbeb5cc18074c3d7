// The devices of a node: the [[device]] tables of the daemon config, each binding a device
// instance (id, location, window) to a registered driver and its parameters. Parameters are
// checked against the driver's manifest (types, ranges, choices) and missing ones get the
// manifest's defaults, so a driver only ever sees a complete, valid configuration.
#pragma once

#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "daemon/config/config.hpp"
#include "daemon/config/toml_support.hpp"
#include "daemon/queue/hall.hpp"
#include "drivers/sdk/driver.hpp"
#include "drivers/sdk/registry.hpp"

namespace hk::config {

namespace detail {

// Reads the value of the top-level key "device" (an array of tables) into `out`, reporting
// every problem. A device with any problem is left out of `out`; the caller rejects the file.
void read_devices(const toml::node& value, const drivers::DriverRegistry& registry,
                  std::vector<drivers::DeviceConfig>& out, Problems& problems);

}  // namespace detail

// The devices whose `window` is not a window of the hall, one error each (with no position:
// the config and the hall are different files). `source` names the config file.
[[nodiscard]] ConfigErrors check_device_windows(const std::vector<drivers::DeviceConfig>& devices,
                                                const queue::HallDefinition& hall,
                                                std::string_view source);

}  // namespace hk::config

// Simulated devices: one compiled-in driver per device class (`simulated_<class>`, transport
// simulated), so that a hall can be configured, demonstrated and tested without hardware. Each
// implements its class's interface (device_classes.hpp) and SimulationControl (simulation.hpp):
// actions that play the world around the device and a view of its state (docs/drivers.md).
#pragma once

#include <string>

#include "drivers/sdk/device_class.hpp"
#include "drivers/sdk/manifest.hpp"
#include "drivers/sdk/registry.hpp"

namespace hk::drivers::simulated {

// "simulated_ticket_printer" and so on.
[[nodiscard]] std::string driver_name(DeviceClass device_class);

// The manifest of the simulated driver of a class.
[[nodiscard]] DriverManifest manifest(DeviceClass device_class);

// Registers the simulated driver of every class.
void register_drivers(DriverRegistry& registry);

}  // namespace hk::drivers::simulated

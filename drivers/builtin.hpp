// The drivers compiled into hallkeeperd: every family registers its own manifests, and this is
// the one list of families. Registration is an explicit call, never a side effect of static
// initialisation, so no driver depends on link order or is dropped by the linker
// (docs/drivers.md, "Compiled-in and shared-object drivers").
#pragma once

#include "drivers/sdk/registry.hpp"

namespace hk::drivers {

// Adds every compiled-in driver: the simulated devices, the serial barcode scanner and the
// helper-process ID card reader.
void register_builtin_drivers(DriverRegistry& registry);

// A registry of the compiled-in drivers only, built on first use (the daemon adds the driver
// directory's shared objects to a registry of its own).
[[nodiscard]] const DriverRegistry& builtin_drivers();

}  // namespace hk::drivers

// The serial barcode scanner driver: scanners on RS-232 or in USB CDC (virtual COM port)
// mode, which send each code followed by a terminator. It reads through a serial Transport,
// so reconnection, health and traces come from the transport layer; each accepted code is a
// CodeScanned event (docs/drivers.md, "serial_barcode_scanner").
#pragma once

#include "drivers/sdk/registry.hpp"

namespace hk::drivers::scanner {

inline constexpr std::string_view kSerialScannerDriver = "serial_barcode_scanner";

[[nodiscard]] DriverManifest serial_scanner_manifest();
void register_drivers(DriverRegistry& registry);

}  // namespace hk::drivers::scanner

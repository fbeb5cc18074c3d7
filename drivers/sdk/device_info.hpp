// What the hotplug layer knows about a present device, and what a driver manifest's match
// rules are tested against. A device's identity is its physical path (the port it is plugged
// into), never its enumeration order or /dev node: those change when it is replugged.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace hk::drivers {

struct DeviceInfo {
    // Stable name from the physical topology, e.g. "usb:1a86/7523:1-1.2:1.0" (vendor/product,
    // port path, interface) or "serial:platform-fe650000.serial" for on-board UARTs.
    std::string physical_path;
    std::string subsystem;  // udev subsystem: "tty", "usb", "input", "hidraw", "video4linux"
    std::string devnode;    // "/dev/ttyUSB0": how to open it now; not an identity
    std::optional<std::uint16_t> vendor_id;
    std::optional<std::uint16_t> product_id;
    std::string serial;                             // USB iSerial, if any
    std::map<std::string, std::string> properties;  // udev properties (ID_*, …)
    friend bool operator==(const DeviceInfo&, const DeviceInfo&) = default;
};

}  // namespace hk::drivers

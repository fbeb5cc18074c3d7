// Stable device names from the physical topology. A device is named by the port it is plugged
// into, never by enumeration order or /dev node, so the same device on the same port always
// has the same name, two identical devices on two ports have two names, and a replug into the
// same port keeps the name even when /dev/ttyUSB0 comes back as /dev/ttyUSB1.
//
// Names (docs/hotplug.md has examples):
//   usb:VVVV/PPPP:PORT                 a USB device            usb:1a86/7523:1-1.2
//   usb:VVVV/PPPP:PORT:C.I             its interface C.I, and  usb:1a86/7523:1-1.2:1.0
//                                      the tty on it
//   usb:VVVV/PPPP:PORT:C.I:hidraw      hidraw node on C.I
//   usb:VVVV/PPPP:PORT:C.I:event-kbd   input event node on C.I (-kbd / -mouse / none, as udev's
//                                      by-path links)
//   usb:VVVV/PPPP:PORT:C.I:video-index0  video4linux node with that index on C.I
//   serial:TOPOLOGY:ttyS2              on-board or PCI serial port (TOPOLOGY is udev's ID_PATH,
//                                      e.g. platform-fe650000.serial)
//   path:ID_PATH[suffix]               other input/hidraw/video nodes with a udev ID_PATH
// VVVV/PPPP are four lower-case hex digits; PORT is the kernel's bus-port path ("1-1.2": bus
// 1, root port 1, hub port 2), C.I the configuration and interface number.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/hotplug/uevent.hpp"
#include "drivers/sdk/device_info.hpp"

namespace hk::drivers::hotplug {

// Where a sysfs device path sits in the USB tree: the deepest USB device's port path and, if
// the path goes through one of that device's interfaces, the interface ("1.0").
struct UsbLocation {
    std::string port;       // "1-1.2"
    std::string interface;  // "1.0", or empty for the USB device itself
    friend bool operator==(const UsbLocation&, const UsbLocation&) = default;
};

// nullopt when the path is not below a USB device on a port (root hubs included).
[[nodiscard]] std::optional<UsbLocation> usb_location(std::string_view devpath);

enum class NamingError : std::uint8_t {
    missing_devpath,        // no DEVPATH
    virtual_device,         // /devices/virtual/…: consoles, ptys, software input devices
    unsupported_subsystem,  // not tty, usb, input, hidraw or video4linux
    not_a_node,             // nothing to open: input parents, legacy mouse/js nodes, USB endpoints
    no_topology,            // neither below a USB port nor with a usable platform path
    missing_ids,            // below a USB port but no vendor/product id
};

[[nodiscard]] std::string_view to_string(NamingError error);

// Parses "1a86" (udev's ID_VENDOR_ID) or "1a86" from the kernel's PRODUCT "1a86/7523/264".
[[nodiscard]] std::optional<std::uint16_t> parse_usb_id(std::string_view hex);

// Names a device from its udev facts (its properties; see docs/hotplug.md for the keys used):
// DEVPATH, SUBSYSTEM, DEVTYPE, DEVNAME, ID_VENDOR_ID/ID_MODEL_ID or PRODUCT, ID_SERIAL_SHORT,
// ID_PATH, ID_INPUT_KEYBOARD/ID_INPUT_MOUSE and HK_V4L_INDEX (the video node's sysfs `index`,
// which UdevSource adds). Pure: the same facts always give the same DeviceInfo.
[[nodiscard]] std::expected<DeviceInfo, NamingError> describe_device(const Properties& facts);

// A USB hub (bDeviceClass 9, from the kernel's TYPE=9/…/…): not a hall device.
[[nodiscard]] bool is_usb_hub(const Properties& facts);

}  // namespace hk::drivers::hotplug

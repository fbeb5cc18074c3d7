// Synthetic uevents shaped like the ones udev sends for real hall devices, so the hotplug
// tests need neither udev nor USB hardware.
#pragma once

#include <string>
#include <string_view>

#include "drivers/hotplug/uevent.hpp"

namespace hk::drivers::hotplug::testing {

// "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2" for port "1-1.2".
inline std::string usb_device_path(std::string_view port) {
    const auto dash = port.find('-');
    std::string path = "/devices/pci0000:00/0000:00:14.0/usb" + std::string(port.substr(0, dash));
    for (auto dot = port.find('.', dash);; dot = port.find('.', dot + 1)) {
        path += "/" + std::string(port.substr(0, dot));
        if (dot == std::string_view::npos) {
            break;
        }
    }
    return path;
}

inline Uevent make_event(UeventAction action, std::string devpath, std::string subsystem,
                         Properties extra = {}) {
    Uevent event;
    event.action = action;
    event.devpath = std::move(devpath);
    event.subsystem = std::move(subsystem);
    event.properties = std::move(extra);
    event.properties["ACTION"] = std::string(to_string(action));
    event.properties["DEVPATH"] = event.devpath;
    event.properties["SUBSYSTEM"] = event.subsystem;
    return event;
}

inline Uevent usb_device(UeventAction action, std::string_view port, std::string_view vid,
                         std::string_view pid, std::string_view serial = "",
                         std::string_view devnum = "005") {
    Properties props{{"DEVTYPE", "usb_device"},
                     {"PRODUCT", std::string(vid) + "/" + std::string(pid) + "/264"},
                     {"TYPE", "0/0/0"},
                     {"ID_VENDOR_ID", std::string(vid)},
                     {"ID_MODEL_ID", std::string(pid)},
                     {"DEVNAME", "/dev/bus/usb/001/" + std::string(devnum)}};
    if (!serial.empty()) {
        props["ID_SERIAL_SHORT"] = std::string(serial);
    }
    return make_event(action, usb_device_path(port), "usb", std::move(props));
}

inline Uevent usb_interface(UeventAction action, std::string_view port, std::string_view iface,
                            std::string_view vid, std::string_view pid) {
    return make_event(
        action, usb_device_path(port) + "/" + std::string(port) + ":" + std::string(iface), "usb",
        {{"DEVTYPE", "usb_interface"},
         {"PRODUCT", std::string(vid) + "/" + std::string(pid) + "/264"},
         {"INTERFACE", "255/1/2"}});
}

inline std::string interface_path(std::string_view port, std::string_view iface) {
    return usb_device_path(port) + "/" + std::string(port) + ":" + std::string(iface);
}

// A USB serial adapter's tty, as udev reports it (ids imported from the USB parent).
inline Uevent usb_tty(UeventAction action, std::string_view port, std::string_view iface,
                      std::string_view tty, std::string_view vid, std::string_view pid) {
    return make_event(
        action, interface_path(port, iface) + "/" + std::string(tty) + "/tty/" + std::string(tty),
        "tty",
        {{"DEVNAME", "/dev/" + std::string(tty)},
         {"ID_VENDOR_ID", std::string(vid)},
         {"ID_MODEL_ID", std::string(pid)},
         {"ID_BUS", "usb"}});
}

inline Uevent usb_hidraw(UeventAction action, std::string_view port, std::string_view iface,
                         std::string_view node, std::string_view vid, std::string_view pid) {
    return make_event(action,
                      interface_path(port, iface) + "/0003:" + std::string(vid) + ":" +
                          std::string(pid) + ".0001/hidraw/" + std::string(node),
                      "hidraw",
                      {{"DEVNAME", "/dev/" + std::string(node)},
                       {"ID_VENDOR_ID", std::string(vid)},
                       {"ID_MODEL_ID", std::string(pid)}});
}

// A barcode scanner's keyboard event node.
inline Uevent usb_keyboard(UeventAction action, std::string_view port, std::string_view iface,
                           std::string_view input, std::string_view event_node,
                           std::string_view vid, std::string_view pid) {
    return make_event(action,
                      interface_path(port, iface) + "/0003:" + std::string(vid) + ":" +
                          std::string(pid) + ".0001/input/" + std::string(input) + "/" +
                          std::string(event_node),
                      "input",
                      {{"DEVNAME", "/dev/input/" + std::string(event_node)},
                       {"ID_INPUT", "1"},
                       {"ID_INPUT_KEY", "1"},
                       {"ID_INPUT_KEYBOARD", "1"},
                       {"ID_VENDOR_ID", std::string(vid)},
                       {"ID_MODEL_ID", std::string(pid)}});
}

}  // namespace hk::drivers::hotplug::testing

// Physical-path naming (physical_path.hpp).
#include "drivers/hotplug/physical_path.hpp"

#include <charconv>
#include <vector>

namespace hk::drivers::hotplug {

namespace {

bool is_digits(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// "1-1.2": bus, '-', port numbers separated by dots.
bool is_usb_port(std::string_view component) {
    const auto dash = component.find('-');
    if (dash == std::string_view::npos || !is_digits(component.substr(0, dash))) {
        return false;
    }
    auto ports = component.substr(dash + 1);
    while (true) {
        const auto dot = ports.find('.');
        if (!is_digits(ports.substr(0, dot))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        ports.remove_prefix(dot + 1);
    }
}

// "1.0": configuration '.' interface.
bool is_config_interface(std::string_view text) {
    const auto dot = text.find('.');
    return dot != std::string_view::npos && is_digits(text.substr(0, dot)) &&
           is_digits(text.substr(dot + 1));
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const auto part = path.substr(0, slash);
        if (!part.empty()) {
            parts.push_back(part);
        }
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return parts;
}

std::string_view basename(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string hex4(std::uint16_t value) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string text(4, '0');
    for (std::size_t i = 0; i < 4; ++i) {
        text[3 - i] = kDigits[(value >> (4 * i)) & 0xfU];
    }
    return text;
}

std::string devnode_of(const Properties& facts) {
    const auto name = property(facts, "DEVNAME");
    if (name.empty() || name.front() == '/') {
        return std::string(name);
    }
    return "/dev/" + std::string(name);  // the kernel's own uevent names it relative to /dev
}

// What tells two nodes of one interface (or one platform path) apart.
std::expected<std::string, NamingError> node_suffix(std::string_view subsystem,
                                                    const Properties& facts) {
    if (subsystem == "tty") {
        return std::string{};
    }
    if (subsystem == "hidraw") {
        return std::string(":hidraw");
    }
    if (subsystem == "input") {
        // Scanners are read through their event node; input parents have no node and the
        // legacy mouse/js nodes are not used.
        if (!basename(property(facts, "DEVNAME")).starts_with("event")) {
            return std::unexpected(NamingError::not_a_node);
        }
        if (property(facts, "ID_INPUT_KEYBOARD") == "1") {
            return std::string(":event-kbd");
        }
        if (property(facts, "ID_INPUT_MOUSE") == "1") {
            return std::string(":event-mouse");
        }
        return std::string(":event");
    }
    if (subsystem == "video4linux") {
        const auto index = property(facts, "HK_V4L_INDEX");
        return ":video-index" + std::string(is_digits(index) ? index : "0");
    }
    return std::unexpected(NamingError::unsupported_subsystem);
}

// On-board and PCI serial ports: udev's ID_PATH, else derived from the sysfs parent.
std::string serial_topology(std::string_view devpath, const Properties& facts) {
    if (const auto id_path = property(facts, "ID_PATH"); !id_path.empty()) {
        return std::string(id_path);
    }
    const auto parts = split_path(devpath);
    // …/<parent>/tty/<name>
    if (parts.size() < 3 || parts[parts.size() - 2] != "tty") {
        return {};
    }
    const auto parent = parts[parts.size() - 3];
    for (const auto part : parts) {
        if (part == "platform") {
            return "platform-" + std::string(parent);
        }
        if (part.starts_with("pnp")) {
            return "pnp-" + std::string(parent);
        }
    }
    if (parent.find(':') != std::string_view::npos && parent.find('.') != std::string_view::npos) {
        return "pci-" + std::string(parent);  // "0000:00:16.3"
    }
    return {};
}

void fill_usb_ids(DeviceInfo& info, const Properties& facts) {
    info.vendor_id = parse_usb_id(property(facts, "ID_VENDOR_ID"));
    info.product_id = parse_usb_id(property(facts, "ID_MODEL_ID"));
    if (!info.vendor_id || !info.product_id) {
        // The kernel's own uevents of USB devices and interfaces: PRODUCT=1a86/7523/264.
        const auto product = property(facts, "PRODUCT");
        const auto slash = product.find('/');
        if (slash != std::string_view::npos) {
            auto rest = product.substr(slash + 1);
            info.vendor_id = parse_usb_id(product.substr(0, slash));
            info.product_id = parse_usb_id(rest.substr(0, rest.find('/')));
        }
    }
}

}  // namespace

std::optional<UsbLocation> usb_location(std::string_view devpath) {
    const auto parts = split_path(devpath);
    std::optional<UsbLocation> location;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!is_usb_port(parts[i])) {
            continue;
        }
        location = UsbLocation{std::string(parts[i]), {}};
        if (i + 1 < parts.size()) {
            const auto next = parts[i + 1];
            if (next.size() > parts[i].size() + 1 && next.starts_with(parts[i]) &&
                next[parts[i].size()] == ':' &&
                is_config_interface(next.substr(parts[i].size() + 1))) {
                location->interface = std::string(next.substr(parts[i].size() + 1));
            }
        }
    }
    return location;
}

std::string_view to_string(NamingError error) {
    switch (error) {
        case NamingError::missing_devpath:
            return "missing_devpath";
        case NamingError::virtual_device:
            return "virtual_device";
        case NamingError::unsupported_subsystem:
            return "unsupported_subsystem";
        case NamingError::not_a_node:
            return "not_a_node";
        case NamingError::no_topology:
            return "no_topology";
        case NamingError::missing_ids:
            return "missing_ids";
    }
    return "unknown";
}

std::optional<std::uint16_t> parse_usb_id(std::string_view hex) {
    if (hex.empty() || hex.size() > 4) {
        return std::nullopt;
    }
    std::uint16_t value = 0;
    const auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
    if (error != std::errc{} || end != hex.data() + hex.size()) {
        return std::nullopt;
    }
    return value;
}

bool is_usb_hub(const Properties& facts) {
    return property(facts, "SUBSYSTEM") == "usb" && property(facts, "DEVTYPE") == "usb_device" &&
           property(facts, "TYPE").starts_with("9/");
}

std::expected<DeviceInfo, NamingError> describe_device(const Properties& facts) {
    const auto devpath = property(facts, "DEVPATH");
    if (devpath.empty()) {
        return std::unexpected(NamingError::missing_devpath);
    }
    if (devpath.starts_with("/devices/virtual/")) {
        return std::unexpected(NamingError::virtual_device);
    }
    DeviceInfo info;
    info.subsystem = property(facts, "SUBSYSTEM");
    info.devnode = devnode_of(facts);
    info.serial = property(facts, "ID_SERIAL_SHORT");
    for (const auto& [key, value] : facts) {
        if (key != "ACTION" && key != "SEQNUM") {  // about the event, not the device
            info.properties.emplace(key, value);
        }
    }

    const auto location = usb_location(devpath);
    if (info.subsystem == "usb") {
        const auto devtype = property(facts, "DEVTYPE");
        if (!location || (devtype != "usb_device" && devtype != "usb_interface")) {
            return std::unexpected(location ? NamingError::not_a_node : NamingError::no_topology);
        }
        if ((devtype == "usb_device") != location->interface.empty()) {
            return std::unexpected(NamingError::no_topology);
        }
    } else {
        auto suffix = node_suffix(info.subsystem, facts);
        if (!suffix) {
            return std::unexpected(suffix.error());
        }
        if (info.devnode.empty()) {
            return std::unexpected(NamingError::not_a_node);
        }
        if (!location || location->interface.empty()) {
            if (info.subsystem == "tty") {
                const auto topology = serial_topology(devpath, facts);
                if (topology.empty()) {
                    return std::unexpected(NamingError::no_topology);
                }
                info.physical_path = "serial:" + topology + ":" + std::string(basename(devpath));
                return info;
            }
            const auto id_path = property(facts, "ID_PATH");
            if (location || id_path.empty()) {
                return std::unexpected(NamingError::no_topology);
            }
            info.physical_path = "path:" + std::string(id_path) + *suffix;
            return info;
        }
        fill_usb_ids(info, facts);
        if (!info.vendor_id || !info.product_id) {
            return std::unexpected(NamingError::missing_ids);
        }
        info.physical_path = "usb:" + hex4(*info.vendor_id) + "/" + hex4(*info.product_id) + ":" +
                             location->port + ":" + location->interface + *suffix;
        return info;
    }

    fill_usb_ids(info, facts);
    if (!info.vendor_id || !info.product_id) {
        return std::unexpected(NamingError::missing_ids);
    }
    info.physical_path =
        "usb:" + hex4(*info.vendor_id) + "/" + hex4(*info.product_id) + ":" + location->port;
    if (!location->interface.empty()) {
        info.physical_path += ":" + location->interface;
    }
    return info;
}

}  // namespace hk::drivers::hotplug

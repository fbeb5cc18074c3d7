// The uevent text decoder (uevent.hpp).
#include "drivers/hotplug/uevent.hpp"

#include <array>
#include <utility>

namespace hk::drivers::hotplug {

namespace {

constexpr std::array<std::pair<UeventAction, std::string_view>, 8> kActionNames = {{
    {UeventAction::add, "add"},
    {UeventAction::remove, "remove"},
    {UeventAction::change, "change"},
    {UeventAction::move, "move"},
    {UeventAction::bind, "bind"},
    {UeventAction::unbind, "unbind"},
    {UeventAction::online, "online"},
    {UeventAction::offline, "offline"},
}};

bool is_key_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

bool is_valid_key(std::string_view key) {
    if (key.empty()) {
        return false;
    }
    for (const char c : key) {
        if (!is_key_char(c)) {
            return false;
        }
    }
    return true;
}

// udevadm info's record lines: "P: /devices/…", "E: KEY=value", "N: ttyUSB0".
bool has_record_prefix(std::string_view line) {
    return line.size() >= 3 && line[0] >= 'A' && line[0] <= 'Z' && line[1] == ':' && line[2] == ' ';
}

}  // namespace

std::string_view to_string(UeventAction action) {
    for (const auto& [value, name] : kActionNames) {
        if (value == action) {
            return name;
        }
    }
    return "unknown";
}

std::optional<UeventAction> parse_uevent_action(std::string_view name) {
    for (const auto& [value, known] : kActionNames) {
        if (known == name) {
            return value;
        }
    }
    return std::nullopt;
}

std::string_view property(const Properties& properties, std::string_view key) {
    const auto found = properties.find(key);
    return found == properties.end() ? std::string_view{} : std::string_view{found->second};
}

std::string_view to_string(UeventParseError error) {
    switch (error) {
        case UeventParseError::too_large:
            return "too_large";
        case UeventParseError::nul_byte:
            return "nul_byte";
        case UeventParseError::missing_separator:
            return "missing_separator";
        case UeventParseError::bad_key:
            return "bad_key";
        case UeventParseError::duplicate_key:
            return "duplicate_key";
        case UeventParseError::too_many_keys:
            return "too_many_keys";
        case UeventParseError::missing_action:
            return "missing_action";
        case UeventParseError::unknown_action:
            return "unknown_action";
        case UeventParseError::missing_devpath:
            return "missing_devpath";
        case UeventParseError::missing_subsystem:
            return "missing_subsystem";
    }
    return "unknown";
}

std::expected<Properties, UeventParseFailure> parse_properties(std::string_view text) {
    if (text.size() > kMaxUeventText) {
        return std::unexpected(UeventParseFailure{UeventParseError::too_large, 0});
    }
    if (text.find('\0') != std::string_view::npos) {
        return std::unexpected(UeventParseFailure{UeventParseError::nul_byte, 0});
    }
    Properties properties;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        auto line = text.substr(start, end == std::string_view::npos ? end : end - start);
        start = end == std::string_view::npos ? text.size() : end + 1;
        ++line_number;

        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;
        }
        if (has_record_prefix(line)) {
            if (line[0] != 'E') {
                continue;  // udevadm info's other records: path, name, symlinks, …
            }
            line.remove_prefix(3);
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) {
            return std::unexpected(
                UeventParseFailure{UeventParseError::missing_separator, line_number});
        }
        const auto key = line.substr(0, equals);
        if (!is_valid_key(key)) {
            return std::unexpected(UeventParseFailure{UeventParseError::bad_key, line_number});
        }
        if (properties.size() >= kMaxUeventKeys) {
            return std::unexpected(
                UeventParseFailure{UeventParseError::too_many_keys, line_number});
        }
        if (!properties.emplace(std::string(key), std::string(line.substr(equals + 1))).second) {
            return std::unexpected(
                UeventParseFailure{UeventParseError::duplicate_key, line_number});
        }
    }
    return properties;
}

std::expected<Uevent, UeventParseFailure> parse_uevent(std::string_view text) {
    auto properties = parse_properties(text);
    if (!properties) {
        return std::unexpected(properties.error());
    }
    const auto action_name = property(*properties, "ACTION");
    if (action_name.empty()) {
        return std::unexpected(UeventParseFailure{UeventParseError::missing_action, 0});
    }
    const auto action = parse_uevent_action(action_name);
    if (!action) {
        return std::unexpected(UeventParseFailure{UeventParseError::unknown_action, 0});
    }
    Uevent event;
    event.action = *action;
    event.devpath = property(*properties, "DEVPATH");
    event.subsystem = property(*properties, "SUBSYSTEM");
    if (event.devpath.empty()) {
        return std::unexpected(UeventParseFailure{UeventParseError::missing_devpath, 0});
    }
    if (event.subsystem.empty()) {
        return std::unexpected(UeventParseFailure{UeventParseError::missing_subsystem, 0});
    }
    event.properties = std::move(*properties);
    return event;
}

}  // namespace hk::drivers::hotplug

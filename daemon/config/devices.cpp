// The [[device]] tables of the daemon config (devices.hpp): each entry's keys are read like any
// other table, then its driver is looked up in the registry and its parameters are checked
// against the driver's manifest. Every problem of an entry is reported with the entry's key path
// and, once its id is known, the device's id, so a technician sees which device is wrong.
#include "daemon/config/devices.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace hk::config {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the parsers' shared toolkit
using drivers::DeviceConfig;
using drivers::DriverManifest;
using drivers::DriverRegistry;
using drivers::ParameterSpec;
using drivers::ParameterType;
using drivers::ParameterValue;

constexpr std::string_view kDeviceArray = "device";
constexpr std::size_t kMaxDeviceIdLength = 32;
constexpr std::size_t kMaxWindowIdLength = 16;  // as in the hall file
constexpr std::size_t kMaxLocationCharacters = 64;
constexpr std::size_t kMaxPortBytes = 255;
constexpr std::size_t kMaxMatchBytes = 128;
// An unknown-driver or unknown-window message lists the known ones, but stays one line.
constexpr std::size_t kMaxListedNames = 12;

// ---------------------------------------------------------------------------------------------
// Single keys.

bool is_lower_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_device_id(std::string_view id) {
    return !id.empty() && id.size() <= kMaxDeviceIdLength && is_lower_or_digit(id.front()) &&
           std::ranges::all_of(id,
                               [](char c) { return is_lower_or_digit(c) || c == '_' || c == '-'; });
}

bool is_window_id(std::string_view id) {
    return !id.empty() && id.size() <= kMaxWindowIdLength && std::ranges::all_of(id, [](char c) {
        return is_lower_or_digit(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    });
}

bool is_physical_path(std::string_view path) {
    return !path.empty() && path.size() <= kMaxMatchBytes && std::ranges::all_of(path, [](char c) {
        return is_lower_or_digit(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == ':' ||
               c == '.' || c == '/' || c == '+' || c == '@';
    });
}

// The number of characters of well-formed text without control characters or invisible
// direction marks, or nothing if it has any of those.
std::optional<std::size_t> clean_characters(std::string_view text) {
    std::size_t characters = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            if (byte < 0x20 || byte == 0x7F) {
                return std::nullopt;
            }
            ++i;
        } else {
            char32_t code_point = 0;
            const std::size_t length = decode_utf8(text.substr(i), code_point);
            if (length == 0 || is_invisible_control(code_point)) {
                return std::nullopt;
            }
            i += length;
        }
        ++characters;
    }
    return characters;
}

void read_id(const toml::node& value, const std::string& key, DeviceConfig& out,
             Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (!is_device_id(*text)) {
        problems.add(value.source(), key,
                     fmt::format("expected 1 to {} characters from a-z, 0-9, '_' and '-', "
                                 "starting with a letter or digit, got {}",
                                 kMaxDeviceIdLength, quote_value(*text)));
        return;
    }
    out.id = *text;
}

void read_driver(const toml::node& value, const std::string& key, DeviceConfig& out,
                 Problems& problems) {
    // Whether the driver exists is checked once all keys are read (check_driver).
    if (const std::string* text = expect_string(value, key, problems)) {
        out.driver = *text;
    }
}

void read_location(const toml::node& value, const std::string& key, DeviceConfig& out,
                   Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    const auto characters = clean_characters(*text);
    if (!characters || *characters > kMaxLocationCharacters) {
        problems.add(value.source(), key,
                     fmt::format("expected up to {} characters of text without control "
                                 "characters, got {}",
                                 kMaxLocationCharacters, quote_value(*text)));
        return;
    }
    out.location = *text;
}

void read_window(const toml::node& value, const std::string& key, DeviceConfig& out,
                 Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (!is_window_id(*text)) {
        problems.add(value.source(), key,
                     fmt::format("expected a window id of 1 to {} characters from A-Z, a-z, "
                                 "0-9, '_' and '-', got {}",
                                 kMaxWindowIdLength, quote_value(*text)));
        return;
    }
    out.window = *text;
}

void read_port(const toml::node& value, const std::string& key, DeviceConfig& out,
               Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    const bool clean = clean_characters(*text).has_value() && text->find(' ') == std::string::npos;
    // Usually under /dev/; virtual ports (socat, test ptys) live elsewhere, so any absolute
    // path without spaces is taken.
    if (!text->starts_with('/') || text->size() > kMaxPortBytes || !clean) {
        problems.add(value.source(), key,
                     fmt::format("expected an absolute device path such as \"/dev/ttyS1\", "
                                 "got {}",
                                 quote_value(*text)));
        return;
    }
    out.port = *text;
}

void read_match(const toml::node& value, const std::string& key, DeviceConfig& out,
                Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (!is_physical_path(*text)) {
        problems.add(value.source(), key,
                     fmt::format("expected a physical path such as "
                                 "\"usb:1a86/7523:1-1.2:1.0\" (`hallctl probe` lists them), "
                                 "got {}",
                                 quote_value(*text)));
        return;
    }
    out.match = *text;
}

void read_params_table(const toml::node& value, const std::string& key, DeviceConfig& /*out*/,
                       Problems& problems) {
    // Read once the driver is known (read_params); here only its shape is checked.
    if (!value.is_table()) {
        wrong_type(value, key, "a table of the driver's parameters", problems);
    }
}

constexpr std::array<KeySpec<DeviceConfig>, 7> kDeviceKeys{{
    {"id", read_id, true},
    {"driver", read_driver, true},
    {"location", read_location},
    {"window", read_window},
    {"port", read_port},
    {"match", read_match},
    {"params", read_params_table},
}};

// ---------------------------------------------------------------------------------------------
// The driver and its parameters.

std::string listed(const std::vector<std::string_view>& names) {
    const std::size_t shown = std::min(names.size(), kMaxListedNames);
    std::string out = joined(std::span(names).first(shown));
    if (names.size() > shown) {
        out += fmt::format(", ... ({} in all)", names.size());
    }
    return out;
}

const DriverManifest* check_driver(const toml::table& table, const std::string& path,
                                   const DeviceConfig& device, const DriverRegistry& registry,
                                   Problems& problems) {
    const toml::node* node = table.get("driver");
    if (node == nullptr || !node->is_string()) {
        return nullptr;  // missing or of the wrong type: already reported
    }
    if (const auto* driver = registry.find(device.driver)) {
        return &driver->manifest;
    }
    const auto names = registry.names();
    std::string message = fmt::format("unknown driver {}", quote_value(device.driver));
    if (const auto suggestion = closest(device.driver, names)) {
        message += fmt::format("; did you mean '{}'?", *suggestion);
    } else if (names.empty()) {
        message += "; no drivers are registered";
    } else {
        message += fmt::format("; the drivers are {}", listed(names));
    }
    problems.add(node->source(), dotted(path, "driver"), std::move(message));
    return nullptr;
}

// port/match against what the driver's transport can use.
void check_hardware_keys(const toml::table& table, const std::string& path,
                         const DeviceConfig& device, const DriverManifest& manifest,
                         Problems& problems) {
    const auto transport = drivers::to_string(manifest.transport);
    for (const std::string_view key : {std::string_view("port"), std::string_view("match")}) {
        const toml::node* node = table.get(key);
        if (node != nullptr && !drivers::has_hardware_path(manifest.transport)) {
            problems.add(node->source(), dotted(path, key),
                         fmt::format("driver '{}' has no hardware to find (transport {}); "
                                     "remove '{}'",
                                     manifest.name, transport, key));
        }
    }
    if (device.port && device.match) {
        problems.add(table.get("match")->source(), dotted(path, "match"),
                     "set either 'port' or 'match', not both");
    }
    if (manifest.match.explicit_port_only && table.get("port") == nullptr) {
        problems.add(table.source(), dotted(path, "port"),
                     fmt::format("missing; driver '{}' cannot recognise its device, so the port "
                                 "must be given",
                                 manifest.name));
    }
}

std::optional<ParameterValue> read_parameter_value(const toml::node& value, const std::string& key,
                                                   const ParameterSpec& spec, Problems& problems) {
    switch (spec.type) {
        case ParameterType::integer:
            if (const auto number = read_integer(value, key, spec.min, spec.max, problems)) {
                return ParameterValue(*number);
            }
            return std::nullopt;
        case ParameterType::boolean:
            if (const auto flag = read_boolean(value, key, problems)) {
                return ParameterValue(*flag);
            }
            return std::nullopt;
        case ParameterType::string: {
            const std::string* text = expect_string(value, key, problems);
            if (text == nullptr) {
                return std::nullopt;
            }
            if (text->size() > spec.max_length || !clean_characters(*text)) {
                problems.add(value.source(), key,
                             fmt::format("expected up to {} bytes of text without control "
                                         "characters, got {}",
                                         spec.max_length, quote_value(*text)));
                return std::nullopt;
            }
            return ParameterValue(*text);
        }
        case ParameterType::choice: {
            const std::string* text = expect_string(value, key, problems);
            if (text == nullptr) {
                return std::nullopt;
            }
            if (std::ranges::find(spec.choices, *text) != spec.choices.end()) {
                return ParameterValue(*text);
            }
            std::vector<std::string_view> choices(spec.choices.begin(), spec.choices.end());
            std::string message =
                fmt::format("expected one of {}, got {}", joined(choices), quote_value(*text));
            if (const auto suggestion = closest(*text, choices)) {
                message += fmt::format("; did you mean \"{}\"?", *suggestion);
            }
            problems.add(value.source(), key, std::move(message));
            return std::nullopt;
        }
        case ParameterType::duration: {
            const std::string* text = expect_string(value, key, problems);
            if (text == nullptr) {
                return std::nullopt;
            }
            const auto duration = drivers::parse_duration(*text);
            if (!duration) {
                problems.add(value.source(), key,
                             fmt::format("expected a duration such as \"500ms\", \"5s\", "
                                         "\"2min\" or \"1h\", got {}",
                                         quote_value(*text)));
                return std::nullopt;
            }
            if (const auto why = drivers::check_value(spec, *duration)) {
                problems.add(value.source(), key, *why);
                return std::nullopt;
            }
            return ParameterValue(*duration);
        }
    }
    return std::nullopt;
}

// The manifest's defaults, overridden by the entry's `params`.
void read_params(const toml::table& table, const std::string& path, const DriverManifest& manifest,
                 DeviceConfig& device, Problems& problems) {
    device.params = drivers::default_values(manifest);
    const toml::table* params = table.get_as<toml::table>("params");
    if (params == nullptr) {
        return;
    }
    const std::string params_path = dotted(path, "params");
    std::vector<std::string_view> names;
    names.reserve(manifest.parameters.size());
    for (const auto& spec : manifest.parameters) {
        names.emplace_back(spec.name);
    }
    for (const auto& [key, value] : *params) {
        const ParameterSpec* spec = manifest.parameter(key.str());
        const std::string key_path = dotted(params_path, key.str());
        if (spec == nullptr) {
            std::string message = "unknown parameter";
            if (const auto suggestion = closest(key.str(), names)) {
                message += fmt::format("; did you mean '{}'?", *suggestion);
            } else if (names.empty()) {
                message += fmt::format("; driver '{}' has no parameters", manifest.name);
            } else {
                message += fmt::format("; driver '{}' has {}", manifest.name, joined(names));
            }
            problems.add(key.source(), key_path, std::move(message));
            continue;
        }
        if (auto parsed = read_parameter_value(value, key_path, *spec, problems)) {
            device.params[spec->name] = std::move(*parsed);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Across entries.

// Which entry (its key path) first used each id, port and physical path.
struct DeviceIndex {
    std::map<std::string, std::string, std::less<>> ids;
    std::map<std::string, std::string, std::less<>> ports;
    std::map<std::string, std::string, std::less<>> matches;
};

void claim(std::map<std::string, std::string, std::less<>>& owners, const std::string& name,
           const toml::table& table, std::string_view key, const std::string& path,
           std::string_view what, Problems& problems) {
    const auto [it, inserted] = owners.try_emplace(name, path);
    if (!inserted) {
        problems.add(
            table.get(key)->source(), dotted(path, key),
            fmt::format("{} {} is already used by {}", what, quote_value(name), it->second));
    }
}

void register_device(const toml::table& table, const std::string& path, const DeviceConfig& device,
                     DeviceIndex& index, Problems& problems) {
    if (!device.id.empty()) {
        claim(index.ids, device.id, table, "id", path, "device id", problems);
    }
    if (device.port) {
        claim(index.ports, *device.port, table, "port", path, "port", problems);
    }
    if (device.match) {
        claim(index.matches, *device.match, table, "match", path, "physical path", problems);
    }
}

// The problems of one entry, moved to `problems` with the device's id in front of each message.
void add_labelled(ConfigErrors errors, const std::string& id, Problems& problems) {
    const std::string label = id.empty() ? std::string() : fmt::format("device '{}': ", id);
    for (auto& error : errors) {
        std::string message = label + error.message;
        if (error.line == 0) {
            problems.add_unplaced(std::move(error.key), std::move(message));
            continue;
        }
        const toml::source_position at{error.line, error.column};
        problems.add(toml::source_region{at, at, nullptr}, std::move(error.key),
                     std::move(message));
    }
}

}  // namespace

void detail::read_devices(const toml::node& value, const DriverRegistry& registry,
                          std::vector<DeviceConfig>& out, Problems& problems) {
    const toml::array* list = value.as_array();
    if (list == nullptr) {
        wrong_type(value, std::string(kDeviceArray), "an array of tables ([[device]])", problems);
        return;
    }
    DeviceIndex index;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string path = indexed(kDeviceArray, i);
        const toml::node& node = *list->get(i);
        if (!node.is_table()) {
            wrong_type(node, path, "a table ([[device]])", problems);
            continue;
        }
        const toml::table& table = *node.as_table();
        // Collected apart, then moved to `problems` under the device's id (add_labelled).
        Problems entry({});
        DeviceConfig device;
        read_keys(table, path, "a device", kDeviceKeys, device, entry);
        if (const auto* manifest = check_driver(table, path, device, registry, entry)) {
            check_hardware_keys(table, path, device, *manifest, entry);
            read_params(table, path, *manifest, device, entry);
        }
        register_device(table, path, device, index, entry);
        const bool clean = entry.empty();
        add_labelled(entry.take(), device.id, problems);
        if (clean) {
            out.push_back(std::move(device));
        }
    }
}

ConfigErrors check_device_windows(const std::vector<DeviceConfig>& devices,
                                  const queue::HallDefinition& hall, std::string_view source) {
    std::vector<std::string_view> windows;
    windows.reserve(hall.windows.size());
    for (const auto& window : hall.windows) {
        windows.emplace_back(window.id);
    }
    ConfigErrors errors;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const auto& device = devices[i];
        if (!device.window || std::ranges::find(windows, *device.window) != windows.end()) {
            continue;
        }
        std::string message = fmt::format("device '{}': window '{}' is not a window of the hall",
                                          device.id, *device.window);
        if (const auto suggestion = closest(*device.window, windows)) {
            message += fmt::format("; did you mean '{}'?", *suggestion);
        } else {
            message += fmt::format(" (its windows are {})", listed(windows));
        }
        errors.push_back(ConfigError{.source = std::string(source),
                                     .line = 0,
                                     .column = 0,
                                     .key = dotted(indexed(kDeviceArray, i), "window"),
                                     .message = std::move(message)});
    }
    return errors;
}

}  // namespace hk::config

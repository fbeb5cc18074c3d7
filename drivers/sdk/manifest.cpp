// Driver manifests: names of the enums, parameter values and durations, manifest validation and
// matching against present hardware (manifest.hpp).
#include "drivers/sdk/manifest.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <set>
#include <system_error>

#include <fmt/format.h>

namespace hk::drivers {
namespace {

constexpr std::size_t kMaxDriverNameLength = 48;
constexpr std::size_t kMaxParameterNameLength = 32;

template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<Maturity, 3> kMaturityNames{{
    {Maturity::production, "production"},
    {Maturity::testing, "testing"},
    {Maturity::experimental, "experimental"},
}};

constexpr NameTable<TransportKind, 7> kTransportNames{{
    {TransportKind::serial, "serial"},
    {TransportKind::usb, "usb"},
    {TransportKind::evdev, "evdev"},
    {TransportKind::tcp, "tcp"},
    {TransportKind::helper_process, "helper_process"},
    {TransportKind::simulated, "simulated"},
    {TransportKind::none, "none"},
}};

constexpr NameTable<ParameterType, 5> kParameterTypeNames{{
    {ParameterType::integer, "integer"},
    {ParameterType::string, "string"},
    {ParameterType::boolean, "boolean"},
    {ParameterType::choice, "choice"},
    {ParameterType::duration, "duration"},
}};

constexpr NameTable<MatchSpecificity, 4> kSpecificityNames{{
    {MatchSpecificity::none, "none"},
    {MatchSpecificity::class_generic, "class_generic"},
    {MatchSpecificity::udev_property, "udev_property"},
    {MatchSpecificity::usb_id, "usb_id"},
}};

template <typename Enum, std::size_t N>
std::string_view name_in(const NameTable<Enum, N>& table, Enum value) {
    for (const auto& [e, name] : table) {
        if (e == value) {
            return name;
        }
    }
    return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_in(const NameTable<Enum, N>& table, std::string_view name) {
    for (const auto& [e, n] : table) {
        if (n == name) {
            return e;
        }
    }
    return std::nullopt;
}

// Units of durations, largest first, so formatting picks the largest exact one.
struct DurationUnit {
    std::string_view suffix;
    std::int64_t milliseconds;
};
constexpr std::array<DurationUnit, 4> kDurationUnits{{
    {"h", std::int64_t{3'600'000}},
    {"min", std::int64_t{60'000}},
    {"s", std::int64_t{1'000}},
    {"ms", std::int64_t{1}},
}};

bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}

bool is_identifier(std::string_view name, std::size_t max_length) {
    return !name.empty() && name.size() <= max_length && is_lower(name.front()) &&
           std::ranges::all_of(
               name, [](char c) { return is_lower(c) || (c >= '0' && c <= '9') || c == '_'; });
}

std::string_view value_kind(const ParameterValue& value) {
    switch (value.index()) {
        case 0:
            return "an integer";
        case 1:
            return "a string";
        case 2:
            return "a boolean";
        default:
            return "a duration";
    }
}

std::string choice_list(const std::vector<std::string>& choices) {
    std::string out;
    for (const auto& choice : choices) {
        if (!out.empty()) {
            out += ", ";
        }
        out += choice;
    }
    return out;
}

void validate_parameter(const ParameterSpec& spec, std::vector<std::string>& problems) {
    const auto problem = [&](std::string text) {
        problems.push_back(fmt::format("parameter '{}': {}", spec.name, text));
    };
    if (!is_identifier(spec.name, kMaxParameterNameLength)) {
        problem(
            fmt::format("the name must be 1 to {} characters from a-z, 0-9 and '_', "
                        "starting with a letter",
                        kMaxParameterNameLength));
    }
    if (spec.help.empty()) {
        problem("has no help text");
    }
    const bool ranged = spec.type == ParameterType::integer || spec.type == ParameterType::duration;
    if (ranged && spec.min > spec.max) {
        problem(fmt::format("the range {}..{} is empty", spec.min, spec.max));
        return;
    }
    if (spec.type == ParameterType::duration && spec.min < 0) {
        problem("a duration cannot be negative");
    }
    if (spec.type == ParameterType::choice) {
        if (spec.choices.empty()) {
            problem("a choice needs at least one allowed value");
            return;
        }
        const std::set<std::string_view> unique(spec.choices.begin(), spec.choices.end());
        if (unique.size() != spec.choices.size()) {
            problem("lists a choice twice");
        }
        if (std::ranges::any_of(spec.choices, [](const std::string& c) { return c.empty(); })) {
            problem("has an empty choice");
        }
    } else if (!spec.choices.empty()) {
        problem("only a choice parameter may list choices");
    }
    if (const auto why = check_value(spec, spec.default_value)) {
        problem(fmt::format("the default is invalid: {}", *why));
    }
}

void validate_match(const DriverManifest& manifest, std::vector<std::string>& problems) {
    const MatchRules& rules = manifest.match;
    const bool automatic =
        !rules.usb_ids.empty() || !rules.properties.empty() || !rules.subsystem.empty();
    if (rules.explicit_port_only && automatic) {
        problems.emplace_back(
            "match: 'explicit port only' contradicts USB ids, udev properties or a subsystem");
    }
    if (!has_hardware_path(manifest.transport) && (automatic || rules.explicit_port_only)) {
        problems.push_back(
            fmt::format("match: a driver with transport {} has no hardware to "
                        "match",
                        to_string(manifest.transport)));
    }
    const std::set<std::pair<std::uint16_t, std::uint16_t>> ids = [&] {
        std::set<std::pair<std::uint16_t, std::uint16_t>> out;
        for (const auto& id : rules.usb_ids) {
            out.emplace(id.vendor, id.product);
        }
        return out;
    }();
    if (ids.size() != rules.usb_ids.size()) {
        problems.emplace_back("match: a USB vendor/product pair is listed twice");
    }
    for (const auto& property : rules.properties) {
        if (property.name.empty()) {
            problems.emplace_back("match: a udev property has no name");
        }
    }
}

std::string usb_text(std::uint16_t vendor, std::uint16_t product) {
    return fmt::format("usb {:04x}:{:04x}", vendor, product);
}

}  // namespace

std::string to_string(AbiVersion version) {
    return fmt::format("{}.{}", version.major, version.minor);
}

std::string_view to_string(Maturity maturity) {
    return name_in(kMaturityNames, maturity);
}
std::optional<Maturity> parse_maturity(std::string_view name) {
    return value_in(kMaturityNames, name);
}
std::string_view to_string(TransportKind kind) {
    return name_in(kTransportNames, kind);
}
std::optional<TransportKind> parse_transport_kind(std::string_view name) {
    return value_in(kTransportNames, name);
}
std::string_view to_string(ParameterType type) {
    return name_in(kParameterTypeNames, type);
}
std::string_view to_string(MatchSpecificity specificity) {
    return name_in(kSpecificityNames, specificity);
}

bool has_hardware_path(TransportKind kind) {
    return kind != TransportKind::tcp && kind != TransportKind::simulated &&
           kind != TransportKind::none;
}

std::optional<std::string> check_value(const ParameterSpec& spec, const ParameterValue& value) {
    switch (spec.type) {
        case ParameterType::integer: {
            const auto* number = std::get_if<std::int64_t>(&value);
            if (number == nullptr) {
                return fmt::format("expected an integer, got {}", value_kind(value));
            }
            if (*number < spec.min || *number > spec.max) {
                return fmt::format("expected an integer from {} to {}, got {}", spec.min, spec.max,
                                   *number);
            }
            return std::nullopt;
        }
        case ParameterType::string: {
            const auto* text = std::get_if<std::string>(&value);
            if (text == nullptr) {
                return fmt::format("expected a string, got {}", value_kind(value));
            }
            if (text->size() > spec.max_length) {
                return fmt::format("expected at most {} bytes, got {}", spec.max_length,
                                   text->size());
            }
            return std::nullopt;
        }
        case ParameterType::boolean:
            if (!std::holds_alternative<bool>(value)) {
                return fmt::format("expected a boolean, got {}", value_kind(value));
            }
            return std::nullopt;
        case ParameterType::choice: {
            const auto* text = std::get_if<std::string>(&value);
            if (text == nullptr) {
                return fmt::format("expected one of {}, got {}", choice_list(spec.choices),
                                   value_kind(value));
            }
            if (std::ranges::find(spec.choices, *text) == spec.choices.end()) {
                return fmt::format("expected one of {}, got \"{}\"", choice_list(spec.choices),
                                   *text);
            }
            return std::nullopt;
        }
        case ParameterType::duration: {
            const auto* duration = std::get_if<std::chrono::milliseconds>(&value);
            if (duration == nullptr) {
                return fmt::format("expected a duration, got {}", value_kind(value));
            }
            if (duration->count() < spec.min || duration->count() > spec.max) {
                return fmt::format("expected a duration from {} to {}, got {}",
                                   format_duration(std::chrono::milliseconds(spec.min)),
                                   format_duration(std::chrono::milliseconds(spec.max)),
                                   format_duration(*duration));
            }
            return std::nullopt;
        }
    }
    return "unknown parameter type";
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::int64_t number = 0;
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    const auto [rest, error] = std::from_chars(begin, end, number);
    if (error != std::errc{} || rest == begin || number < 0) {
        return std::nullopt;
    }
    const std::string_view suffix(rest, static_cast<std::size_t>(end - rest));
    const auto unit = std::ranges::find(kDurationUnits, suffix, &DurationUnit::suffix);
    if (unit == kDurationUnits.end()) {
        return std::nullopt;
    }
    if (number > std::numeric_limits<std::int64_t>::max() / unit->milliseconds) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(number * unit->milliseconds);
}

std::string format_duration(std::chrono::milliseconds duration) {
    const std::int64_t count = duration.count();
    for (const auto& unit : kDurationUnits) {
        if (count != 0 && count % unit.milliseconds == 0) {
            return fmt::format("{}{}", count / unit.milliseconds, unit.suffix);
        }
    }
    return fmt::format("{}ms", count);
}

std::string format_value(const ParameterValue& value) {
    switch (value.index()) {
        case 0:
            return std::to_string(std::get<std::int64_t>(value));
        case 1:
            return fmt::format("\"{}\"", std::get<std::string>(value));
        case 2:
            return std::get<bool>(value) ? "true" : "false";
        default:
            return fmt::format("\"{}\"",
                               format_duration(std::get<std::chrono::milliseconds>(value)));
    }
}

std::vector<std::string> validate(const DriverManifest& manifest) {
    std::vector<std::string> problems;
    if (!is_identifier(manifest.name, kMaxDriverNameLength)) {
        problems.push_back(
            fmt::format("the name must be 1 to {} characters from a-z, 0-9 and "
                        "'_', starting with a letter",
                        kMaxDriverNameLength));
    }
    if (to_string(manifest.device_class) == "unknown") {
        problems.emplace_back("unknown device class");
    }
    if (to_string(manifest.maturity) == "unknown") {
        problems.emplace_back("unknown maturity");
    }
    if (to_string(manifest.transport) == "unknown") {
        problems.emplace_back("unknown transport");
    }
    if (manifest.description.empty()) {
        problems.emplace_back("has no description");
    }
    std::set<std::string_view> names;
    for (const auto& spec : manifest.parameters) {
        if (!names.insert(spec.name).second) {
            problems.push_back(fmt::format("parameter '{}' is declared twice", spec.name));
        }
        validate_parameter(spec, problems);
    }
    validate_match(manifest, problems);
    return problems;
}

Match matches(const DriverManifest& manifest, const DeviceInfo& device) {
    const MatchRules& rules = manifest.match;
    if (rules.explicit_port_only || !has_hardware_path(manifest.transport)) {
        return {};
    }
    if (device.vendor_id && device.product_id) {
        const UsbId id{*device.vendor_id, *device.product_id};
        if (std::ranges::find(rules.usb_ids, id) != rules.usb_ids.end()) {
            return {MatchSpecificity::usb_id, usb_text(id.vendor, id.product)};
        }
    }
    const bool subsystem_ok = rules.subsystem.empty() || rules.subsystem == device.subsystem;
    if (!rules.properties.empty() && subsystem_ok) {
        const bool all = std::ranges::all_of(rules.properties, [&](const PropertyMatch& p) {
            const auto it = device.properties.find(p.name);
            return it != device.properties.end() && it->second == p.value;
        });
        if (all) {
            std::string reason = "udev";
            for (const auto& p : rules.properties) {
                reason += fmt::format(" {}={}", p.name, p.value);
            }
            return {MatchSpecificity::udev_property, std::move(reason)};
        }
        return {};  // a subsystem that qualifies properties is not a generic rule of its own
    }
    if (!rules.subsystem.empty() && rules.properties.empty() && subsystem_ok) {
        return {MatchSpecificity::class_generic, fmt::format("subsystem {}", rules.subsystem)};
    }
    return {};
}

ParameterValues default_values(const DriverManifest& manifest) {
    ParameterValues values;
    for (const auto& spec : manifest.parameters) {
        values.emplace(spec.name, spec.default_value);
    }
    return values;
}

}  // namespace hk::drivers

// Driver manifests: what a driver declares about itself before it is ever run — its name and
// device class, how mature it is, which hardware it takes (match rules), how it talks to the
// device (transport) and the parameters a device configuration may set, with their types and
// defaults. The registry, the config parser and `probe` read manifests; nothing here does I/O.
//
// A manifest also carries the driver ABI version it was built against: a driver loaded from a
// shared object is refused unless its major version equals the host's and its minor version is
// not newer (docs/drivers.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "drivers/sdk/device_class.hpp"
#include "drivers/sdk/device_info.hpp"

namespace hk::drivers {

// ---------------------------------------------------------------------------------------------
// ABI version of the driver SDK. The major changes when a driver built against the old SDK
// would misbehave (layouts or meanings changed); the minor when the SDK only grew.

inline constexpr std::uint16_t kDriverAbiMajor = 1;
inline constexpr std::uint16_t kDriverAbiMinor = 0;

struct AbiVersion {
    std::uint16_t major = kDriverAbiMajor;
    std::uint16_t minor = kDriverAbiMinor;
    friend bool operator==(const AbiVersion&, const AbiVersion&) = default;
};

inline constexpr AbiVersion kHostAbi{kDriverAbiMajor, kDriverAbiMinor};

// A driver built against `driver` runs on a host of `host`: same major, driver minor <= host's.
[[nodiscard]] constexpr bool is_compatible(AbiVersion driver, AbiVersion host = kHostAbi) {
    return driver.major == host.major && driver.minor <= host.minor;
}

[[nodiscard]] std::string to_string(AbiVersion version);  // "1.0"

// ---------------------------------------------------------------------------------------------
// Maturity and transport.

enum class Maturity : std::uint8_t {
    production,    // tested on the hardware in halls; the default choice
    testing,       // works on the bench; being tried in a pilot hall
    experimental,  // incomplete; only when configured explicitly
};

enum class TransportKind : std::uint8_t {
    serial,          // RS-232/RS-485 or USB-serial tty
    usb,             // raw USB (libusb, hidraw)
    evdev,           // input device (keyboard-wedge scanners, buttons)
    tcp,             // network device
    helper_process,  // a vendor SDK run in a separate process
    simulated,       // no hardware: a simulated device
    none,            // no transport (a driver of something built in)
};

[[nodiscard]] std::string_view to_string(Maturity maturity);
[[nodiscard]] std::optional<Maturity> parse_maturity(std::string_view name);
[[nodiscard]] std::string_view to_string(TransportKind kind);
[[nodiscard]] std::optional<TransportKind> parse_transport_kind(std::string_view name);

// Whether a device of this transport has a device node or physical path that a device
// configuration may name (`port`, `match`): not so for tcp, simulated and none.
[[nodiscard]] bool has_hardware_path(TransportKind kind);

// ---------------------------------------------------------------------------------------------
// Parameters.

enum class ParameterType : std::uint8_t { integer, string, boolean, choice, duration };

[[nodiscard]] std::string_view to_string(ParameterType type);

// A parameter's value: integer -> int64, string and choice -> string, boolean -> bool,
// duration -> milliseconds.
using ParameterValue = std::variant<std::int64_t, std::string, bool, std::chrono::milliseconds>;

// Values by parameter name; a validated device configuration has one for every parameter.
using ParameterValues = std::map<std::string, ParameterValue, std::less<>>;

struct ParameterSpec {
    std::string name;  // [a-z][a-z0-9_]*, at most 32 characters
    ParameterType type = ParameterType::integer;
    ParameterValue default_value = std::int64_t{0};
    std::string help;  // one line for technicians
    // integer: the allowed range; duration: the allowed range in milliseconds.
    std::int64_t min = std::numeric_limits<std::int64_t>::min();
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::vector<std::string> choices;  // choice: the allowed values
    std::size_t max_length = 256;      // string: at most this many bytes

    friend bool operator==(const ParameterSpec&, const ParameterSpec&) = default;

    // Readable constructors for manifests.
    static ParameterSpec integer(std::string name, std::int64_t default_value, std::int64_t min,
                                 std::int64_t max, std::string help) {
        return {.name = std::move(name),
                .type = ParameterType::integer,
                .default_value = default_value,
                .help = std::move(help),
                .min = min,
                .max = max};
    }
    static ParameterSpec text(std::string name, std::string default_value, std::size_t max_length,
                              std::string help) {
        return {.name = std::move(name),
                .type = ParameterType::string,
                .default_value = std::move(default_value),
                .help = std::move(help),
                .max_length = max_length};
    }
    static ParameterSpec boolean(std::string name, bool default_value, std::string help) {
        return {.name = std::move(name),
                .type = ParameterType::boolean,
                .default_value = default_value,
                .help = std::move(help)};
    }
    static ParameterSpec choice(std::string name, std::string default_value,
                                std::vector<std::string> choices, std::string help) {
        return {.name = std::move(name),
                .type = ParameterType::choice,
                .default_value = std::move(default_value),
                .help = std::move(help),
                .choices = std::move(choices)};
    }
    static ParameterSpec duration(std::string name, std::chrono::milliseconds default_value,
                                  std::chrono::milliseconds min, std::chrono::milliseconds max,
                                  std::string help) {
        return {.name = std::move(name),
                .type = ParameterType::duration,
                .default_value = default_value,
                .help = std::move(help),
                .min = min.count(),
                .max = max.count()};
    }
};

// Why `value` is not allowed for `spec` ("expected an integer from 1 to 10, got 12"), or
// nothing when it is. Text in the message is the caller's to escape.
[[nodiscard]] std::optional<std::string> check_value(const ParameterSpec& spec,
                                                     const ParameterValue& value);

// Durations as written in configs: a whole number and a unit, "250ms", "5s", "2min", "1h".
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// The shortest exact form: 1500 ms -> "1500ms", 2000 ms -> "2s", 120000 ms -> "2min".
[[nodiscard]] std::string format_duration(std::chrono::milliseconds duration);
// A value as a config would write it: 5, "text", true, "2s".
[[nodiscard]] std::string format_value(const ParameterValue& value);

// ---------------------------------------------------------------------------------------------
// Matching hardware.

struct UsbId {
    std::uint16_t vendor = 0;
    std::uint16_t product = 0;
    friend bool operator==(const UsbId&, const UsbId&) = default;
};

struct PropertyMatch {
    std::string name;   // udev property, e.g. "ID_INPUT_KEYBOARD"
    std::string value;  // required value, e.g. "1"
    friend bool operator==(const PropertyMatch&, const PropertyMatch&) = default;
};

// How a driver recognises its hardware. The rules are alternatives; the most specific one a
// device satisfies decides how well it matches.
struct MatchRules {
    std::vector<UsbId> usb_ids;             // any of these vendor/product pairs
    std::vector<PropertyMatch> properties;  // all of these udev properties (and subsystem)
    std::string subsystem;                  // generic: any device of this udev subsystem
    bool explicit_port_only = false;        // never matched: the config must name the port
    friend bool operator==(const MatchRules&, const MatchRules&) = default;
};

// From no match to the most specific; a higher value wins.
enum class MatchSpecificity : std::uint8_t {
    none,
    class_generic,  // the device's subsystem is the driver's generic subsystem
    udev_property,  // all of the driver's udev property equalities hold
    usb_id,         // the USB vendor/product pair is one the driver lists
};

[[nodiscard]] std::string_view to_string(MatchSpecificity specificity);

struct Match {
    MatchSpecificity specificity = MatchSpecificity::none;
    std::string reason;  // "usb 1a86:7523", "udev ID_INPUT_KEYBOARD=1", "subsystem tty"
    [[nodiscard]] explicit operator bool() const { return specificity != MatchSpecificity::none; }
    friend bool operator==(const Match&, const Match&) = default;
};

// ---------------------------------------------------------------------------------------------
// The manifest.

struct DriverManifest {
    std::string name;  // [a-z][a-z0-9_]*, at most 48 characters; unique among drivers
    DeviceClass device_class = DeviceClass::ticket_printer;
    Maturity maturity = Maturity::experimental;
    std::string description;  // one line: the hardware it drives
    TransportKind transport = TransportKind::none;
    MatchRules match;
    std::vector<ParameterSpec> parameters;
    AbiVersion abi{};  // the SDK version the driver was built against

    [[nodiscard]] const ParameterSpec* parameter(std::string_view parameter_name) const {
        for (const auto& spec : parameters) {
            if (spec.name == parameter_name) {
                return &spec;
            }
        }
        return nullptr;
    }

    friend bool operator==(const DriverManifest&, const DriverManifest&) = default;
};

// Every way the manifest is malformed (empty when it is well-formed): names, duplicate
// parameters, defaults that are not valid for their own parameter, choices, ranges, match
// rules that contradict the transport. The ABI is not checked here (is_compatible).
[[nodiscard]] std::vector<std::string> validate(const DriverManifest& manifest);

// Whether and how specifically the manifest's rules take the device.
[[nodiscard]] Match matches(const DriverManifest& manifest, const DeviceInfo& device);

// The defaults of every parameter.
[[nodiscard]] ParameterValues default_values(const DriverManifest& manifest);

}  // namespace hk::drivers

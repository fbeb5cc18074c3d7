// Uevents as the hotplug layer sees them, and the decoder of their text form: "KEY=value"
// lines as in /sys/.../uevent, `udevadm info --query=property` or `udevadm info` ("E: " lines).
// The text comes from outside the daemon, so the decoder checks everything and fails with a
// value (tests/fuzz/hotplug_uevent_fuzz.cpp fuzzes it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hk::drivers::hotplug {

// udev properties of one device: "DEVPATH", "SUBSYSTEM", "DEVNAME", "ID_VENDOR_ID", …
using Properties = std::map<std::string, std::string, std::less<>>;

enum class UeventAction : std::uint8_t { add, remove, change, move, bind, unbind, online, offline };

[[nodiscard]] std::string_view to_string(UeventAction action);
[[nodiscard]] std::optional<UeventAction> parse_uevent_action(std::string_view name);

struct Uevent {
    UeventAction action = UeventAction::add;
    std::string devpath;    // "/devices/pci0000:00/…/1-1.2/1-1.2:1.0/ttyUSB0/tty/ttyUSB0"
    std::string subsystem;  // "tty", "usb", "input", "hidraw", "video4linux"
    Properties properties;  // all of them, including ACTION, DEVPATH and SUBSYSTEM
    friend bool operator==(const Uevent&, const Uevent&) = default;
};

// Returns the property, or an empty view when it is absent.
[[nodiscard]] std::string_view property(const Properties& properties, std::string_view key);

enum class UeventParseError : std::uint8_t {
    too_large,          // over kMaxUeventText bytes
    nul_byte,           // a NUL anywhere: the text form never holds one
    missing_separator,  // a line without '='
    bad_key,            // empty, or not [A-Za-z0-9_.-]
    duplicate_key,
    too_many_keys,   // over kMaxUeventKeys
    missing_action,  // parse_uevent only: ACTION, DEVPATH or SUBSYSTEM absent or empty
    unknown_action,
    missing_devpath,
    missing_subsystem,
};

[[nodiscard]] std::string_view to_string(UeventParseError error);

struct UeventParseFailure {
    UeventParseError error = UeventParseError::missing_separator;
    std::size_t line = 0;  // 1-based line of the problem; 0 for the whole text
    friend bool operator==(const UeventParseFailure&, const UeventParseFailure&) = default;
};

// Far above a real device (the kernel's uevent buffer is 2 KiB, udev adds a few hundred bytes).
inline constexpr std::size_t kMaxUeventText = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxUeventKeys = 512;

// Decodes "KEY=value" lines. Empty lines are skipped, a final "\r" is dropped, a line may
// carry udevadm's "E: " prefix, and other udevadm info lines ("P: ", "N: ", "S: ", "L: ",
// "M: ", …: one upper-case letter, colon, space) are skipped. The value is everything after
// the first '=' and may be empty.
[[nodiscard]] std::expected<Properties, UeventParseFailure> parse_properties(std::string_view text);

// parse_properties plus the keys every uevent has: a known ACTION, DEVPATH and SUBSYSTEM.
[[nodiscard]] std::expected<Uevent, UeventParseFailure> parse_uevent(std::string_view text);

}  // namespace hk::drivers::hotplug

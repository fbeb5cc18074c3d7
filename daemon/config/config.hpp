// hallkeeperd configuration: the typed settings, and loading them from TOML with precise errors.
//
// Every key has a default (the embedded default: a one-process hall, role=controller), so a
// config file only states what differs. Unknown keys, wrong types and out-of-range values are
// errors, never silently ignored: a typo in a hall's config must not go unnoticed.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/sdk/driver.hpp"

namespace hk::drivers {
class DriverRegistry;
}

namespace hk::config {

enum class Role : std::uint8_t { controller, terminal };
enum class LogLevel : std::uint8_t { trace, debug, info, warn, error };
enum class LogSink : std::uint8_t { automatic, stderr_sink, journald };

[[nodiscard]] std::string_view to_string(Role role);
[[nodiscard]] std::string_view to_string(LogLevel level);
[[nodiscard]] std::string_view to_string(LogSink sink);

struct NodeSettings {
    std::string id = "hall-node";    // [a-z0-9][a-z0-9-]{0,31}; unique in the hall
    std::string hall = "demo-hall";  // same charset; the hall this node belongs to
    Role role = Role::controller;

    friend bool operator==(const NodeSettings&, const NodeSettings&) = default;
};

struct StateSettings {
    std::filesystem::path dir = "/var/lib/hallkeeper";  // absolute

    friend bool operator==(const StateSettings&, const StateSettings&) = default;
};

struct LogSettings {
    LogLevel level = LogLevel::info;
    LogSink sink = LogSink::automatic;  // automatic: journald when started by systemd, else stderr

    friend bool operator==(const LogSettings&, const LogSettings&) = default;
};

struct ControlSettings {
    std::filesystem::path socket = "/run/hallkeeper/hallkeeperd.sock";  // absolute
    std::optional<std::string> group;  // group owning the socket (mode 0660); none: daemon's group

    friend bool operator==(const ControlSettings&, const ControlSettings&) = default;
};

struct RuntimeSettings {
    unsigned workers = 2;  // threads of the blocking-work pool, 1..16

    friend bool operator==(const RuntimeSettings&, const RuntimeSettings&) = default;
};

struct QueueSettings {
    // The hall definition (docs/hall-file.md); none: the embedded demo hall.
    std::optional<std::filesystem::path> hall_file;
    int utc_offset_minutes = 480;  // the hall's local time, -720..840 (China: +08:00 = 480)

    friend bool operator==(const QueueSettings&, const QueueSettings&) = default;
};

struct ApiSettings {
    // The Local API for the screens (docs/api.md). Off by default (configuration.md says why);
    // the demo turns it on.
    bool enabled = false;
    std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal; loopback unless told
    std::uint16_t port = 8470;
    // The built kiosk-ui (kiosk-ui/dist): absolute, or relative to the config file. None: the
    // API only.
    std::optional<std::filesystem::path> ui_dir;
    // The device that prints the kiosk's tickets (a ticket printer of [[device]]). None: the
    // first ticket printer not at a window, if any.
    std::optional<std::string> ticket_printer;

    friend bool operator==(const ApiSettings&, const ApiSettings&) = default;
};

struct SimulationSettings {
    // A scenario for the simulated devices (docs/devices.md): an absolute path, or one
    // relative to the config file's directory. None: the devices only do what they are told.
    std::optional<std::filesystem::path> script;
    bool repeat = false;  // start the scenario again after its last step

    friend bool operator==(const SimulationSettings&, const SimulationSettings&) = default;
};

struct Config {
    NodeSettings node;
    StateSettings state;
    LogSettings log;
    ControlSettings control;
    RuntimeSettings runtime;
    QueueSettings queue;
    ApiSettings api;
    SimulationSettings simulation;
    // The [[device]] tables (docs/configuration.md), in file order, each validated against its
    // driver's manifest with every parameter present.
    std::vector<drivers::DeviceConfig> devices;

    friend bool operator==(const Config&, const Config&) = default;
};

// One problem found in a config file. `line`/`column` are 1-based, 0 when not known
// (for example a missing file). `key` is the dotted key path ("node.role"), empty for
// syntax errors.
struct ConfigError {
    std::string source;  // file name, or "<embedded default>"
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string key;
    std::string message;  // what was wrong and what was expected

    // One line, for example
    //   hall.toml:3:8: key 'node.role': expected one of controller, terminal, got "contoller"
    // leaving out line and column when 0, and the key part when the key is empty.
    [[nodiscard]] std::string to_string() const;
};

using ConfigErrors = std::vector<ConfigError>;

// Parses and validates TOML text. Collects every problem found (not only the first).
// `source` names the text in error messages. Devices are checked against `registry`; without
// one, against the drivers compiled into the daemon (drivers::builtin_drivers()).
[[nodiscard]] std::expected<Config, ConfigErrors> parse(std::string_view toml_text,
                                                        std::string_view source);
[[nodiscard]] std::expected<Config, ConfigErrors> parse(std::string_view toml_text,
                                                        std::string_view source,
                                                        const drivers::DriverRegistry& registry);

// Reads and parses a file. A missing or unreadable file is one ConfigError with line 0.
[[nodiscard]] std::expected<Config, ConfigErrors> load_file(const std::filesystem::path& file);
[[nodiscard]] std::expected<Config, ConfigErrors> load_file(
    const std::filesystem::path& file, const drivers::DriverRegistry& registry);

// The settings a node runs with when started without a config file.
[[nodiscard]] Config embedded_default();

// Names of the settings that differ between two configs and can only take effect after a
// restart (state.dir, control.*, node.*, runtime.workers, queue.*, device). A SIGHUP reload
// applies the other settings and reports these.
[[nodiscard]] std::vector<std::string> restart_required_changes(const Config& running,
                                                                const Config& reloaded);

}  // namespace hk::config

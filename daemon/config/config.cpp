// hallkeeperd configuration: TOML text to a validated Config, collecting every problem with its
// position, so a technician fixes a broken file in one pass instead of one error per restart.
#include "daemon/config/config.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "daemon/config/devices.hpp"
#include "daemon/config/toml_support.hpp"
#include "drivers/builtin.hpp"
#include "drivers/sdk/registry.hpp"

namespace hk::config {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the parsers' shared toolkit

// sizeof(sockaddr_un::sun_path) on Linux; the path needs its terminating NUL in there too.
constexpr std::size_t kSunPathBytes = 108;
constexpr std::int64_t kMinWorkers = 1;
constexpr std::int64_t kMaxWorkers = 16;
constexpr std::int64_t kMinUtcOffset = std::int64_t{-12} * 60;
constexpr std::int64_t kMaxUtcOffset = std::int64_t{14} * 60;
constexpr std::size_t kMaxNameLength = 32;

constexpr FileKind kConfigFile{.noun = "configuration file",
                               .content = "a configuration is a few lines"};

// ---------------------------------------------------------------------------------------------
// Reading and checking single values. Each reader leaves the default in place on a problem.

constexpr std::array<Choice<Role>, 2> kRoles{{
    {"controller", Role::controller},
    {"terminal", Role::terminal},
}};
constexpr std::array<Choice<LogLevel>, 5> kLogLevels{{
    {"trace", LogLevel::trace},
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warn", LogLevel::warn},
    {"error", LogLevel::error},
}};
constexpr std::array<Choice<LogSink>, 3> kLogSinks{{
    {"auto", LogSink::automatic},
    {"stderr", LogSink::stderr_sink},
    {"journald", LogSink::journald},
}};

bool is_lower_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_node_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength || !is_lower_or_digit(name.front())) {
        return false;
    }
    return std::ranges::all_of(name, [](char c) { return is_lower_or_digit(c) || c == '-'; });
}

bool is_group_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength) {
        return false;
    }
    const char first = name.front();
    if (!((first >= 'a' && first <= 'z') || first == '_')) {
        return false;
    }
    return std::ranges::all_of(name,
                               [](char c) { return is_lower_or_digit(c) || c == '_' || c == '-'; });
}

void read_node_name(const toml::node& value, const std::string& key, std::string& out,
                    Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (!is_node_name(*text)) {
        problems.add(value.source(), key,
                     fmt::format("expected 1 to {} characters from a-z, 0-9 and '-', starting "
                                 "with a letter or digit, got {}",
                                 kMaxNameLength, quote_value(*text)));
        return;
    }
    out = *text;
}

// Returns the path if it is absolute and usable as a C string, reporting otherwise.
std::optional<std::string> read_absolute_path(const toml::node& value, const std::string& key,
                                              Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return std::nullopt;
    }
    if (text->find('\0') != std::string::npos) {
        problems.add(
            value.source(), key,
            fmt::format("expected a path without NUL characters, got {}", quote_value(*text)));
        return std::nullopt;
    }
    if (!text->starts_with('/')) {
        problems.add(value.source(), key,
                     fmt::format("expected an absolute path (starting with '/'), got {}",
                                 quote_value(*text)));
        return std::nullopt;
    }
    return *text;
}

void read_state_dir(const toml::node& value, const std::string& key, StateSettings& out,
                    Problems& problems) {
    if (auto path = read_absolute_path(value, key, problems)) {
        out.dir = std::move(*path);
    }
}

void read_control_socket(const toml::node& value, const std::string& key, ControlSettings& out,
                         Problems& problems) {
    auto path = read_absolute_path(value, key, problems);
    if (!path) {
        return;
    }
    if (path->size() >= kSunPathBytes) {
        problems.add(value.source(), key,
                     fmt::format("expected a path shorter than {} bytes (the limit of a Unix "
                                 "socket address), got {} bytes",
                                 kSunPathBytes, path->size()));
        return;
    }
    out.socket = std::move(*path);
}

void read_control_group(const toml::node& value, const std::string& key, ControlSettings& out,
                        Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (!is_group_name(*text)) {
        problems.add(value.source(), key,
                     fmt::format("expected a group name of 1 to {} characters from a-z, 0-9, "
                                 "'_' and '-', starting with a letter or '_', got {}",
                                 kMaxNameLength, quote_value(*text)));
        return;
    }
    out.group = *text;
}

void read_runtime_workers(const toml::node& value, const std::string& key, RuntimeSettings& out,
                          Problems& problems) {
    if (const auto workers = read_integer(value, key, kMinWorkers, kMaxWorkers, problems)) {
        out.workers = static_cast<unsigned>(*workers);
    }
}

void read_queue_hall_file(const toml::node& value, const std::string& key, QueueSettings& out,
                          Problems& problems) {
    if (auto path = read_absolute_path(value, key, problems)) {
        out.hall_file = std::move(*path);
    }
}

void read_queue_utc_offset(const toml::node& value, const std::string& key, QueueSettings& out,
                           Problems& problems) {
    if (const auto minutes = read_integer(value, key, kMinUtcOffset, kMaxUtcOffset, problems)) {
        out.utc_offset_minutes = static_cast<int>(*minutes);
    }
}

void read_api_enabled(const toml::node& value, const std::string& key, ApiSettings& out,
                      Problems& problems) {
    if (const auto enabled = read_boolean(value, key, problems)) {
        out.enabled = *enabled;
    }
}

void read_api_address(const toml::node& value, const std::string& key, ApiSettings& out,
                      Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    boost::system::error_code error;
    static_cast<void>(boost::asio::ip::make_address(*text, error));
    if (error) {
        problems.add(value.source(), key,
                     fmt::format("expected an IP address such as \"127.0.0.1\" or \"::1\", got {}",
                                 quote_value(*text)));
        return;
    }
    out.address = *text;
}

void read_api_port(const toml::node& value, const std::string& key, ApiSettings& out,
                   Problems& problems) {
    if (const auto port = read_integer(value, key, 0, 65535, problems)) {
        out.port = static_cast<std::uint16_t>(*port);
    }
}

void read_api_ui_dir(const toml::node& value, const std::string& key, ApiSettings& out,
                     Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (text->empty() || text->find('\0') != std::string::npos) {
        problems.add(value.source(), key,
                     fmt::format("expected a directory path, got {}", quote_value(*text)));
        return;
    }
    out.ui_dir = *text;
}

void read_simulation_script(const toml::node& value, const std::string& key,
                            SimulationSettings& out, Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (text->empty() || text->find('\0') != std::string::npos) {
        problems.add(value.source(), key,
                     fmt::format("expected a file path, got {}", quote_value(*text)));
        return;
    }
    out.script = *text;
}

void read_simulation_repeat(const toml::node& value, const std::string& key,
                            SimulationSettings& out, Problems& problems) {
    if (const auto repeat = read_boolean(value, key, problems)) {
        out.repeat = *repeat;
    }
}

// ---------------------------------------------------------------------------------------------
// The schema: per section, its known keys and how each is read.

constexpr std::array<KeySpec<NodeSettings>, 3> kNodeKeys{{
    {"id", [](const toml::node& v, const std::string& k, NodeSettings& s,
              Problems& p) { read_node_name(v, k, s.id, p); }},
    {"hall", [](const toml::node& v, const std::string& k, NodeSettings& s,
                Problems& p) { read_node_name(v, k, s.hall, p); }},
    {"role", [](const toml::node& v, const std::string& k, NodeSettings& s,
                Problems& p) { read_choice(v, k, kRoles, s.role, p); }},
}};

constexpr std::array<KeySpec<StateSettings>, 1> kStateKeys{{
    {"dir", read_state_dir},
}};

constexpr std::array<KeySpec<LogSettings>, 2> kLogKeys{{
    {"level", [](const toml::node& v, const std::string& k, LogSettings& s,
                 Problems& p) { read_choice(v, k, kLogLevels, s.level, p); }},
    {"sink", [](const toml::node& v, const std::string& k, LogSettings& s,
                Problems& p) { read_choice(v, k, kLogSinks, s.sink, p); }},
}};

constexpr std::array<KeySpec<ControlSettings>, 2> kControlKeys{{
    {"socket", read_control_socket},
    {"group", read_control_group},
}};

constexpr std::array<KeySpec<RuntimeSettings>, 1> kRuntimeKeys{{
    {"workers", read_runtime_workers},
}};

constexpr std::array<KeySpec<QueueSettings>, 2> kQueueKeys{{
    {"hall_file", read_queue_hall_file},
    {"utc_offset_minutes", read_queue_utc_offset},
}};

constexpr std::size_t kMaxDeviceIdBytes = 32;

void read_api_ticket_printer(const toml::node& value, const std::string& key, ApiSettings& out,
                             Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (text->empty() || text->size() > kMaxDeviceIdBytes ||
        !std::ranges::all_of(*text, [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        })) {
        problems.add(value.source(), key,
                     fmt::format("expected a device id (1 to {} characters from a-z, 0-9, '_' "
                                 "and '-'), got {}",
                                 kMaxDeviceIdBytes, quote_value(*text)));
        return;
    }
    out.ticket_printer = *text;
}

constexpr std::array<KeySpec<ApiSettings>, 5> kApiKeys{{
    {"enabled", read_api_enabled},
    {"address", read_api_address},
    {"port", read_api_port},
    {"ui_dir", read_api_ui_dir},
    {"ticket_printer", read_api_ticket_printer},
}};

constexpr std::array<KeySpec<SimulationSettings>, 2> kSimulationKeys{{
    {"script", read_simulation_script},
    {"repeat", read_simulation_repeat},
}};

constexpr auto kNodeKeyNames = names_of(kNodeKeys);
constexpr auto kStateKeyNames = names_of(kStateKeys);
constexpr auto kLogKeyNames = names_of(kLogKeys);
constexpr auto kControlKeyNames = names_of(kControlKeys);
constexpr auto kRuntimeKeyNames = names_of(kRuntimeKeys);
constexpr auto kQueueKeyNames = names_of(kQueueKeys);
constexpr auto kSimulationKeyNames = names_of(kSimulationKeys);
constexpr auto kApiKeyNames = names_of(kApiKeys);

template <typename Settings, std::size_t N>
void read_section(const toml::node& section, std::string_view name,
                  const std::array<KeySpec<Settings>, N>& keys, Settings& out, Problems& problems) {
    read_table(section, name, fmt::format("[{}]", name), keys, out, problems);
}

void read_node(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "node", kNodeKeys, config.node, problems);
}

void read_state(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "state", kStateKeys, config.state, problems);
}

void read_log(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "log", kLogKeys, config.log, problems);
}

void read_control(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "control", kControlKeys, config.control, problems);
}

void read_runtime(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "runtime", kRuntimeKeys, config.runtime, problems);
}

void read_queue(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "queue", kQueueKeys, config.queue, problems);
}

void read_api(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "api", kApiKeys, config.api, problems);
}

void read_simulation(const toml::node& section, Config& config, Problems& problems) {
    read_section(section, "simulation", kSimulationKeys, config.simulation, problems);
}

struct SectionSpec {
    std::string_view name;
    void (*read)(const toml::node& section, Config& config, Problems& problems);
    std::span<const std::string_view> key_names;
};

constexpr std::array<SectionSpec, 8> kSections{{
    {"node", read_node, kNodeKeyNames},
    {"state", read_state, kStateKeyNames},
    {"log", read_log, kLogKeyNames},
    {"control", read_control, kControlKeyNames},
    {"runtime", read_runtime, kRuntimeKeyNames},
    {"queue", read_queue, kQueueKeyNames},
    {"api", read_api, kApiKeyNames},
    {"simulation", read_simulation, kSimulationKeyNames},
}};

constexpr std::array<std::string_view, kSections.size()> kSectionNames = [] {
    std::array<std::string_view, kSections.size()> names{};
    std::ranges::transform(kSections, names.begin(), &SectionSpec::name);
    return names;
}();

// A top-level key that is no section: a misspelt section, or a setting written outside its
// section (`role = "terminal"` above every header).
std::string unknown_top_level_message(const toml::key& key, const toml::node& value) {
    if (value.is_table() || value.is_array()) {
        constexpr std::array<std::string_view, 1> kArrays{"device"};
        if (const auto suggestion = closest(key.str(), kArrays)) {
            return fmt::format("unknown key; did you mean [[{}]]?", *suggestion);
        }
    }
    if (value.is_table()) {
        if (const auto suggestion = closest(key.str(), kSectionNames)) {
            return fmt::format("unknown section; did you mean [{}]?", *suggestion);
        }
        return fmt::format("unknown section; the sections are {}", joined(kSectionNames));
    }
    for (const auto& section : kSections) {
        if (std::ranges::find(section.key_names, key.str()) != section.key_names.end()) {
            return fmt::format("a setting outside its section; did you mean '{}.{}'?", section.name,
                               key.str());
        }
    }
    return fmt::format("unknown key outside any section; settings belong in the sections {}",
                       joined(kSectionNames));
}

void read_root(const toml::table& root, const drivers::DriverRegistry& registry, Config& config,
               Problems& problems) {
    for (const auto& [key, value] : root) {
        if (key.str() == "device") {  // [[device]]: an array of tables, not a section
            read_devices(value, registry, config.devices, problems);
            continue;
        }
        const auto section = std::ranges::find(kSections, key.str(), &SectionSpec::name);
        if (section == kSections.end()) {
            problems.add(key.source(), printable(key.str()), unknown_top_level_message(key, value));
            continue;
        }
        section->read(value, config, problems);
    }
}

}  // namespace

std::string_view to_string(Role role) {
    return name_of(kRoles, role);
}
std::string_view to_string(LogLevel level) {
    return name_of(kLogLevels, level);
}
std::string_view to_string(LogSink sink) {
    return name_of(kLogSinks, sink);
}

std::string ConfigError::to_string() const {
    std::string out = source;
    if (line != 0) {
        out += fmt::format(":{}", line);
        if (column != 0) {
            out += fmt::format(":{}", column);
        }
    }
    if (!out.empty()) {
        out += ": ";
    }
    if (!key.empty()) {
        out += fmt::format("key '{}': ", key);
    }
    out += message;
    return out;
}

std::expected<Config, ConfigErrors> parse(std::string_view toml_text, std::string_view source) {
    return parse(toml_text, source, drivers::builtin_drivers());
}

std::expected<Config, ConfigErrors> parse(std::string_view toml_text, std::string_view source,
                                          const drivers::DriverRegistry& registry) {
    Problems problems(source);
    Config config = embedded_default();
    if (const auto root = parse_toml(toml_text, problems)) {
        read_root(*root, registry, config, problems);
    }
    if (!problems.empty()) {
        return std::unexpected(problems.take());
    }
    return config;
}

std::expected<Config, ConfigErrors> load_file(const std::filesystem::path& file) {
    return load_file(file, drivers::builtin_drivers());
}

std::expected<Config, ConfigErrors> load_file(const std::filesystem::path& file,
                                              const drivers::DriverRegistry& registry) {
    const auto text = read_small_file(file, kConfigFile);
    if (!text) {
        return std::unexpected(text.error());
    }
    auto config = parse(*text, file.string(), registry);
    // A relative scenario path is relative to the config file, wherever the daemon started.
    if (config) {
        const auto base = std::filesystem::absolute(file).parent_path();
        for (auto* path : {&config->simulation.script, &config->api.ui_dir}) {
            if (*path && (*path)->is_relative()) {
                *path = base / **path;
            }
        }
    }
    return config;
}

Config embedded_default() {
    return Config{};
}

std::vector<std::string> restart_required_changes(const Config& running, const Config& reloaded) {
    // Everything except log.*: identity, paths, the thread pool and the hall are fixed at
    // start-up (the queue is rebuilt from its log on the next start).
    const std::array<std::pair<std::string_view, bool>, 12> settings{{
        {"node.id", running.node.id != reloaded.node.id},
        {"node.hall", running.node.hall != reloaded.node.hall},
        {"node.role", running.node.role != reloaded.node.role},
        {"state.dir", running.state.dir != reloaded.state.dir},
        {"control.socket", running.control.socket != reloaded.control.socket},
        {"control.group", running.control.group != reloaded.control.group},
        {"runtime.workers", running.runtime.workers != reloaded.runtime.workers},
        {"queue.hall_file", running.queue.hall_file != reloaded.queue.hall_file},
        {"queue.utc_offset_minutes",
         running.queue.utc_offset_minutes != reloaded.queue.utc_offset_minutes},
        {"device", running.devices != reloaded.devices},
        {"simulation", running.simulation != reloaded.simulation},
        {"api", running.api != reloaded.api},
    }};
    std::vector<std::string> changed;
    for (const auto& [name, differs] : settings) {
        if (differs) {
            changed.emplace_back(name);
        }
    }
    return changed;
}

}  // namespace hk::config

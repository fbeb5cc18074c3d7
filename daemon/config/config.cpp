// hallkeeperd configuration: TOML text to a validated Config, collecting every problem with its
// position, so a technician fixes a broken file in one pass instead of one error per restart.
#include "daemon/config/config.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

// Debian builds toml++ with exceptions (its symbols live in toml::ex), so parse() throws
// toml::parse_error; the noex API would not even link against that library.
static_assert(TOML_EXCEPTIONS, "hallkeeper expects toml++ built with exceptions");

namespace hk::config {
namespace {

constexpr std::size_t kMaxFileBytes = std::size_t{1024} * 1024;
// sizeof(sockaddr_un::sun_path) on Linux; the path needs its terminating NUL in there too.
constexpr std::size_t kSunPathBytes = 108;
constexpr std::int64_t kMinWorkers = 1;
constexpr std::int64_t kMaxWorkers = 16;
constexpr std::size_t kMaxNameLength = 32;
// Values echoed in messages are cut here: a message is one log line, not a copy of the input.
constexpr std::size_t kMaxShownBytes = 64;

// ---------------------------------------------------------------------------------------------
// Making untrusted text safe to print. Keys, values and even toml++'s messages come from the
// file; a control character or a bidi override in them must not forge or garble log lines.

// Length of the well-formed UTF-8 sequence at the start of `text` (0 if malformed), and its
// code point.
std::size_t decode_utf8(std::string_view text, char32_t& code_point) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
    } else {
        return 0;
    }
    // The smallest code point each length may encode; anything below is an overlong form.
    constexpr std::array<char32_t, 5> kSmallest{0, 0, 0x80, 0x800, 0x10000};
    code_point = lead & (0x7FU >> length);
    if (text.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0U) != 0x80U) {
            return 0;
        }
        code_point = (code_point << 6U) | (byte(i) & 0x3FU);
    }
    const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
    if (code_point < kSmallest[length] || code_point > 0x10FFFF || surrogate) {
        return 0;
    }
    return length;
}

// C1 controls, line/paragraph separators and bidi controls: printable-looking text that is not.
bool is_invisible_control(char32_t c) {
    return (c >= 0x80 && c <= 0x9F) || (c >= 0x2028 && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
}

void append_escaped_ascii(std::string& out, char c, bool quoting) {
    switch (c) {
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '"':
        case '\\':
            if (quoting) {
                out += '\\';
            }
            out += c;
            return;
        default:
            break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
        out += fmt::format("\\x{:02x}", byte);
    } else {
        out += c;
    }
}

// `text` with everything unprintable escaped; with `quoting`, also '"' and '\'.
std::string printable(std::string_view text, bool quoting = false) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            append_escaped_ascii(out, text[i], quoting);
            ++i;
            continue;
        }
        char32_t code_point = 0;
        const std::size_t length = decode_utf8(text.substr(i), code_point);
        if (length == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
            ++i;
        } else if (is_invisible_control(code_point)) {
            out += fmt::format("\\u{{{:04x}}}", static_cast<std::uint32_t>(code_point));
            i += length;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

// A value from the file as it appears in a message: "quoted", escaped, and cut when long.
std::string quote_value(std::string_view value) {
    if (value.size() <= kMaxShownBytes) {
        return fmt::format("\"{}\"", printable(value, true));
    }
    std::size_t cut = kMaxShownBytes;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0U) == 0x80U) {
        --cut;  // not in the middle of a UTF-8 sequence
    }
    return fmt::format("\"{}\"... ({} bytes)", printable(value.substr(0, cut), true), value.size());
}

// ---------------------------------------------------------------------------------------------
// Collecting problems.

class Problems {
public:
    explicit Problems(std::string_view source) : source_(source) {}

    void add(const toml::source_region& where, std::string key, std::string message) {
        errors_.push_back(ConfigError{.source = source_,
                                      .line = where.begin.line,
                                      .column = where.begin.column,
                                      .key = std::move(key),
                                      .message = std::move(message)});
    }

    [[nodiscard]] bool empty() const { return errors_.empty(); }

    // toml++ tables iterate in key order, not file order; a technician reads top to bottom.
    [[nodiscard]] ConfigErrors take() {
        std::ranges::sort(errors_, {}, [](const ConfigError& error) {
            return std::tie(error.line, error.column, error.key, error.message);
        });
        return std::move(errors_);
    }

private:
    std::string source_;
    ConfigErrors errors_;
};

std::string_view describe(toml::node_type type) {
    switch (type) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

void wrong_type(const toml::node& value, const std::string& key, std::string_view expected,
                Problems& problems) {
    problems.add(value.source(), key,
                 fmt::format("expected {}, got {}", expected, describe(value.type())));
}

std::string dotted(std::string_view section, std::string_view key) {
    return fmt::format("{}.{}", section, printable(key));
}

// ---------------------------------------------------------------------------------------------
// "Did you mean": the closest known name by optimal string alignment distance (edits plus
// swaps of neighbours), offered only when it is close enough to be a typo.

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t width = b.size() + 1;
    std::vector<std::size_t> d((a.size() + 1) * width);
    const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * width + j]; };
    for (std::size_t i = 0; i <= a.size(); ++i) {
        at(i, 0) = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        at(0, j) = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
            }
        }
    }
    return at(a.size(), b.size());
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> names) {
    std::optional<std::string_view> best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const std::string_view name : names) {
        const std::size_t allowed = name.size() <= 4 ? 1 : 2;
        const std::size_t gap =
            std::max(word.size(), name.size()) - std::min(word.size(), name.size());
        if (gap > allowed) {
            continue;  // cannot be close; also keeps a huge key from costing anything
        }
        const std::size_t distance = edit_distance(word, name);
        if (distance <= allowed && distance < best_distance) {
            best = name;
            best_distance = distance;
        }
    }
    return best;
}

std::string joined(std::span<const std::string_view> names, std::string_view separator = ", ") {
    std::string out;
    for (const std::string_view name : names) {
        if (!out.empty()) {
            out += separator;
        }
        out += name;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Reading and checking single values. Each reader leaves the default in place on a problem.

const std::string* expect_string(const toml::node& value, const std::string& key,
                                 Problems& problems) {
    if (const auto* text = value.as_string()) {
        return &text->get();
    }
    wrong_type(value, key, "a string", problems);
    return nullptr;
}

template <typename Enum>
struct Choice {
    std::string_view name;
    Enum value;
};

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

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<Choice<Enum>, N>& choices, Enum value) {
    for (const auto& choice : choices) {
        if (choice.value == value) {
            return choice.name;
        }
    }
    return "unknown";
}

template <typename Enum, std::size_t N>
void read_choice(const toml::node& value, const std::string& key,
                 const std::array<Choice<Enum>, N>& choices, Enum& out, Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    std::array<std::string_view, N> names{};
    for (std::size_t i = 0; i < N; ++i) {
        if (choices[i].name == *text) {
            out = choices[i].value;
            return;
        }
        names[i] = choices[i].name;
    }
    problems.add(value.source(), key,
                 fmt::format("expected one of {}, got {}", joined(names), quote_value(*text)));
}

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
    const auto* number = value.as_integer();
    if (number == nullptr) {
        wrong_type(value, key, "an integer", problems);
        return;
    }
    const std::int64_t workers = number->get();
    if (workers < kMinWorkers || workers > kMaxWorkers) {
        problems.add(value.source(), key,
                     fmt::format("expected an integer from {} to {}, got {}", kMinWorkers,
                                 kMaxWorkers, workers));
        return;
    }
    out.workers = static_cast<unsigned>(workers);
}

// ---------------------------------------------------------------------------------------------
// The schema: per section, its known keys and how each is read.

template <typename Settings>
struct KeySpec {
    std::string_view name;
    void (*read)(const toml::node& value, const std::string& key, Settings& out,
                 Problems& problems);
};

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

template <typename Settings, std::size_t N>
constexpr std::array<std::string_view, N> names_of(const std::array<KeySpec<Settings>, N>& keys) {
    std::array<std::string_view, N> names{};
    std::ranges::transform(keys, names.begin(), &KeySpec<Settings>::name);
    return names;
}

constexpr auto kNodeKeyNames = names_of(kNodeKeys);
constexpr auto kStateKeyNames = names_of(kStateKeys);
constexpr auto kLogKeyNames = names_of(kLogKeys);
constexpr auto kControlKeyNames = names_of(kControlKeys);
constexpr auto kRuntimeKeyNames = names_of(kRuntimeKeys);

void report_unknown_key(const toml::key& key, std::string_view section,
                        std::span<const std::string_view> names, Problems& problems) {
    std::string message;
    if (const auto suggestion = closest(key.str(), names)) {
        message = fmt::format("unknown key; did you mean '{}'?", *suggestion);
    } else {
        message = fmt::format("unknown key; [{}] has {}", section, joined(names));
    }
    problems.add(key.source(), dotted(section, key.str()), std::move(message));
}

template <typename Settings, std::size_t N>
void read_section(const toml::node& section, std::string_view name,
                  const std::array<KeySpec<Settings>, N>& keys, Settings& out, Problems& problems) {
    const toml::table* table = section.as_table();
    if (table == nullptr) {
        wrong_type(section, std::string(name), "a table", problems);
        return;
    }
    for (const auto& [key, value] : *table) {
        const auto spec = std::ranges::find(keys, key.str(), &KeySpec<Settings>::name);
        if (spec == keys.end()) {
            report_unknown_key(key, name, names_of(keys), problems);
            continue;
        }
        spec->read(value, dotted(name, key.str()), out, problems);
    }
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

struct SectionSpec {
    std::string_view name;
    void (*read)(const toml::node& section, Config& config, Problems& problems);
    std::span<const std::string_view> key_names;
};

constexpr std::array<SectionSpec, 5> kSections{{
    {"node", read_node, kNodeKeyNames},
    {"state", read_state, kStateKeyNames},
    {"log", read_log, kLogKeyNames},
    {"control", read_control, kControlKeyNames},
    {"runtime", read_runtime, kRuntimeKeyNames},
}};

constexpr std::array<std::string_view, kSections.size()> kSectionNames = [] {
    std::array<std::string_view, kSections.size()> names{};
    std::ranges::transform(kSections, names.begin(), &SectionSpec::name);
    return names;
}();

// A top-level key that is no section: a misspelt section, or a setting written outside its
// section (`role = "terminal"` above every header).
std::string unknown_top_level_message(const toml::key& key, const toml::node& value) {
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

void read_root(const toml::table& root, Config& config, Problems& problems) {
    for (const auto& [key, value] : root) {
        const auto section = std::ranges::find(kSections, key.str(), &SectionSpec::name);
        if (section == kSections.end()) {
            problems.add(key.source(), printable(key.str()), unknown_top_level_message(key, value));
            continue;
        }
        section->read(value, config, problems);
    }
}

// The one place toml++ reports a syntax error; it stops at the first one.
std::optional<toml::table> parse_toml(std::string_view text, Problems& problems) {
    try {
        return toml::parse(text);
    } catch (const toml::parse_error& error) {
        problems.add(error.source(), {}, printable(error.description()));
        return std::nullopt;
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the file.

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

std::string too_large_message(std::size_t bytes) {
    return fmt::format(
        "the file has more than {} bytes ({}); a configuration is a few lines, "
        "is this the right file?",
        kMaxFileBytes, bytes);
}

// The whole file, or the message saying why it cannot be a configuration file.
std::expected<std::string, std::string> read_small_file(const std::filesystem::path& file) {
    // O_NONBLOCK: opening a FIFO must not hang the daemon; such files are refused below anyway.
    const FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        return std::unexpected("cannot open the configuration file: " + errno_text(errno));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        return std::unexpected("cannot inspect the configuration file: " + errno_text(errno));
    }
    if (S_ISDIR(info.st_mode)) {
        return std::unexpected(std::string("is a directory, not a configuration file"));
    }
    if (!S_ISREG(info.st_mode)) {
        return std::unexpected(std::string("is not a regular file"));
    }
    if (static_cast<std::uint64_t>(info.st_size) > kMaxFileBytes) {
        return std::unexpected(too_large_message(static_cast<std::size_t>(info.st_size)));
    }
    // Read one byte more than allowed, so a file that grew since fstat is still caught.
    std::string text(kMaxFileBytes + 1, '\0');
    std::size_t size = 0;
    while (size < text.size()) {
        const ssize_t got = ::read(fd.get(), text.data() + size, text.size() - size);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return std::unexpected("cannot read the configuration file: " + errno_text(errno));
        }
        if (got == 0) {
            break;
        }
        size += static_cast<std::size_t>(got);
    }
    if (size > kMaxFileBytes) {
        return std::unexpected(too_large_message(size));
    }
    text.resize(size);
    return text;
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
    Problems problems(source);
    Config config = embedded_default();
    if (const auto root = parse_toml(toml_text, problems)) {
        read_root(*root, config, problems);
    }
    if (!problems.empty()) {
        return std::unexpected(problems.take());
    }
    return config;
}

std::expected<Config, ConfigErrors> load_file(const std::filesystem::path& file) {
    auto text = read_small_file(file);
    if (!text) {
        return std::unexpected(ConfigErrors{ConfigError{.source = file.string(),
                                                        .line = 0,
                                                        .column = 0,
                                                        .key = {},
                                                        .message = std::move(text.error())}});
    }
    return parse(*text, file.string());
}

Config embedded_default() {
    return Config{};
}

std::vector<std::string> restart_required_changes(const Config& running, const Config& reloaded) {
    // Everything except log.*: identity, paths and the thread pool are fixed at start-up.
    const std::array<std::pair<std::string_view, bool>, 7> settings{{
        {"node.id", running.node.id != reloaded.node.id},
        {"node.hall", running.node.hall != reloaded.node.hall},
        {"node.role", running.node.role != reloaded.node.role},
        {"state.dir", running.state.dir != reloaded.state.dir},
        {"control.socket", running.control.socket != reloaded.control.socket},
        {"control.group", running.control.group != reloaded.control.group},
        {"runtime.workers", running.runtime.workers != reloaded.runtime.workers},
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

// Shared machinery of the TOML file parsers (the daemon config and the hall file): collecting
// problems with their positions, printing untrusted text safely, "did you mean" suggestions,
// table-driven key specs, and the one place toml++ may throw. Internal to hk_config.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "daemon/config/config.hpp"

namespace hk::config::detail {

// Values echoed in messages are cut here: a message is one log line, not a copy of the input.
inline constexpr std::size_t kMaxShownBytes = 64;

// ---------------------------------------------------------------------------------------------
// Making untrusted text safe to print. Keys, values and even toml++'s messages come from the
// file; a control character or a bidi override in them must not forge or garble log lines.

// Length of the well-formed UTF-8 sequence at the start of `text` (0 if malformed), and its
// code point.
[[nodiscard]] std::size_t decode_utf8(std::string_view text, char32_t& code_point);

// C1 controls, line/paragraph separators and bidi controls: printable-looking text that is not.
[[nodiscard]] bool is_invisible_control(char32_t c);

// `text` with everything unprintable escaped; with `quoting`, also '"' and '\'.
[[nodiscard]] std::string printable(std::string_view text, bool quoting = false);

// A value from the file as it appears in a message: "quoted", escaped, and cut when long.
[[nodiscard]] std::string quote_value(std::string_view value);

// A name from the file as it appears in a message: escaped and cut when long, not quoted.
[[nodiscard]] std::string shown_name(std::string_view name);

// "section.key", the key escaped.
[[nodiscard]] std::string dotted(std::string_view path, std::string_view key);

// "path[index]".
[[nodiscard]] std::string indexed(std::string_view path, std::size_t index);

// ---------------------------------------------------------------------------------------------
// Collecting problems.

class Problems {
public:
    explicit Problems(std::string_view source) : source_(source) {}

    void add(const toml::source_region& where, std::string key, std::string message);
    // A problem with no place in the file, such as something missing from the whole file.
    void add_unplaced(std::string key, std::string message);

    [[nodiscard]] bool empty() const { return errors_.empty(); }
    // How many so far: a reader compares counts to learn whether a part was read cleanly.
    [[nodiscard]] std::size_t size() const { return errors_.size(); }

    // In file order: toml++ tables iterate in key order, and a technician reads top to bottom.
    [[nodiscard]] ConfigErrors take();

private:
    std::string source_;
    ConfigErrors errors_;
};

[[nodiscard]] std::string_view describe(toml::node_type type);

void wrong_type(const toml::node& value, const std::string& key, std::string_view expected,
                Problems& problems);

// ---------------------------------------------------------------------------------------------
// "Did you mean": the closest known name, offered only when it is close enough to be a typo.

[[nodiscard]] std::optional<std::string_view> closest(std::string_view word,
                                                      std::span<const std::string_view> names);

[[nodiscard]] std::string joined(std::span<const std::string_view> names,
                                 std::string_view separator = ", ");

// ---------------------------------------------------------------------------------------------
// Reading and checking single values. Each reader reports a problem and returns nothing (or
// leaves the destination alone) when the value is unusable.

[[nodiscard]] const std::string* expect_string(const toml::node& value, const std::string& key,
                                               Problems& problems);

[[nodiscard]] std::optional<std::int64_t> read_integer(const toml::node& value,
                                                       const std::string& key, std::int64_t min,
                                                       std::int64_t max, Problems& problems);

[[nodiscard]] std::optional<bool> read_boolean(const toml::node& value, const std::string& key,
                                               Problems& problems);

template <typename Enum>
struct Choice {
    std::string_view name;
    Enum value;
};

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

// ---------------------------------------------------------------------------------------------
// Tables: per table, its known keys and how each is read.

template <typename Settings>
struct KeySpec {
    std::string_view name;
    void (*read)(const toml::node& value, const std::string& key, Settings& out,
                 Problems& problems);
    bool required = false;
};

template <typename Settings, std::size_t N>
constexpr std::array<std::string_view, N> names_of(const std::array<KeySpec<Settings>, N>& keys) {
    std::array<std::string_view, N> names{};
    std::ranges::transform(keys, names.begin(), &KeySpec<Settings>::name);
    return names;
}

// `owner` names the table in the message when no known key is close: "[log]", "a window".
void report_unknown_key(const toml::key& key, std::string_view path, std::string_view owner,
                        std::span<const std::string_view> names, Problems& problems);

void report_missing_key(const toml::table& table, std::string_view path, std::string_view name,
                        Problems& problems);

// Reads every key of the table at `path` through its spec; unknown keys and missing required
// keys are problems.
template <typename Settings, std::size_t N>
void read_keys(const toml::table& table, std::string_view path, std::string_view owner,
               const std::array<KeySpec<Settings>, N>& keys, Settings& out, Problems& problems) {
    for (const auto& [key, value] : table) {
        const auto spec = std::ranges::find(keys, key.str(), &KeySpec<Settings>::name);
        if (spec == keys.end()) {
            report_unknown_key(key, path, owner, names_of(keys), problems);
            continue;
        }
        spec->read(value, dotted(path, key.str()), out, problems);
    }
    for (const auto& spec : keys) {
        if (spec.required && !table.contains(spec.name)) {
            report_missing_key(table, path, spec.name, problems);
        }
    }
}

// The same for a value that must be a table; returns whether it was one.
template <typename Settings, std::size_t N>
bool read_table(const toml::node& value, std::string_view path, std::string_view owner,
                const std::array<KeySpec<Settings>, N>& keys, Settings& out, Problems& problems) {
    const toml::table* table = value.as_table();
    if (table == nullptr) {
        wrong_type(value, std::string(path), "a table", problems);
        return false;
    }
    read_keys(*table, path, owner, keys, out, problems);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing and reading files.

// The one place toml++ reports a syntax error; it stops at the first one.
[[nodiscard]] std::optional<toml::table> parse_toml(std::string_view text, Problems& problems);

// What a file is called in the messages about reading it.
struct FileKind {
    std::string_view noun;     // "configuration file"
    std::string_view content;  // "a configuration is a few lines"
};

// The whole file, or one error (line 0) saying why it cannot be a file of this kind: missing,
// unreadable, not a regular file, or larger than 1 MiB.
[[nodiscard]] std::expected<std::string, ConfigErrors> read_small_file(
    const std::filesystem::path& file, const FileKind& kind);

}  // namespace hk::config::detail

// Shared machinery of the TOML file parsers: see toml_support.hpp.
#include "daemon/config/toml_support.hpp"

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

namespace hk::config::detail {
namespace {

constexpr std::size_t kMaxFileBytes = std::size_t{1024} * 1024;

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

// The longest prefix of `text` of at most `limit` bytes that does not split a UTF-8 sequence.
std::string_view cut(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) {
        return text;
    }
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
        --end;
    }
    return text.substr(0, end);
}

// Optimal string alignment distance: edits plus swaps of neighbours.
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

std::string too_large_message(std::size_t bytes, const FileKind& kind) {
    return fmt::format("the file has more than {} bytes ({}); {}, is this the right file?",
                       kMaxFileBytes, bytes, kind.content);
}

// The whole file, or the message saying why it cannot be a file of this kind.
std::expected<std::string, std::string> read_whole_file(const std::filesystem::path& file,
                                                        const FileKind& kind) {
    // O_NONBLOCK: opening a FIFO must not hang the daemon; such files are refused below anyway.
    const FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        return std::unexpected(fmt::format("cannot open the {}: {}", kind.noun, errno_text(errno)));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        return std::unexpected(
            fmt::format("cannot inspect the {}: {}", kind.noun, errno_text(errno)));
    }
    if (S_ISDIR(info.st_mode)) {
        return std::unexpected(fmt::format("is a directory, not a {}", kind.noun));
    }
    if (!S_ISREG(info.st_mode)) {
        return std::unexpected(std::string("is not a regular file"));
    }
    if (static_cast<std::uint64_t>(info.st_size) > kMaxFileBytes) {
        return std::unexpected(too_large_message(static_cast<std::size_t>(info.st_size), kind));
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
            return std::unexpected(
                fmt::format("cannot read the {}: {}", kind.noun, errno_text(errno)));
        }
        if (got == 0) {
            break;
        }
        size += static_cast<std::size_t>(got);
    }
    if (size > kMaxFileBytes) {
        return std::unexpected(too_large_message(size, kind));
    }
    text.resize(size);
    return text;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Printing untrusted text.

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

bool is_invisible_control(char32_t c) {
    return (c >= 0x80 && c <= 0x9F) || (c >= 0x2028 && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
}

std::string printable(std::string_view text, bool quoting) {
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

std::string quote_value(std::string_view value) {
    if (value.size() <= kMaxShownBytes) {
        return fmt::format("\"{}\"", printable(value, true));
    }
    return fmt::format("\"{}\"... ({} bytes)", printable(cut(value, kMaxShownBytes), true),
                       value.size());
}

std::string shown_name(std::string_view name) {
    if (name.size() <= kMaxShownBytes) {
        return printable(name);
    }
    return printable(cut(name, kMaxShownBytes)) + "...";
}

std::string dotted(std::string_view path, std::string_view key) {
    return fmt::format("{}.{}", path, printable(key));
}

std::string indexed(std::string_view path, std::size_t index) {
    return fmt::format("{}[{}]", path, index);
}

// ---------------------------------------------------------------------------------------------
// Collecting problems.

void Problems::add(const toml::source_region& where, std::string key, std::string message) {
    errors_.push_back(ConfigError{.source = source_,
                                  .line = where.begin.line,
                                  .column = where.begin.column,
                                  .key = std::move(key),
                                  .message = std::move(message)});
}

void Problems::add_unplaced(std::string key, std::string message) {
    errors_.push_back(
        ConfigError{.source = source_, .key = std::move(key), .message = std::move(message)});
}

ConfigErrors Problems::take() {
    std::ranges::sort(errors_, {}, [](const ConfigError& error) {
        return std::tie(error.line, error.column, error.key, error.message);
    });
    return std::move(errors_);
}

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

// ---------------------------------------------------------------------------------------------
// Suggestions.

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

std::string joined(std::span<const std::string_view> names, std::string_view separator) {
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
// Single values.

const std::string* expect_string(const toml::node& value, const std::string& key,
                                 Problems& problems) {
    if (const auto* text = value.as_string()) {
        return &text->get();
    }
    wrong_type(value, key, "a string", problems);
    return nullptr;
}

std::optional<std::int64_t> read_integer(const toml::node& value, const std::string& key,
                                         std::int64_t min, std::int64_t max, Problems& problems) {
    const auto* number = value.as_integer();
    if (number == nullptr) {
        wrong_type(value, key, "an integer", problems);
        return std::nullopt;
    }
    const std::int64_t got = number->get();
    if (got < min || got > max) {
        problems.add(value.source(), key,
                     fmt::format("expected an integer from {} to {}, got {}", min, max, got));
        return std::nullopt;
    }
    return got;
}

std::optional<bool> read_boolean(const toml::node& value, const std::string& key,
                                 Problems& problems) {
    if (const auto* flag = value.as_boolean()) {
        return flag->get();
    }
    wrong_type(value, key, "a boolean (true or false)", problems);
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Tables.

void report_unknown_key(const toml::key& key, std::string_view path, std::string_view owner,
                        std::span<const std::string_view> names, Problems& problems) {
    std::string message;
    if (const auto suggestion = closest(key.str(), names)) {
        message = fmt::format("unknown key; did you mean '{}'?", *suggestion);
    } else {
        message = fmt::format("unknown key; {} has {}", owner, joined(names));
    }
    problems.add(key.source(), dotted(path, key.str()), std::move(message));
}

void report_missing_key(const toml::table& table, std::string_view path, std::string_view name,
                        Problems& problems) {
    problems.add(table.source(), dotted(path, name), "missing; this key is required");
}

// ---------------------------------------------------------------------------------------------
// Parsing and files.

std::optional<toml::table> parse_toml(std::string_view text, Problems& problems) {
    try {
        return toml::parse(text);
    } catch (const toml::parse_error& error) {
        problems.add(error.source(), {}, printable(error.description()));
        return std::nullopt;
    }
}

std::expected<std::string, ConfigErrors> read_small_file(const std::filesystem::path& file,
                                                         const FileKind& kind) {
    auto text = read_whole_file(file, kind);
    if (!text) {
        return std::unexpected(ConfigErrors{ConfigError{.source = file.string(),
                                                        .line = 0,
                                                        .column = 0,
                                                        .key = {},
                                                        .message = std::move(text.error())}});
    }
    return std::move(*text);
}

}  // namespace hk::config::detail

// Fuzz target for the config parser: arbitrary bytes as a config file. Whatever the input,
// parse() must not crash or throw, an accepted config must satisfy every documented
// constraint, and a rejection must come with printable, ordered, non-empty errors.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/config/config.hpp"

namespace {

constexpr std::string_view kSource = "fuzz.toml";
constexpr std::size_t kSunPathBytes = 108;

void require(bool condition, const char* what) {
    if (!condition) {
        static_cast<void>(std::fprintf(stderr, "config_fuzz: invariant violated: %s\n", what));
        std::abort();
    }
}

bool is_node_name(std::string_view name) {
    const auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    return !name.empty() && name.size() <= 32 && allowed(name.front()) &&
           std::ranges::all_of(name, [&](char c) { return allowed(c) || c == '-'; });
}

bool is_group_name(std::string_view name) {
    const auto first = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
    const auto rest = [&](char c) { return first(c) || (c >= '0' && c <= '9') || c == '-'; };
    return !name.empty() && name.size() <= 32 && first(name.front()) &&
           std::ranges::all_of(name, rest);
}

bool is_usable_absolute_path(const std::string& path) {
    return path.starts_with('/') && path.find('\0') == std::string::npos;
}

void check_accepted(const hk::config::Config& config) {
    using hk::config::to_string;
    require(is_node_name(config.node.id), "node.id matches [a-z0-9][a-z0-9-]{0,31}");
    require(is_node_name(config.node.hall), "node.hall matches [a-z0-9][a-z0-9-]{0,31}");
    require(to_string(config.node.role) != "unknown", "node.role is a known role");
    require(to_string(config.log.level) != "unknown", "log.level is a known level");
    require(to_string(config.log.sink) != "unknown", "log.sink is a known sink");
    require(is_usable_absolute_path(config.state.dir.native()), "state.dir is absolute");
    require(is_usable_absolute_path(config.control.socket.native()), "control.socket is absolute");
    require(config.control.socket.native().size() < kSunPathBytes, "control.socket fits sun_path");
    require(!config.control.group || is_group_name(*config.control.group),
            "control.group is a valid group name");
    require(config.runtime.workers >= 1 && config.runtime.workers <= 16,
            "runtime.workers is 1..16");
}

void check_rejected(const hk::config::ConfigErrors& errors) {
    require(!errors.empty(), "a rejection has at least one error");
    for (std::size_t i = 0; i < errors.size(); ++i) {
        const auto& error = errors[i];
        require(error.source == kSource, "every error names the source");
        require(!error.message.empty(), "every error has a message");
        require(error.line != 0 || error.column == 0, "a column comes with a line");
        // The text goes to logs and terminals: a file must not be able to inject control codes.
        const std::string text = error.to_string();
        require(std::ranges::none_of(text,
                                     [](char c) {
                                         const auto byte = static_cast<unsigned char>(c);
                                         return byte < 0x20 || byte == 0x7F;
                                     }),
                "error text has no control characters");
        if (i > 0) {
            const auto& previous = errors[i - 1];
            require(
                std::pair(previous.line, previous.column) <= std::pair(error.line, error.column),
                "errors are in file order");
        }
    }
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = hk::config::parse(text, kSource);
    if (result) {
        check_accepted(*result);
    } else {
        check_rejected(result.error());
    }
    return 0;
}

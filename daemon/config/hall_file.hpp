// The hall definition file: the service items (事项), the windows (窗口) that serve them, the
// hall's queue rules and its alert thresholds, as TOML (docs/hall-file.md). Parsed and validated
// like the daemon config: every problem is collected, each with its position and dotted key path,
// and a hall that is accepted satisfies every constraint the queue engine relies on (unique codes,
// prefixes and window ids, references to defined services, well-formed and non-overlapping time
// ranges).
#pragma once

#include <expected>
#include <filesystem>
#include <string_view>

#include "daemon/config/config.hpp"
#include "daemon/queue/hall.hpp"

namespace hk::config {

// Parses and validates hall-file text. Collects every problem found (not only the first).
// `source` names the text in error messages.
[[nodiscard]] std::expected<queue::HallDefinition, ConfigErrors> parse_hall(
    std::string_view toml_text, std::string_view source);

// Reads and parses a hall file. A missing, unreadable, non-regular or over-1-MiB file is one
// ConfigError with line 0, as for load_file.
[[nodiscard]] std::expected<queue::HallDefinition, ConfigErrors> load_hall_file(
    const std::filesystem::path& file);

// The hall a controller runs when no hall file is given: packaging/demo-hall.toml, compiled in
// and parsed on first use.
[[nodiscard]] const queue::HallDefinition& demo_hall();

}  // namespace hk::config

// Human-readable rendering of daemon answers for hallctl. Pure functions: the daemon's
// results are outside input, so every field may be missing or of the wrong type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hk::hallctl {

// "45s", "3m 12s", "2h 5m", "4d 3h": the two largest units, rounded down.
[[nodiscard]] std::string format_duration(std::uint64_t milliseconds);

// "512 B", "96.0 KiB", "1.5 MiB": binary units, one decimal.
[[nodiscard]] std::string format_size(std::uint64_t bytes);

// Reading fields of an answer defensively. The member `key` of `object` if `object` is an
// object that has it; its text (made printable), or "?" when missing or not a string; its
// value as an unsigned count, if it is one.
[[nodiscard]] const nlohmann::json* member(const nlohmann::json& object, std::string_view key);
[[nodiscard]] std::string text_of(const nlohmann::json& object, std::string_view key);
[[nodiscard]] std::optional<std::uint64_t> count_of(const nlohmann::json& object,
                                                    std::string_view key);

// Replaces control characters (terminal escapes included) so that text from the daemon
// cannot rewrite the terminal.
[[nodiscard]] std::string printable(std::string_view text);

// The result of the daemon's "status" command, one "label  value" line per item.
[[nodiscard]] std::string render_status(const nlohmann::json& result);

// The result of the daemon's "help" command: one "name  summary" line per command.
[[nodiscard]] std::string render_command_list(const nlohmann::json& result);

// Milliseconds since the Unix epoch as local "YYYY-MM-DD HH:MM:SS".
[[nodiscard]] std::string format_time(std::int64_t unix_ms);

// The result of the daemon's "note" command: the event the note was recorded as.
[[nodiscard]] std::string render_note(const nlohmann::json& result);

// The result of the daemon's "events" command: one "seq  time  type  payload" line per event.
[[nodiscard]] std::string render_events(const nlohmann::json& result);

// Milliseconds since the Unix epoch as "YYYY-MM-DD HH:MM:SS" in the hall's time, at
// `utc_offset_minutes` east of UTC (not the time zone of the machine hallctl runs on).
[[nodiscard]] std::string format_hall_time(std::int64_t unix_ms, int utc_offset_minutes);

// "4:05" (minutes:seconds) or "1:02:03" for an hour or more, rounded down to the second.
[[nodiscard]] std::string format_minutes(std::uint64_t milliseconds);

// The result of the daemon's "explain" command: the ticket, its times and each call of it with
// the strategy, rule and tickets beaten, or the officer's reason.
[[nodiscard]] std::string render_explain(const nlohmann::json& result);

// The result of the daemon's "stats" command: a table, one row per group and a total.
[[nodiscard]] std::string render_stats(const nlohmann::json& result);

// The result of the daemon's "alerts" command: one line per alert, then the thresholds.
[[nodiscard]] std::string render_alerts(const nlohmann::json& result);

}  // namespace hk::hallctl

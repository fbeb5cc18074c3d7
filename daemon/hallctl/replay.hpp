// `hallctl replay`: runs the queue engine alone, without a daemon, on a script of operations in
// simulated hall time, and prints one answer per operation. For trying a hall file before it goes
// live, reproducing a reported day, and documenting the engine with real output.
//
//   {"op":"login","window":"2","officer":"1002"}
//   {"at":"08:30","op":"take","service":"SOC","class":"green"}
//   {"op":"advance_clock","minutes":15}
//     → {"at":"2026-01-05T08:00","line":1,"ok":true,"op":"login"}
//       {"at":"2026-01-05T08:30","estimated_wait_s":0,"line":2,"ok":true,"op":"take",…}
//       {"at":"2026-01-05T08:45","from":"2026-01-05T08:30","line":3,"ok":true,…}
//
// The operations are those of daemon/queue/operations.hpp; docs/queue-replay.md describes the
// script format, the clock rules and the exit codes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "daemon/queue/hall.hpp"
#include "daemon/queue/state.hpp"
#include "daemon/queue/statistics.hpp"

namespace hk::hallctl {

// Exit codes of replay besides kExitOk and kExitUsage (sysexits.h).
inline constexpr int kExitNoInput = 66;   // EX_NOINPUT: the script cannot be opened
inline constexpr int kExitSoftware = 70;  // EX_SOFTWARE: an internal error (out of memory)
inline constexpr int kExitIoError = 74;   // EX_IOERR: the answers could not be written
inline constexpr int kExitConfig = 78;    // EX_CONFIG: the hall file is invalid

// A script line longer than this is answered bad_request without being parsed.
inline constexpr std::size_t kMaxScriptLineBytes = std::size_t{64} * 1024;
// advance_clock moves at most one week per line.
inline constexpr int kMaxAdvanceMinutes = 7 * 24 * 60;

inline constexpr std::string_view kDefaultReplayStart = "2026-01-05T08:00";  // a Monday
inline constexpr std::string_view kDefaultUtcOffset = "+08:00";
inline constexpr std::string_view kReplayActor = "replay";

// "+08:00" / "-05:30" as minutes east of UTC (−14:00 to +14:00).
[[nodiscard]] std::optional<int> parse_utc_offset(std::string_view text);

// Local "YYYY-MM-DDTHH:MM" (years 1970 to 9999) at `utc_offset_minutes` as hall time.
[[nodiscard]] std::optional<queue::Millis> parse_local_time(std::string_view text,
                                                            int utc_offset_minutes);

// Hall time as local "YYYY-MM-DDTHH:MM" at `utc_offset_minutes` (seconds are dropped).
[[nodiscard]] std::string format_local_time(queue::Millis at, int utc_offset_minutes);

struct ReplayClock {
    queue::Millis start = 0;
    int utc_offset_minutes = 480;
};

struct ReplaySummary {
    std::size_t lines = 0;       // lines read, blank ones included
    std::size_t operations = 0;  // answers written
    std::size_t refused = 0;     // answers with "ok":false
};

// Runs the script on a fresh engine for `hall`: one compact JSON answer per non-blank line on
// `out`, in order. Never throws for anything in the script; stops early only if `out` fails.
// With `statistics`, it then writes the statistics of each hall day that had tickets (or, if
// none had, of the day the clock ended in), grouped so, one line each in the format of the
// daemon's "stats" answer.
ReplaySummary replay(const queue::HallDefinition& hall, const ReplayClock& clock,
                     std::istream& script, std::ostream& out,
                     std::optional<queue::Grouping> statistics = std::nullopt);

// The command line of `hallctl replay`.
struct ReplayOptions {
    std::optional<std::filesystem::path> config;  // hall file; none: the embedded demo hall
    std::string script;                           // a file, or "-" for `stdin`
    std::string start{kDefaultReplayStart};
    std::string utc_offset{kDefaultUtcOffset};
    bool stats = false;           // print the days' statistics after the answers
    std::string stats_by{"day"};  // their grouping (queue::parse_grouping)
};

// The whole command: checks the options, loads the hall, opens the script and replays it.
// Returns the exit code; errors go to `err`. Never throws.
[[nodiscard]] int run_replay(const ReplayOptions& options, std::istream& stdin_stream,
                             std::ostream& out, std::ostream& err);

}  // namespace hk::hallctl

// `hallctl replay`: see replay.hpp. A Replayer owns the engine and the simulated clock and turns
// one script line into one answer; `replay` reads the lines, `run_replay` is the command around
// it (options, hall file, script file, exit codes).
#include "daemon/hallctl/replay.hpp"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "daemon/config/hall_file.hpp"
#include "daemon/hallctl/commands.hpp"
#include "daemon/hallctl/format.hpp"
#include "daemon/queue/engine.hpp"
#include "daemon/queue/operations.hpp"
#include "daemon/queue/reports.hpp"

namespace hk::hallctl {
namespace {

using nlohmann::json;
using queue::Millis;

constexpr Millis kMinuteMs = 60'000;
constexpr int kMinutesPerDay = 1440;
constexpr Millis kDayMs = kMinutesPerDay * kMinuteMs;
constexpr int kMaxOffsetMinutes = 14 * 60;
constexpr int kMinYear = 2000;
constexpr int kMaxYear = 9999;
// Parser messages quote the text they stopped at; a screenful is enough to find the mistake.
constexpr std::size_t kMaxQuotedBytes = 200;

Millis floor_div(Millis value, Millis divisor) {
    const auto quotient = value / divisor;
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient;
}

// Reads `count` decimal digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t count) {
    if (pos + count > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return std::nullopt;
        }
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// "HH:MM" as minutes since midnight.
std::optional<int> parse_minute_of_day(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') {
        return std::nullopt;
    }
    const auto hours = digits(text, 0, 2);
    const auto minutes = digits(text, 3, 2);
    if (!hours || !minutes || *hours > 23 || *minutes > 59) {
        return std::nullopt;
    }
    return *hours * 60 + *minutes;
}

// The start of the local day that `at` falls in, as hall time.
Millis local_midnight(Millis at, int utc_offset_minutes) {
    const auto offset = utc_offset_minutes * kMinuteMs;
    return floor_div(at + offset, kDayMs) * kDayMs - offset;
}

// Keeps at most `limit` bytes without cutting a UTF-8 sequence in two.
std::string shortened(std::string text, std::size_t limit) {
    if (text.size() <= limit) {
        return text;
    }
    auto end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
        --end;
    }
    text.resize(end);
    return text + "…";
}

// The parser's message without its "[json.exception.parse_error.101] " prefix.
std::string parse_error_text(const json::exception& error) {
    std::string_view text = error.what();
    if (text.starts_with('[')) {
        const auto end = text.find("] ");
        if (end != std::string_view::npos) {
            text.remove_prefix(end + 2);
        }
    }
    return shortened(std::string(text), kMaxQuotedBytes);
}

json bad_request(std::string message) {
    return json{{"ok", false}, {"error", "bad_request"}, {"message", std::move(message)}};
}

enum class LineRead : std::uint8_t { line, too_long, end };

// Reads one line (without its "\n" or "\r\n"). A line over kMaxScriptLineBytes is consumed to
// its end but not kept, so no input can make replay hold more than one line's worth.
LineRead read_line(std::streambuf* in, std::string& line) {
    using traits = std::streambuf::traits_type;
    line.clear();
    if (in == nullptr) {
        return LineRead::end;
    }
    bool any = false;
    bool too_long = false;
    for (auto c = in->sbumpc(); !traits::eq_int_type(c, traits::eof()); c = in->sbumpc()) {
        any = true;
        if (traits::to_char_type(c) == '\n') {
            break;
        }
        if (line.size() < kMaxScriptLineBytes + 1) {
            line.push_back(traits::to_char_type(c));
        } else {
            too_long = true;
        }
    }
    if (!any) {
        return LineRead::end;
    }
    if (line.ends_with('\r')) {
        line.pop_back();
    }
    return too_long || line.size() > kMaxScriptLineBytes ? LineRead::too_long : LineRead::line;
}

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// The engine, its simulated clock and the rules replay adds to operations.hpp: the "at" field
// and the advance_clock operation.
class Replayer {
public:
    Replayer(const queue::HallDefinition& hall, const ReplayClock& clock)
        : engine_(hall, clock.utc_offset_minutes),
          now_(clock.start),
          offset_(clock.utc_offset_minutes),
          latest_(parse_local_time("9999-12-31T23:59", clock.utc_offset_minutes)
                      .value_or(std::numeric_limits<queue::Millis>::max())),
          statistics_(clock.utc_offset_minutes, hall.rules.day_reset) {}

    // The answer to one script line, with its line number and the clock after it.
    json answer(std::size_t line_number, std::string_view line) {
        return stamped(run(line), line_number);
    }

    json answer_too_long(std::size_t line_number) {
        return stamped(
            bad_request(fmt::format("line is longer than {} bytes", kMaxScriptLineBytes)),
            line_number);
    }

    // The statistics of every day that had tickets, or else of the clock's day, one line each.
    void write_statistics(queue::Grouping by, std::ostream& out) const {
        auto days = statistics_.days();
        if (days.empty()) {
            days.push_back(queue::hall_day(now_, offset_, engine_.state().hall.rules.day_reset));
        }
        for (const auto day : days) {
            if (const auto report = statistics_.report(day, by)) {
                out << queue::statistics_json(*report).dump(-1, ' ', false,
                                                            json::error_handler_t::replace)
                    << '\n';
            }
        }
    }

private:
    json run(std::string_view line) {
        json operation;
        try {
            operation = json::parse(line);
        } catch (const json::exception& error) {
            return bad_request("line is not valid JSON: " + parse_error_text(error));
        }
        if (!operation.is_object()) {
            return bad_request("line is not a JSON object");
        }
        if (auto refused = set_clock(operation)) {
            name_operation(operation, *refused);
            return std::move(*refused);
        }
        const auto op = operation.find("op");
        if (op != operation.end() && *op == "advance_clock") {
            return advance_clock(operation);
        }
        events_.clear();  // replay keeps no log; the answer says what happened
        auto answer = queue::run_operation(engine_, now_, kReplayActor, operation, events_);
        statistics_.add(events_);
        return answer;
    }

    // Applies the line's "at" field, if any. Returns the refusal when it cannot.
    std::optional<json> set_clock(const json& operation) {
        const auto at = operation.find("at");
        if (at == operation.end() || at->is_null()) {
            return std::nullopt;
        }
        const auto target =
            at->is_string() ? parse_at(at->get_ref<const std::string&>()) : std::nullopt;
        if (!target) {
            return bad_request("'at' must be HH:MM or YYYY-MM-DDTHH:MM");
        }
        return move_clock_to(*target, "'at' " + format_local_time(*target, offset_));
    }

    // "HH:MM" is on the clock's current local day; the full form names the day.
    std::optional<Millis> parse_at(std::string_view text) const {
        if (const auto minute = parse_minute_of_day(text)) {
            return local_midnight(now_, offset_) + *minute * kMinuteMs;
        }
        return parse_local_time(text, offset_);
    }

    json advance_clock(const json& operation) {
        const auto from = now_;
        const auto minutes = operation.find("minutes");
        const auto to = operation.find("to");
        const bool has_minutes = minutes != operation.end() && !minutes->is_null();
        const bool has_to = to != operation.end() && !to->is_null();
        json result;
        if (has_minutes == has_to) {
            result = bad_request("advance_clock needs either 'minutes' or 'to'");
        } else if (has_minutes) {
            result = advance_by(*minutes);
        } else {
            result = advance_to(*to);
        }
        result["op"] = "advance_clock";
        if (result["ok"] == true) {
            result["from"] = format_local_time(from, offset_);
        }
        return result;
    }

    json advance_by(const json& minutes) {
        if (!minutes.is_number_integer() || minutes.get<std::int64_t>() < 1 ||
            minutes.get<std::int64_t>() > kMaxAdvanceMinutes) {
            return bad_request(
                fmt::format("'minutes' must be an integer from 1 to {}", kMaxAdvanceMinutes));
        }
        const auto target = now_ + minutes.get<std::int64_t>() * kMinuteMs;
        return move_clock_to(target, "advance_clock").value_or(json{{"ok", true}});
    }

    // The next time the local clock shows `to`: later today, or tomorrow if that has passed
    // (or is now: advance_clock always moves the clock).
    json advance_to(const json& to) {
        const auto minute =
            to.is_string() ? parse_minute_of_day(to.get_ref<const std::string&>()) : std::nullopt;
        if (!minute) {
            return bad_request("'to' must be HH:MM");
        }
        auto target = local_midnight(now_, offset_) + *minute * kMinuteMs;
        if (target <= now_) {
            target += kDayMs;
        }
        return move_clock_to(target, "advance_clock").value_or(json{{"ok", true}});
    }

    // Moves the clock forward to `target`; refuses going back or past the last supported time.
    std::optional<json> move_clock_to(Millis target, std::string_view what) {
        if (target < now_) {
            return bad_request(fmt::format("{} is before the clock ({}); the clock never goes back",
                                           what, format_local_time(now_, offset_)));
        }
        if (target > latest_) {
            return bad_request(fmt::format("{} would move the clock past {}", what,
                                           format_local_time(latest_, offset_)));
        }
        now_ = target;
        return std::nullopt;
    }

    json stamped(json answer, std::size_t line_number) const {
        answer["line"] = line_number;
        answer["at"] = format_local_time(now_, offset_);
        return answer;
    }

    static void name_operation(const json& operation, json& answer) {
        const auto op = operation.find("op");
        if (op != operation.end() && op->is_string()) {
            answer["op"] = *op;
        }
    }

    queue::Engine engine_;
    queue::Events events_;
    Millis now_;
    int offset_;
    Millis latest_;
    queue::Statistics statistics_;
};

// Opens the script named on the command line; "-" is standard input.
std::istream* open_script(const std::string& name, std::istream& stdin_stream, std::ifstream& file,
                          std::ostream& err) {
    if (name == "-") {
        return &stdin_stream;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(name, ec)) {
        err << "hallctl: cannot open the script " << printable(name) << ": it is a directory\n";
        return nullptr;
    }
    errno = 0;
    file.open(name, std::ios::binary);
    if (!file) {
        const auto reason = errno != 0 ? std::error_code(errno, std::generic_category()).message()
                                       : std::string("cannot be read");
        err << "hallctl: cannot open the script " << printable(name) << ": " << reason << '\n';
        return nullptr;
    }
    return &file;
}

int run_replay_checked(const ReplayOptions& options, std::istream& stdin_stream, std::ostream& out,
                       std::ostream& err) {
    const auto offset = parse_utc_offset(options.utc_offset);
    if (!offset) {
        err << "hallctl: --utc-offset must be +HH:MM or -HH:MM (at most 14:00), got \""
            << printable(options.utc_offset) << "\"\n";
        return kExitUsage;
    }
    const auto start = parse_local_time(options.start, *offset);
    if (!start) {
        err << "hallctl: --start must be YYYY-MM-DDTHH:MM (years " << kMinYear << " to " << kMaxYear
            << "), got \"" << printable(options.start) << "\"\n";
        return kExitUsage;
    }
    if (options.script.empty()) {
        err << "hallctl: --script needs a file name, or - for standard input\n";
        return kExitUsage;
    }
    std::optional<queue::HallDefinition> loaded;
    if (options.config) {
        auto hall = config::load_hall_file(*options.config);
        if (!hall) {
            for (const auto& error : hall.error()) {
                err << error.to_string() << '\n';
            }
            return kExitConfig;
        }
        loaded = std::move(*hall);
    }
    std::optional<queue::Grouping> statistics;
    if (options.stats) {
        statistics = queue::parse_grouping(options.stats_by);
        if (!statistics) {
            err << "hallctl: --by must be day, hour, service, window, officer or channel, got \""
                << printable(options.stats_by) << "\"\n";
            return kExitUsage;
        }
    }
    std::ifstream file;
    auto* script = open_script(options.script, stdin_stream, file, err);
    if (script == nullptr) {
        return kExitNoInput;
    }
    static_cast<void>(replay(loaded ? *loaded : config::demo_hall(), ReplayClock{*start, *offset},
                             *script, out, statistics));
    out.flush();
    if (!out) {
        err << "hallctl: cannot write the answers\n";
        return kExitIoError;
    }
    return kExitOk;
}

}  // namespace

std::optional<int> parse_utc_offset(std::string_view text) {
    if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
        return std::nullopt;
    }
    const auto hours = digits(text, 1, 2);
    const auto minutes = digits(text, 4, 2);
    if (!hours || !minutes || *minutes > 59) {
        return std::nullopt;
    }
    const auto total = *hours * 60 + *minutes;
    if (total > kMaxOffsetMinutes) {
        return std::nullopt;
    }
    return text[0] == '-' ? -total : total;
}

std::optional<Millis> parse_local_time(std::string_view text, int utc_offset_minutes) {
    if (text.size() != 16 || text[10] != 'T') {
        return std::nullopt;
    }
    const auto day = queue::parse_day(text.substr(0, 10));
    const auto minute = parse_minute_of_day(text.substr(11));
    const auto first_day =
        std::chrono::sys_days{std::chrono::year{kMinYear} / 1 / 1}.time_since_epoch().count();
    if (!day || !minute || *day < first_day) {
        return std::nullopt;
    }
    return *day * kDayMs + (*minute - utc_offset_minutes) * kMinuteMs;
}

std::string format_local_time(Millis at, int utc_offset_minutes) {
    const auto local = at + utc_offset_minutes * kMinuteMs;
    const auto days = floor_div(local, kDayMs);
    const auto minute = (local - days * kDayMs) / kMinuteMs;
    return fmt::format("{}T{:02}:{:02}", queue::format_day(days), minute / 60, minute % 60);
}

ReplaySummary replay(const queue::HallDefinition& hall, const ReplayClock& clock,
                     std::istream& script, std::ostream& out,
                     std::optional<queue::Grouping> statistics) {
    Replayer replayer(hall, clock);
    ReplaySummary summary;
    auto* buffer = script.rdbuf();
    std::string line;
    for (auto read = read_line(buffer, line); read != LineRead::end;
         read = read_line(buffer, line)) {
        ++summary.lines;
        if (summary.lines == 1 && line.starts_with("\xEF\xBB\xBF")) {
            line.erase(0, 3);  // a byte order mark left by some Windows editors
        }
        if (read == LineRead::line && is_blank(line)) {
            continue;
        }
        const auto answer = read == LineRead::too_long ? replayer.answer_too_long(summary.lines)
                                                       : replayer.answer(summary.lines, line);
        ++summary.operations;
        if (answer.value("ok", false) != true) {
            ++summary.refused;
        }
        out << answer.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
        // Answer a script typed or piped in as soon as no more input is waiting.
        if (buffer->in_avail() <= 0) {
            out.flush();
        }
        if (!out) {
            return summary;
        }
    }
    if (statistics) {
        replayer.write_statistics(*statistics, out);
    }
    return summary;
}

int run_replay(const ReplayOptions& options, std::istream& stdin_stream, std::ostream& out,
               std::ostream& err) {
    try {
        return run_replay_checked(options, stdin_stream, out, err);
    } catch (const std::exception& error) {
        err << "hallctl: replay stopped: " << error.what() << '\n';
    } catch (...) {
        err << "hallctl: replay stopped by an unexpected error\n";
    }
    return kExitSoftware;
}

}  // namespace hk::hallctl

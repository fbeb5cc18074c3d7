// Queue statistics: a pure accumulator that consumes queue events in log order and answers a
// day's report — tickets issued, served, no-shows, abandoned and closed, waiting and service
// times (mean, median, p90, max) and evaluations — for the whole day or grouped by hour,
// service, window, officer or channel. The event log is the single source: the daemon feeds
// every event it replays and every event it commits, `hallctl replay --stats` every event of a
// script. It also keeps the per-window bookkeeping the alerts need (which officer is at each
// window, since when a window is idle). docs/statistics.md defines every metric.
//
//   Statistics statistics(480, 0);
//   for (const auto& event : log) { statistics.add(event); }
//   auto report = statistics.report(day, Grouping::service);
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/queue/events.hpp"
#include "daemon/queue/state.hpp"

namespace hk::queue {

// Statistics are kept in memory for this many hall days: the newest day seen in the events and
// the days before it. Older days are dropped as new ones begin; the event log still has them.
inline constexpr int kStatisticsDaysKept = 31;

// How a report groups the day's tickets. `day` is the whole day in one row.
enum class Grouping : std::uint8_t { day, hour, service, window, officer, channel };

[[nodiscard]] std::string_view to_string(Grouping grouping);
[[nodiscard]] std::optional<Grouping> parse_grouping(std::string_view name);

// A hall day (hall_day() in state.hpp) as the local date it starts on, "YYYY-MM-DD", and back.
[[nodiscard]] std::string format_day(std::int64_t day);
[[nodiscard]] std::optional<std::int64_t> parse_day(std::string_view text);

// A set of measured durations (ms). Empty when count is 0.
struct DurationSummary {
    std::int64_t count = 0;
    Millis mean = 0;    // rounded to the nearest ms
    Millis median = 0;  // the middle value; for an even count the mean of the middle two
    Millis p90 = 0;     // nearest rank: the smallest value at least 90% of values do not exceed
    Millis max = 0;
    friend bool operator==(const DurationSummary&, const DurationSummary&) = default;
};

// The metrics of one group of tickets (or of the whole day).
struct GroupStatistics {
    std::string key;  // the service code, window id, officer id, channel name or "HH:00";
                      // empty: the tickets of no window / officer (never called)
    std::int64_t issued = 0;
    std::int64_t served = 0;               // finished (evaluated or not)
    std::int64_t no_shows = 0;             // dropped after too many no-shows (过号)
    std::int64_t abandoned = 0;            // the citizen left
    std::int64_t closed = 0;               // still open at the day's rollover (自动过号)
    std::int64_t open = 0;                 // none of those yet: waiting, called, serving or held
    DurationSummary wait;                  // issue to first call, of tickets called
    DurationSummary service;               // service start (or the call, without one) to finish
    std::array<std::int64_t, 5> scores{};  // evaluations with score 1..5
    [[nodiscard]] std::int64_t evaluated() const;
    // Share of evaluations scoring 4 or 5; none when nothing was evaluated.
    [[nodiscard]] std::optional<double> satisfaction() const;
    friend bool operator==(const GroupStatistics&, const GroupStatistics&) = default;
};

struct StatisticsReport {
    std::int64_t day = 0;
    Grouping by = Grouping::day;
    GroupStatistics total;                // the whole day
    std::vector<GroupStatistics> groups;  // empty for Grouping::day
};

// When each staffed, idle window became idle (for the idle-window alert), by window id.
using IdleSince = std::map<std::string, Millis, std::less<>>;

class Statistics {
public:
    explicit Statistics(int utc_offset_minutes = 480, MinuteOfDay day_reset = 0,
                        int days_kept = kStatisticsDaysKept);

    // Consumes events in log order. Events of tickets it never saw issued are ignored.
    void add(const QueueEvent& event);
    void add(std::span<const QueueEvent> events);

    // The report of hall day `day`, or nothing when that day is older than the days kept.
    // A day without tickets (in the future, say) has a report of zeros.
    [[nodiscard]] std::optional<StatisticsReport> report(std::int64_t day, Grouping by) const;

    // The days kept that have tickets, oldest first.
    [[nodiscard]] std::vector<std::int64_t> days() const;
    // The oldest day a report can be asked for, once any event has been seen.
    [[nodiscard]] std::optional<std::int64_t> first_day_kept() const;
    [[nodiscard]] int days_kept() const { return days_kept_; }

    // Staffed windows that hold no ticket and are not paused, and since when.
    [[nodiscard]] IdleSince idle_since() const;
    // The officer logged in at `window`, empty if none.
    [[nodiscard]] std::string officer_at(std::string_view window) const;

private:
    enum class Outcome : std::uint8_t { open, served, no_show, abandoned, closed };

    // What the report needs of one ticket.
    struct TicketRecord {
        TicketId id = 0;
        Millis issued_at = 0;
        std::string service;  // the service it was taken for (a transfer does not move it)
        Channel channel = Channel::walkin;
        std::optional<Millis> first_called_at;
        std::optional<Millis> service_ms;
        std::string window;   // where it was served, or else last called
        std::string officer;  // logged in at that window then
        Outcome outcome = Outcome::open;
        std::optional<int> score;
    };

    struct WindowTrack {
        std::string officer;
        std::optional<TicketId> current;
        bool paused = false;
        Millis idle_since = 0;
    };

    void begin_day(std::int64_t day);
    TicketRecord* record(TicketId id);
    // The window no longer holds `id`: it is idle from `at` (if it held it).
    void release(const std::string& window, TicketId id, Millis at);
    [[nodiscard]] std::string group_key(const TicketRecord& ticket, Grouping by) const;

    int utc_offset_minutes_;
    MinuteOfDay day_reset_;
    int days_kept_;
    std::optional<std::int64_t> newest_day_;
    // Per hall day, its tickets in issue order; index_ finds a ticket's day and place.
    std::map<std::int64_t, std::vector<TicketRecord>> days_;
    std::unordered_map<TicketId, std::pair<std::int64_t, std::size_t>> index_;
    std::map<std::string, WindowTrack, std::less<>> windows_;
};

}  // namespace hk::queue

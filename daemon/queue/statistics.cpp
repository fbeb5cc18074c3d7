// Queue statistics: see statistics.hpp. The accumulator keeps one small record per ticket of
// the days kept (what the report needs, no personal data) and the state of each staffed window;
// a report groups the day's records and summarises their times.
#include "daemon/queue/statistics.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <type_traits>

#include <fmt/format.h>

namespace hk::queue {
namespace {

constexpr int kMinutesPerHour = 60;
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 9999;

// The channel names of the event format (docs/queue-events.md). The codec owns them; the test
// of this file checks that the two agree.
std::string_view channel_name(Channel channel) {
    switch (channel) {
        case Channel::walkin:
            return "walkin";
        case Channel::idcard:
            return "idcard";
        case Channel::phone:
            return "phone";
        case Channel::appointment:
            return "appointment";
        case Channel::priority_code:
            return "priority_code";
        case Channel::remote:
            return "remote";
        case Channel::sticker:
            return "sticker";
    }
    return "";
}

DurationSummary summarise(std::vector<Millis>& samples) {
    DurationSummary summary;
    if (samples.empty()) {
        return summary;
    }
    std::sort(samples.begin(), samples.end());
    const auto n = static_cast<std::int64_t>(samples.size());
    const auto at = [&](std::int64_t i) { return samples[static_cast<std::size_t>(i)]; };
    summary.count = n;
    const auto sum = std::accumulate(samples.begin(), samples.end(), Millis{0});
    summary.mean = (sum + n / 2) / n;
    summary.median = n % 2 == 1 ? at(n / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
    summary.p90 = at((9 * n + 9) / 10 - 1);  // rank ⌈0.9·n⌉, counted from 1
    summary.max = at(n - 1);
    return summary;
}

// A group while the report is being built: its counts and its raw times.
struct Group {
    GroupStatistics stats;
    std::vector<Millis> waits;
    std::vector<Millis> services;
    Millis first_issued = 0;
};

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Window and officer ids are often numbers: "2" comes before "10". The group of no window
// (an empty key) comes last.
bool key_before(std::string_view a, std::string_view b) {
    if (a.empty() || b.empty()) {
        return !a.empty() && b.empty();
    }
    if (all_digits(a) && all_digits(b) && a.size() != b.size()) {
        return a.size() < b.size();
    }
    return a < b;
}

}  // namespace

std::string_view to_string(Grouping grouping) {
    switch (grouping) {
        case Grouping::day:
            return "day";
        case Grouping::hour:
            return "hour";
        case Grouping::service:
            return "service";
        case Grouping::window:
            return "window";
        case Grouping::officer:
            return "officer";
        case Grouping::channel:
            return "channel";
    }
    return "";
}

std::optional<Grouping> parse_grouping(std::string_view name) {
    for (const auto grouping : {Grouping::day, Grouping::hour, Grouping::service, Grouping::window,
                                Grouping::officer, Grouping::channel}) {
        if (to_string(grouping) == name) {
            return grouping;
        }
    }
    return std::nullopt;
}

std::string format_day(std::int64_t day) {
    const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

std::optional<std::int64_t> parse_day(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    const auto number = [&](std::size_t pos, std::size_t count) -> std::optional<int> {
        int value = 0;
        for (std::size_t i = pos; i < pos + count; ++i) {
            if (text[i] < '0' || text[i] > '9') {
                return std::nullopt;
            }
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    const auto year = number(0, 4);
    const auto month = number(5, 2);
    const auto day = number(8, 2);
    if (!year || !month || !day || *year < kMinYear || *year > kMaxYear) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{*year},
                                           std::chrono::month{static_cast<unsigned>(*month)},
                                           std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days{date}.time_since_epoch().count();
}

std::int64_t GroupStatistics::evaluated() const {
    return std::accumulate(scores.begin(), scores.end(), std::int64_t{0});
}

std::optional<double> GroupStatistics::satisfaction() const {
    const auto total = evaluated();
    if (total == 0) {
        return std::nullopt;
    }
    return static_cast<double>(scores[3] + scores[4]) / static_cast<double>(total);
}

Statistics::Statistics(int utc_offset_minutes, MinuteOfDay day_reset, int days_kept)
    : utc_offset_minutes_(utc_offset_minutes),
      day_reset_(day_reset),
      days_kept_(std::max(days_kept, 1)) {}

void Statistics::begin_day(std::int64_t day) {
    if (newest_day_ && day <= *newest_day_) {
        return;
    }
    newest_day_ = day;
    const auto first = day - days_kept_ + 1;
    while (!days_.empty() && days_.begin()->first < first) {
        for (const auto& ticket : days_.begin()->second) {
            index_.erase(ticket.id);
        }
        days_.erase(days_.begin());
    }
}

Statistics::TicketRecord* Statistics::record(TicketId id) {
    const auto it = index_.find(id);
    if (it == index_.end()) {
        return nullptr;
    }
    const auto day = days_.find(it->second.first);
    if (day == days_.end() || it->second.second >= day->second.size()) {
        return nullptr;
    }
    return &day->second[it->second.second];
}

void Statistics::release(const std::string& window, TicketId id, Millis at) {
    const auto it = windows_.find(window);
    if (it != windows_.end() && it->second.current == id) {
        it->second.current.reset();
        it->second.idle_since = at;
    }
}

void Statistics::add(std::span<const QueueEvent> events) {
    for (const auto& event : events) {
        add(event);
    }
}

void Statistics::add(const QueueEvent& event) {
    const auto at = event.at;
    std::visit(
        [&](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, TicketIssued>) {
                const auto day = hall_day(at, utc_offset_minutes_, day_reset_);
                begin_day(day);
                if (day < *newest_day_ - days_kept_ + 1) {
                    return;  // older than the days kept (only from a log out of order)
                }
                auto& tickets = days_[day];
                TicketRecord ticket;
                ticket.id = e.id;
                ticket.issued_at = at;
                ticket.service = e.service;
                ticket.channel = e.channel;
                index_[e.id] = {day, tickets.size()};
                tickets.push_back(std::move(ticket));
            } else if constexpr (std::is_same_v<E, OfficerLoggedIn>) {
                windows_[e.window] = WindowTrack{e.officer, std::nullopt, false, at};
            } else if constexpr (std::is_same_v<E, OfficerLoggedOut>) {
                windows_.erase(e.window);
            } else if constexpr (std::is_same_v<E, TicketCalled>) {
                if (auto* ticket = record(e.id)) {
                    if (!ticket->first_called_at) {
                        ticket->first_called_at = at;
                    }
                    ticket->window = e.window;
                    ticket->officer = officer_at(e.window);
                }
                const auto window = windows_.find(e.window);
                if (window != windows_.end()) {
                    window->second.current = e.id;
                    window->second.paused = false;  // calling ends a pause
                }
            } else if constexpr (std::is_same_v<E, TicketNoShow>) {
                auto* ticket = record(e.id);
                if (ticket != nullptr && e.abandoned && ticket->outcome == Outcome::open) {
                    ticket->outcome = Outcome::no_show;
                }
                release(e.window, e.id, at);
            } else if constexpr (std::is_same_v<E, TicketTransferred>) {
                release(e.from_window, e.id, at);
            } else if constexpr (std::is_same_v<E, TicketHeld>) {
                release(e.window, e.id, at);
            } else if constexpr (std::is_same_v<E, WindowPaused>) {
                const auto window = windows_.find(e.window);
                if (window != windows_.end()) {
                    window->second.paused = true;
                }
            } else if constexpr (std::is_same_v<E, WindowResumed>) {
                const auto window = windows_.find(e.window);
                if (window != windows_.end()) {
                    window->second.paused = false;
                    window->second.idle_since = at;
                }
            } else if constexpr (std::is_same_v<E, ServiceFinished>) {
                if (auto* ticket = record(e.id)) {
                    if (ticket->outcome == Outcome::open) {
                        ticket->outcome = Outcome::served;
                    }
                    ticket->service_ms = e.service_ms;
                    ticket->window = e.window;
                    ticket->officer = officer_at(e.window);
                }
                release(e.window, e.id, at);
            } else if constexpr (std::is_same_v<E, TicketEvaluated>) {
                if (auto* ticket = record(e.id)) {
                    ticket->score = e.score;
                }
            } else if constexpr (std::is_same_v<E, TicketAbandoned>) {
                if (auto* ticket = record(e.id); ticket != nullptr) {
                    if (ticket->outcome == Outcome::open) {
                        ticket->outcome = Outcome::abandoned;
                    }
                    release(ticket->window, e.id, at);
                }
            } else if constexpr (std::is_same_v<E, TicketsClosed>) {
                for (const auto id : e.ids) {
                    if (auto* ticket = record(id); ticket != nullptr) {
                        if (ticket->outcome == Outcome::open) {
                            ticket->outcome = Outcome::closed;
                        }
                    }
                }
            } else if constexpr (std::is_same_v<E, DayRolledOver>) {
                for (const auto id : e.closed) {
                    if (auto* ticket = record(id); ticket != nullptr) {
                        if (ticket->outcome == Outcome::open) {
                            ticket->outcome = Outcome::closed;
                        }
                    }
                }
                for (auto& [id, window] : windows_) {
                    if (window.current) {
                        window.current.reset();
                        window.idle_since = at;
                    }
                }
                begin_day(e.new_day);
            }
            // TicketRecalled, ServiceStarted, appointments and ClockAdvanced change nothing
            // the statistics count.
        },
        event.body);
}

std::string Statistics::group_key(const TicketRecord& ticket, Grouping by) const {
    switch (by) {
        case Grouping::day:
            return {};
        case Grouping::hour:
            return fmt::format(
                "{:02}:00", minute_of_day(ticket.issued_at, utc_offset_minutes_) / kMinutesPerHour);
        case Grouping::service:
            return ticket.service;
        case Grouping::window:
            return ticket.window;
        case Grouping::officer:
            return ticket.officer;
        case Grouping::channel:
            return std::string(channel_name(ticket.channel));
    }
    return {};
}

std::optional<StatisticsReport> Statistics::report(std::int64_t day, Grouping by) const {
    if (newest_day_ && day < *newest_day_ - days_kept_ + 1) {
        return std::nullopt;
    }
    StatisticsReport report;
    report.day = day;
    report.by = by;
    const auto tickets = days_.find(day);
    if (tickets == days_.end()) {
        return report;
    }
    Group total;
    std::map<std::string, Group> groups;
    const auto count = [](Group& group, const TicketRecord& ticket) {
        auto& stats = group.stats;
        ++stats.issued;
        switch (ticket.outcome) {
            case Outcome::open:
                ++stats.open;
                break;
            case Outcome::served:
                ++stats.served;
                break;
            case Outcome::no_show:
                ++stats.no_shows;
                break;
            case Outcome::abandoned:
                ++stats.abandoned;
                break;
            case Outcome::closed:
                ++stats.closed;
                break;
        }
        if (ticket.first_called_at) {
            group.waits.push_back(*ticket.first_called_at - ticket.issued_at);
        }
        if (ticket.service_ms) {
            group.services.push_back(*ticket.service_ms);
        }
        if (ticket.score && *ticket.score >= 1 && *ticket.score <= 5) {
            ++stats.scores[static_cast<std::size_t>(*ticket.score - 1)];
        }
    };
    for (const auto& ticket : tickets->second) {
        count(total, ticket);
        if (by != Grouping::day) {
            auto [group, inserted] = groups.try_emplace(group_key(ticket, by));
            if (inserted) {
                group->second.stats.key = group->first;
                group->second.first_issued = ticket.issued_at;
            }
            count(group->second, ticket);
        }
    }
    const auto finish = [](Group& group) {
        group.stats.wait = summarise(group.waits);
        group.stats.service = summarise(group.services);
        return std::move(group.stats);
    };
    report.total = finish(total);
    std::vector<Group*> ordered;
    ordered.reserve(groups.size());
    for (auto& [key, group] : groups) {
        ordered.push_back(&group);
    }
    // Keys are unique, and so are the first issue times of different hours.
    std::sort(ordered.begin(), ordered.end(), [by](const Group* a, const Group* b) {
        // Hours in the order the day went (a day may begin at day_reset, not at midnight).
        return by == Grouping::hour ? a->first_issued < b->first_issued
                                    : key_before(a->stats.key, b->stats.key);
    });
    report.groups.reserve(ordered.size());
    for (auto* group : ordered) {
        report.groups.push_back(finish(*group));
    }
    return report;
}

std::vector<std::int64_t> Statistics::days() const {
    std::vector<std::int64_t> out;
    out.reserve(days_.size());
    for (const auto& [day, tickets] : days_) {
        if (!tickets.empty()) {
            out.push_back(day);
        }
    }
    return out;
}

std::optional<std::int64_t> Statistics::first_day_kept() const {
    if (!newest_day_) {
        return std::nullopt;
    }
    return *newest_day_ - days_kept_ + 1;
}

IdleSince Statistics::idle_since() const {
    IdleSince out;
    for (const auto& [id, window] : windows_) {
        if (!window.paused && !window.current) {
            out.emplace(id, window.idle_since);
        }
    }
    return out;
}

std::string Statistics::officer_at(std::string_view window) const {
    const auto it = windows_.find(window);
    return it == windows_.end() ? std::string() : it->second.officer;
}

}  // namespace hk::queue

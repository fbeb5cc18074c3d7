// Threshold alerts: see alerts.hpp. Each check walks the class lanes (state.hpp: ServiceLanes,
// which carry each waiting ticket's queue time) once without looking tickets up, then looks at
// a few tickets per window, so the daemon can check after every operation even with thousands
// of tickets waiting.
#include "daemon/queue/alerts.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "daemon/queue/strategy.hpp"

namespace hk::queue {
namespace {

constexpr Millis kMinute = 60'000;

// Whether `a` joined its queue before `b` (none: never); equal times go by queue order.
bool earlier(const Ticket* a, const Ticket* b) {
    return a != nullptr && (b == nullptr || std::tie(a->queued_at, a->queue_key) <
                                                std::tie(b->queued_at, b->queue_key));
}

bool earlier(const LaneEntry* a, const LaneEntry* b) {
    return a != nullptr && (b == nullptr || std::tie(a->queued_at, a->queue_key) <
                                                std::tie(b->queued_at, b->queue_key));
}

// The waiting tickets as the checks need them, gathered in one pass over the waiting lists:
// per service the ticket that joined first, and the few sent to one named window.
struct Waiting {
    struct Service {
        std::int64_t count = 0;
        const Ticket* oldest = nullptr;       // of all its waiting tickets
        const Ticket* oldest_open = nullptr;  // of those any window serving it may call
    };
    std::map<std::string, Service, std::less<>> services;
    std::vector<const Ticket*> targeted;  // transferred to one named window

    explicit Waiting(const QueueState& state) {
        for (const auto& [code, lanes] : state.lanes) {
            const LaneEntry* oldest = nullptr;
            const LaneEntry* oldest_open = nullptr;
            std::int64_t count = 0;
            for (const auto& lane : lanes.by_class) {
                count += static_cast<std::int64_t>(lane.size());
                for (const auto& entry : lane) {
                    if (earlier(&entry, oldest)) {
                        oldest = &entry;
                    }
                    if (entry.restricted) {
                        if (const auto* ticket = state.find_ticket(entry.id)) {
                            targeted.push_back(ticket);
                        }
                    } else if (earlier(&entry, oldest_open)) {
                        oldest_open = &entry;
                    }
                }
            }
            if (state.waiting.contains(code)) {
                services[code] = {count, ticket_of(state, oldest), ticket_of(state, oldest_open)};
            }
        }
    }

    static const Ticket* ticket_of(const QueueState& state, const LaneEntry* entry) {
        return entry == nullptr ? nullptr : state.find_ticket(entry->id);
    }

    // The waiting ticket `window` may call that joined its queue first.
    [[nodiscard]] const Ticket* oldest_for(const Window& window) const {
        const Ticket* oldest = nullptr;
        for (const auto& serves : window.serves) {
            const auto service = services.find(serves.service);
            if (service != services.end() && earlier(service->second.oldest_open, oldest)) {
                oldest = service->second.oldest_open;
            }
        }
        for (const auto* ticket : targeted) {
            if (window_may_serve(window, *ticket) && earlier(ticket, oldest)) {
                oldest = ticket;
            }
        }
        return oldest;
    }
};

std::int64_t minutes(std::int64_t ms) {
    return ms / kMinute;
}

}  // namespace

std::string_view to_string(AlertKind kind) {
    switch (kind) {
        case AlertKind::max_wait:
            return "max_wait";
        case AlertKind::queue_length:
            return "queue_length";
        case AlertKind::idle_window:
            return "idle_window";
    }
    return "";
}

std::vector<Alert> evaluate_alerts(const QueueState& state, const AlertThresholds& thresholds,
                                   Millis now, const IdleSince& idle_since) {
    std::vector<Alert> waits;
    std::vector<Alert> lengths;
    std::vector<Alert> idle;
    if (hall_day(now, state.utc_offset_minutes, state.hall.rules.day_reset) > state.day) {
        return {};
    }
    const Millis wait_limit = Millis{thresholds.max_wait_minutes} * kMinute;
    const Millis idle_limit = Millis{thresholds.idle_window_minutes} * kMinute;
    const Waiting waiting(state);
    for (const auto& [service, queue] : waiting.services) {
        if (thresholds.max_queue_length > 0 && queue.count > thresholds.max_queue_length) {
            lengths.push_back({AlertKind::queue_length,
                               service,
                               queue.count,
                               thresholds.max_queue_length,
                               {},
                               0});
        }
        const auto* oldest = queue.oldest;
        if (wait_limit > 0 && oldest != nullptr && now - oldest->queued_at > wait_limit) {
            waits.push_back({AlertKind::max_wait, service, now - oldest->queued_at, wait_limit,
                             oldest->number, oldest->queued_at + wait_limit});
        }
    }
    if (idle_limit > 0) {
        for (const auto& window : state.hall.windows) {
            const auto status = state.windows.find(window.id);
            if (status == state.windows.end() || status->second.state != WindowState::idle) {
                continue;
            }
            const auto* oldest = waiting.oldest_for(window);
            if (oldest == nullptr) {
                continue;
            }
            // Idle *while* the ticket waited: from the later of the two.
            Millis start = oldest->queued_at;
            if (const auto since = idle_since.find(window.id); since != idle_since.end()) {
                start = std::max(start, since->second);
            }
            if (now - start > idle_limit) {
                idle.push_back({AlertKind::idle_window, window.id, now - start, idle_limit,
                                oldest->number, start + idle_limit});
            }
        }
    }
    std::vector<Alert> out = std::move(waits);
    out.insert(out.end(), lengths.begin(), lengths.end());
    out.insert(out.end(), idle.begin(), idle.end());
    return out;
}

std::string describe(const Alert& alert) {
    switch (alert.kind) {
        case AlertKind::max_wait:
            return fmt::format(
                "{0} 最久等候的 {1} 已等 {2} 分钟（上限 {3} 分钟） ({0}: {1} has waited {2} min; "
                "limit {3} min)",
                alert.subject, alert.ticket, minutes(alert.value), minutes(alert.limit));
        case AlertKind::queue_length:
            return fmt::format(
                "{0} 有 {1} 个号在等候（上限 {2} 个） ({0}: {1} tickets waiting; "
                "limit {2})",
                alert.subject, alert.value, alert.limit);
        case AlertKind::idle_window:
            return fmt::format(
                "{0}号窗口空闲 {1} 分钟，{2} 在等候（上限 {3} 分钟） (window {0} idle for {1} "
                "min while {2} waits; limit {3} min)",
                alert.subject, minutes(alert.value), alert.ticket, minutes(alert.limit));
    }
    return {};
}

AlertChanges AlertMonitor::update(const std::vector<Alert>& current) {
    AlertChanges changes;
    std::map<std::pair<AlertKind, std::string>, Alert> next;
    for (const auto& alert : current) {
        auto key = std::make_pair(alert.kind, alert.subject);
        if (!active_.contains(key)) {
            changes.started.push_back(alert);
        }
        next.insert_or_assign(std::move(key), alert);
    }
    for (const auto& [key, alert] : active_) {
        if (!next.contains(key)) {
            changes.cleared.push_back(alert);
        }
    }
    active_ = std::move(next);
    return changes;
}

std::vector<Alert> AlertMonitor::active() const {
    std::vector<Alert> out;
    out.reserve(active_.size());
    for (const auto& [key, alert] : active_) {
        out.push_back(alert);
    }
    return out;
}

}  // namespace hk::queue

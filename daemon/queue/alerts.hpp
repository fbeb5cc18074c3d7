// Threshold alerts on the live queue: a service whose longest-waiting ticket has waited too
// long, a service with too many tickets waiting, and a staffed window left idle while a ticket
// it may serve waits. Evaluating them is a pure function of the state, the hall's thresholds
// (hall.hpp, AlertThresholds), the time and when each window became idle (kept by Statistics);
// AlertMonitor turns successive evaluations into started / cleared edges, so the daemon logs
// each alert once when it starts and once when it clears. docs/statistics.md describes them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/queue/state.hpp"
#include "daemon/queue/statistics.hpp"

namespace hk::queue {

enum class AlertKind : std::uint8_t {
    max_wait,      // a service's longest-waiting ticket waited longer than max_wait_minutes
    queue_length,  // more than max_queue_length tickets wait for a service
    idle_window,   // a staffed window idle longer than idle_window_minutes while work waits
};

[[nodiscard]] std::string_view to_string(AlertKind kind);

struct Alert {
    AlertKind kind = AlertKind::max_wait;
    std::string subject;     // the service code, or the window id for idle_window
    std::int64_t value = 0;  // ms waited or idle, or tickets waiting
    std::int64_t limit = 0;  // the threshold in the same unit
    std::string ticket;      // max_wait: the longest-waiting ticket; idle_window: the ticket the
                             // window could call that waited longest; empty for queue_length
    Millis since = 0;        // when it crossed the threshold; 0 for queue_length (unknown)
    friend bool operator==(const Alert&, const Alert&) = default;
};

// The alerts at `now`, by kind and then subject. A threshold of 0 is off. A state from an
// earlier hall day than `now` has none: its tickets are closed at the next operation.
// Exactly at a threshold is not over it: a ticket that has waited 30 minutes to the
// millisecond does not raise a 30-minute alert.
[[nodiscard]] std::vector<Alert> evaluate_alerts(const QueueState& state,
                                                 const AlertThresholds& thresholds, Millis now,
                                                 const IdleSince& idle_since);

// One line for logs and hallctl, 中文 and English:
// "SOC 最久等候的 A003 已等 42 分钟，超过 30 分钟 (SOC: A003 has waited 42 min, over 30)".
[[nodiscard]] std::string describe(const Alert& alert);

struct AlertChanges {
    std::vector<Alert> started;
    std::vector<Alert> cleared;  // as they were when last seen
};

// Remembers which alerts are active (by kind and subject) between evaluations.
class AlertMonitor {
public:
    // The alerts that started or cleared since the last update.
    AlertChanges update(const std::vector<Alert>& current);
    [[nodiscard]] std::vector<Alert> active() const;

private:
    std::map<std::pair<AlertKind, std::string>, Alert> active_;
};

}  // namespace hk::queue

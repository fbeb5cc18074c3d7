// The queue's reports as JSON, shared by the daemon's control commands and `hallctl replay`:
// why a ticket was called (`explain`), a day's statistics (`stats`) and the current alerts
// (`alerts`). docs/control-socket.md shows each answer; docs/statistics.md defines the numbers.
#pragma once

#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/queue/alerts.hpp"
#include "daemon/queue/engine.hpp"
#include "daemon/queue/statistics.hpp"

namespace hk::queue {

// Today's ticket `number` at hall time `now`: its service, class, channel, state and times (with
// the hall's UTC offset, to show them in hall time), and every call of it with the strategy, the
// rule and the tickets it beat (or, for a call the officer chose, the reason). Never the citizen's
// identity. Errors: unknown_ticket (no such ticket today; a state not yet rolled over to the day of
// `now` holds none of today's).
[[nodiscard]] QueueResult<nlohmann::json> explain_ticket(const Engine& engine,
                                                         std::string_view number, Millis now);

// A statistics report: {"day","by","total":{...},"groups":[{"key",...},...]}.
[[nodiscard]] nlohmann::json statistics_json(const StatisticsReport& report);

// One alert: {"kind","subject","value","limit","ticket","since_ms","message"}.
[[nodiscard]] nlohmann::json alert_json(const Alert& alert);

// {"alerts":[...],"thresholds":{...}}.
[[nodiscard]] nlohmann::json alerts_json(std::span<const Alert> alerts,
                                         const AlertThresholds& thresholds);

}  // namespace hk::queue

// The queue's reports as JSON: see reports.hpp.
#include "daemon/queue/reports.hpp"

#include <array>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "daemon/queue/event_codec.hpp"

namespace hk::queue {
namespace {

using nlohmann::json;

json duration_json(const DurationSummary& summary) {
    if (summary.count == 0) {
        return json{{"count", 0},
                    {"mean", nullptr},
                    {"median", nullptr},
                    {"p90", nullptr},
                    {"max", nullptr}};
    }
    return json{{"count", summary.count},
                {"mean", summary.mean},
                {"median", summary.median},
                {"p90", summary.p90},
                {"max", summary.max}};
}

json group_json(const GroupStatistics& group) {
    const auto satisfaction = group.satisfaction();
    return json{{"issued", group.issued},
                {"served", group.served},
                {"no_shows", group.no_shows},
                {"abandoned", group.abandoned},
                {"closed", group.closed},
                {"open", group.open},
                {"wait_ms", duration_json(group.wait)},
                {"service_ms", duration_json(group.service)},
                {"evaluations",
                 {{"count", group.evaluated()},
                  {"scores", group.scores},
                  {"satisfaction", satisfaction ? json(*satisfaction) : json(nullptr)}}}};
}

json call_json(const CallRecord& call) {
    json out{{"at_ms", call.at},
             {"window", call.window},
             {"actor", call.actor},
             {"specific", call.specific}};
    if (!call.explanation.rule.empty()) {
        out["rule"] = call.explanation.rule;
    }
    if (call.specific) {
        // The officer chose the ticket; the window's strategy did not.
        out["reason"] = call.reason;
    } else {
        out["strategy"] = to_string(call.explanation.strategy);
        out["beaten"] = call.explanation.beaten;
    }
    return out;
}

}  // namespace

QueueResult<json> explain_ticket(const Engine& engine, std::string_view number, Millis now) {
    const auto& state = engine.state();
    const bool stale =
        hall_day(now, state.utc_offset_minutes, state.hall.rules.day_reset) > state.day;
    const auto* ticket = stale ? nullptr : state.find_by_number(number);
    if (ticket == nullptr) {
        return std::unexpected(
            QueueError{QueueErrc::unknown_ticket, fmt::format("no ticket {} today", number)});
    }
    json out{{"ticket", ticket->number},
             {"service", ticket->service},
             {"class", to_string(ticket->ticket_class)},
             {"channel", to_string(ticket->channel)},
             {"state", to_string(ticket->state)},
             {"recalls", ticket->recalls},
             {"no_shows", ticket->no_shows},
             {"issued_at_ms", ticket->issued_at},
             {"utc_offset_minutes", state.utc_offset_minutes}};
    if (!ticket->window.empty()) {
        out["window"] = ticket->window;
    }
    if (!ticket->target_window.empty()) {
        out["target_window"] = ticket->target_window;
    }
    const std::array<std::pair<const char*, const std::optional<Millis>*>, 4> times{{
        {"called_at_ms", &ticket->called_at},
        {"serving_at_ms", &ticket->serving_at},
        {"finished_at_ms", &ticket->finished_at},
        {"ended_at_ms", &ticket->ended_at},
    }};
    for (const auto& [key, time] : times) {
        if (time->has_value()) {
            out[key] = **time;
        }
    }
    if (ticket->state == TicketState::waiting) {
        out["waiting_ahead"] = engine.waiting_ahead(ticket->id);
    }
    json calls = json::array();
    for (const auto& call : ticket->calls) {
        calls.push_back(call_json(call));
    }
    out["calls"] = std::move(calls);
    return out;
}

json statistics_json(const StatisticsReport& report) {
    json groups = json::array();
    for (const auto& group : report.groups) {
        auto entry = group_json(group);
        entry["key"] = group.key.empty() ? json(nullptr) : json(group.key);
        groups.push_back(std::move(entry));
    }
    return json{{"day", format_day(report.day)},
                {"by", to_string(report.by)},
                {"total", group_json(report.total)},
                {"groups", std::move(groups)}};
}

json alert_json(const Alert& alert) {
    json out{{"kind", to_string(alert.kind)},
             {"subject", alert.subject},
             {"value", alert.value},
             {"limit", alert.limit},
             {"message", describe(alert)}};
    if (!alert.ticket.empty()) {
        out["ticket"] = alert.ticket;
    }
    if (alert.since != 0) {
        out["since_ms"] = alert.since;
    }
    return out;
}

json alerts_json(std::span<const Alert> alerts, const AlertThresholds& thresholds) {
    json list = json::array();
    for (const auto& alert : alerts) {
        list.push_back(alert_json(alert));
    }
    return json{{"alerts", std::move(list)},
                {"thresholds",
                 {{"max_wait_minutes", thresholds.max_wait_minutes},
                  {"max_queue_length", thresholds.max_queue_length},
                  {"idle_window_minutes", thresholds.idle_window_minutes}}}};
}

}  // namespace hk::queue

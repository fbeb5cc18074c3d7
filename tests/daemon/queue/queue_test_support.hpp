// A small hall for queue tests, a fake hall clock, and helpers that run an operation and
// insist it succeeded (or failed with a given code).
#pragma once

#include <catch2/catch.hpp>

#include "daemon/queue/engine.hpp"

namespace hk::queue::test {

// 2026-11-23 08:00 China Standard Time, in ms since the epoch.
inline constexpr Millis kMonday0800 = 1'795'392'000'000;
inline constexpr Millis kMinute = 60'000;

// Services: RE (A, real estate), TAX (B), SOC (C, issuing 08:00-17:00, daily quota 5).
// Windows: w1 serves RE+TAX fifo; w2 serves RE class_priority; w3 serves SOC counted_ratio 2:1;
// w4 serves RE appointment_slot; w5 and w6 share display "dual".
inline HallDefinition small_hall() {
    HallDefinition hall;
    auto service = [](std::string code, std::string prefix) {
        ServiceItem s;
        s.code = std::move(code);
        s.name_zh = s.code;
        s.name_en = s.code;
        s.prefix = std::move(prefix);
        return s;
    };
    hall.services = {service("RE", "A"), service("TAX", "B"), service("SOC", "C")};
    hall.services[2].issuing_hours = {{8 * 60, 17 * 60}};
    hall.services[2].daily_quota = 5;
    auto window = [](std::string id, std::vector<std::string> serves, StrategyKind kind) {
        Window w;
        w.id = std::move(id);
        w.name = w.id;
        for (auto& s : serves) {
            w.serves.push_back({std::move(s), 1});
        }
        w.strategy.kind = kind;
        return w;
    };
    hall.windows = {window("w1", {"RE", "TAX"}, StrategyKind::fifo),
                    window("w2", {"RE"}, StrategyKind::class_priority),
                    window("w3", {"SOC"}, StrategyKind::counted_ratio),
                    window("w4", {"RE"}, StrategyKind::appointment_slot),
                    window("w5", {"TAX"}, StrategyKind::fifo),
                    window("w6", {"TAX"}, StrategyKind::fifo)};
    hall.windows[4].display = hall.windows[5].display = "dual";
    hall.rules.max_recalls = 2;
    hall.rules.no_show_requeue_after = 2;
    hall.rules.no_show_abandon_after = 2;
    return hall;
}

// Runs `result` and returns its events, failing the test with the error otherwise.
inline Events ok(QueueResult<Events> result) {
    if (!result) {
        FAIL("operation refused: " << to_string(result.error().code) << ": "
                                   << result.error().message);
    }
    return std::move(*result);
}

inline QueueErrc refused(const QueueResult<Events>& result) {
    REQUIRE_FALSE(result.has_value());
    return result.error().code;
}

// The ticket number issued by a take/check-in.
inline std::string issued_number(const Events& events) {
    for (const auto& event : events) {
        if (const auto* issued = std::get_if<TicketIssued>(&event.body)) {
            return issued->number;
        }
    }
    FAIL("no ticket issued");
    return {};
}

inline std::string called_number(const Engine& engine, const Events& events) {
    for (const auto& event : events) {
        if (const auto* called = std::get_if<TicketCalled>(&event.body)) {
            return engine.state().tickets.at(called->id).number;
        }
    }
    FAIL("no ticket called");
    return {};
}

}  // namespace hk::queue::test

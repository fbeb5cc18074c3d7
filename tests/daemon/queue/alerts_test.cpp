// Threshold alerts: each kind on a hall driven through the real engine, the edges exactly at a
// threshold, alerts clearing, thresholds of 0, windows that may not serve a ticket, a state from
// an earlier day, the edges AlertMonitor reports, and the alerts as text and JSON.
#include "daemon/queue/alerts.hpp"

#include <catch2/catch.hpp>

#include "daemon/queue/reports.hpp"
#include "tests/daemon/queue/queue_test_support.hpp"

namespace hk::queue {
namespace {

using test::kMinute;
using test::kMonday0800;

constexpr std::string_view kOfficer = "window:w1/officer:7";

Millis at(int minute) {
    return kMonday0800 + minute * kMinute;
}

// The small test hall (queue_test_support.hpp) with its statistics fed every event.
class Hall {
public:
    void feed(QueueResult<Events> result) { statistics_.add(test::ok(std::move(result))); }
    void login(int minute, std::string_view window) {
        feed(engine_.login(at(minute), kOfficer, window, "7"));
    }
    std::string take(int minute, std::string_view service) {
        const auto events =
            test::ok(engine_.take(at(minute), "kiosk:k1", {.service = std::string(service)}));
        statistics_.add(events);
        return test::issued_number(events);
    }
    [[nodiscard]] std::vector<Alert> alerts(const AlertThresholds& thresholds, Millis now) const {
        return evaluate_alerts(engine_.state(), thresholds, now, statistics_.idle_since());
    }
    Engine& engine() { return engine_; }

private:
    Engine engine_{test::small_hall()};
    Statistics statistics_;
};

constexpr AlertThresholds kWaitOnly{
    .max_wait_minutes = 30, .max_queue_length = 0, .idle_window_minutes = 0};
constexpr AlertThresholds kLengthOnly{
    .max_wait_minutes = 0, .max_queue_length = 2, .idle_window_minutes = 0};
constexpr AlertThresholds kIdleOnly{
    .max_wait_minutes = 0, .max_queue_length = 0, .idle_window_minutes = 5};

}  // namespace

TEST_CASE("a wait alert fires once the longest wait is over the threshold, not at it") {
    Hall hall;
    hall.login(0, "w1");
    hall.take(0, "RE");
    hall.take(5, "RE");
    CHECK(hall.alerts(kWaitOnly, at(30)).empty());
    const auto alerts = hall.alerts(kWaitOnly, at(30) + 1);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0] == Alert{.kind = AlertKind::max_wait,
                             .subject = "RE",
                             .value = 30 * kMinute + 1,
                             .limit = 30 * kMinute,
                             .ticket = "A001",
                             .since = at(30)});
}

TEST_CASE("a no-show's wait counts from when it went back into the queue") {
    Hall hall;
    hall.login(0, "w1");
    hall.take(0, "RE");
    hall.take(5, "RE");
    hall.feed(hall.engine().call_next(at(10), kOfficer, "w1"));
    hall.feed(hall.engine().no_show(at(11), kOfficer, "w1"));  // A001 requeued at 08:11
    const auto alerts = hall.alerts(kWaitOnly, at(35) + 1);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].ticket == "A002");
    CHECK(alerts[0].since == at(35));
}

TEST_CASE("a queue length alert fires when more tickets wait than the threshold") {
    Hall hall;
    hall.login(0, "w1");
    hall.take(0, "RE");
    hall.take(0, "RE");
    hall.take(0, "TAX");
    CHECK(hall.alerts(kLengthOnly, at(1)).empty());  // 2 waiting is not over 2
    hall.take(1, "RE");
    const auto alerts = hall.alerts(kLengthOnly, at(1));
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0] == Alert{.kind = AlertKind::queue_length,
                             .subject = "RE",
                             .value = 3,
                             .limit = 2,
                             .ticket = {},
                             .since = 0});
}

TEST_CASE("an idle window alert fires when a staffed window idles while its ticket waits") {
    Hall hall;
    hall.login(0, "w1");
    hall.take(10, "RE");  // the window was idle before: the wait counts from the ticket
    CHECK(hall.alerts(kIdleOnly, at(15)).empty());
    auto alerts = hall.alerts(kIdleOnly, at(15) + 1);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0] == Alert{.kind = AlertKind::idle_window,
                             .subject = "w1",
                             .value = 5 * kMinute + 1,
                             .limit = 5 * kMinute,
                             .ticket = "A001",
                             .since = at(15)});
    hall.login(12, "w2");  // also serves RE, idle since 08:12
    alerts = hall.alerts(kIdleOnly, at(17) + 1);
    REQUIRE(alerts.size() == 2);
    CHECK(alerts[1].subject == "w2");
    CHECK(alerts[1].since == at(17));
}

TEST_CASE("an idle window alert counts from when the window became idle if that is later") {
    Hall hall;
    hall.login(0, "w1");
    hall.take(1, "RE");
    hall.take(2, "RE");
    hall.feed(hall.engine().call_next(at(3), kOfficer, "w1"));
    hall.feed(hall.engine().finish(at(20), kOfficer, "w1"));
    CHECK(hall.alerts(kIdleOnly, at(25)).empty());
    const auto alerts = hall.alerts(kIdleOnly, at(25) + 1);
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].ticket == "A002");
    CHECK(alerts[0].since == at(25));
}

TEST_CASE("the idle window alert clears when the window calls") {
    Hall hall;
    hall.login(0, "w1");
    hall.take(0, "RE");
    hall.take(0, "RE");
    REQUIRE(hall.alerts(kIdleOnly, at(10)).size() == 1);
    hall.feed(hall.engine().call_next(at(10), kOfficer, "w1"));
    CHECK(hall.alerts(kIdleOnly, at(10)).empty());
    hall.feed(hall.engine().finish(at(11), kOfficer, "w1"));
    CHECK(hall.alerts(kIdleOnly, at(16)).empty());  // idle again, but only for 5 minutes
    CHECK(hall.alerts(kIdleOnly, at(16) + 1).size() == 1);
}

TEST_CASE("windows that may not serve the waiting tickets, or are busy or paused, are not idle") {
    Hall hall;
    hall.login(0, "w3");  // serves SOC only
    hall.login(0, "w1");
    hall.login(0, "w2");
    hall.take(0, "RE");
    hall.take(0, "RE");
    hall.feed(hall.engine().call_next(at(1), kOfficer, "w1"));  // busy with A001
    hall.feed(hall.engine().pause(at(1), kOfficer, "w2", "lunch"));
    CHECK(hall.alerts(kIdleOnly, at(60)).empty());
    // A ticket sent to a named window is only that window's work.
    hall.feed(hall.engine().resume(at(60), kOfficer, "w2"));
    hall.feed(hall.engine().transfer(at(60), kOfficer, "w1", {.to_window = "w4"}));
    hall.feed(hall.engine().call_next(at(60), kOfficer, "w1"));  // A002
    CHECK(hall.alerts(kIdleOnly, at(70)).empty());  // w4 is not staffed; w2 may not call A001
}

TEST_CASE("thresholds of 0 turn every alert off") {
    Hall hall;
    hall.login(0, "w1");
    for (int i = 0; i < 5; ++i) {
        hall.take(0, "RE");
    }
    CHECK(hall.alerts(AlertThresholds{0, 0, 0}, at(600)).empty());
    CHECK(hall.alerts(AlertThresholds{30, 2, 5}, at(600)).size() == 3);
}

TEST_CASE("alerts come by kind: waits, then queue lengths, then idle windows") {
    Hall hall;
    hall.login(0, "w1");
    for (int i = 0; i < 3; ++i) {
        hall.take(0, "RE");
        hall.take(0, "TAX");
    }
    const auto alerts = hall.alerts(AlertThresholds{30, 2, 5}, at(60));
    REQUIRE(alerts.size() == 5);
    CHECK(alerts[0].kind == AlertKind::max_wait);
    CHECK(alerts[0].subject == "RE");
    CHECK(alerts[1].subject == "TAX");
    CHECK(alerts[2].kind == AlertKind::queue_length);
    CHECK(alerts[3].kind == AlertKind::queue_length);
    CHECK(alerts[4].kind == AlertKind::idle_window);
}

TEST_CASE("a state from an earlier hall day has no alerts: its tickets close at rollover") {
    Hall hall;
    hall.login(0, "w1");
    hall.take(0, "RE");
    CHECK_FALSE(hall.alerts(AlertThresholds{30, 0, 5}, at(16 * 60 - 1)).empty());  // 23:59
    CHECK(hall.alerts(AlertThresholds{30, 0, 5}, at(16 * 60)).empty());            // 00:00
}

TEST_CASE("the monitor reports an alert once when it starts and once when it clears") {
    AlertMonitor monitor;
    const Alert wait{AlertKind::max_wait, "RE", 31 * kMinute, 30 * kMinute, "A001", at(30)};
    const Alert idle{AlertKind::idle_window, "w1", 6 * kMinute, 5 * kMinute, "A001", at(5)};
    auto changes = monitor.update({wait, idle});
    CHECK(changes.started == std::vector<Alert>{wait, idle});
    CHECK(changes.cleared.empty());
    auto longer = wait;
    longer.value = 40 * kMinute;
    changes = monitor.update({longer});
    CHECK(changes.started.empty());
    CHECK(changes.cleared == std::vector<Alert>{idle});
    CHECK(monitor.active() == std::vector<Alert>{longer});
    changes = monitor.update({});
    CHECK(changes.cleared == std::vector<Alert>{longer});
    CHECK(monitor.active().empty());
    CHECK(monitor.update({}).started.empty());
}

TEST_CASE("an alert is described in Chinese and English in whole minutes") {
    CHECK(describe(
              {AlertKind::max_wait, "RE", 42 * kMinute + 59'999, 30 * kMinute, "A003", at(30)}) ==
          "RE 最久等候的 A003 已等 42 分钟（上限 30 分钟） (RE: A003 has waited 42 min; limit 30 "
          "min)");
    CHECK(describe({AlertKind::queue_length, "RE", 31, 30, {}, 0}) ==
          "RE 有 31 个号在等候（上限 30 个） (RE: 31 tickets waiting; limit 30)");
    CHECK(describe({AlertKind::idle_window, "3", 12 * kMinute, 5 * kMinute, "A003", at(5)}) ==
          "3号窗口空闲 12 分钟，A003 在等候（上限 5 分钟） (window 3 idle for 12 min while A003 "
          "waits; limit 5 min)");
}

TEST_CASE("alerts as JSON carry their numbers, their message and the thresholds") {
    const std::vector<Alert> alerts{
        {AlertKind::max_wait, "RE", 31 * kMinute, 30 * kMinute, "A001", at(30)},
        {AlertKind::queue_length, "RE", 31, 30, {}, 0}};
    const auto json = alerts_json(alerts, AlertThresholds{});
    CHECK(json["thresholds"] == nlohmann::json{{"max_wait_minutes", 30},
                                               {"max_queue_length", 30},
                                               {"idle_window_minutes", 5}});
    REQUIRE(json["alerts"].size() == 2);
    CHECK(json["alerts"][0]["kind"] == "max_wait");
    CHECK(json["alerts"][0]["subject"] == "RE");
    CHECK(json["alerts"][0]["value"] == 31 * kMinute);
    CHECK(json["alerts"][0]["limit"] == 30 * kMinute);
    CHECK(json["alerts"][0]["ticket"] == "A001");
    CHECK(json["alerts"][0]["since_ms"] == at(30));
    CHECK(json["alerts"][0]["message"] == describe(alerts[0]));
    CHECK_FALSE(json["alerts"][1].contains("ticket"));
    CHECK_FALSE(json["alerts"][1].contains("since_ms"));
}

}  // namespace hk::queue

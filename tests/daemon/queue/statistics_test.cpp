// The statistics accumulator: every metric from hand-written event logs with known answers,
// the groupings, officer attribution across logins, medians and p90 on known data, the
// evaluation distribution, hall-local hours and days, retention, the idle-window bookkeeping,
// and one day driven through the real engine.
#include "daemon/queue/statistics.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/queue/event_codec.hpp"
#include "daemon/queue/reports.hpp"
#include "tests/daemon/queue/queue_test_support.hpp"

namespace hk::queue {
namespace {

using test::kMinute;
using test::kMonday0800;

constexpr Millis kSecond = 1000;
constexpr Millis kMinutesPerDay = 1440;

// Builds a day's log event by event, `minute` counting from Monday 08:00 (China time).
class Log {
public:
    explicit Log(int days_kept = kStatisticsDaysKept) : statistics_(480, 0, days_kept) {}

    Log& at(Millis minute) {
        now_ = kMonday0800 + minute * kMinute;
        return *this;
    }
    Log& at_ms(Millis ms) {
        now_ = ms;
        return *this;
    }
    void add(EventBody body, std::string actor = "test") {
        statistics_.add(QueueEvent{now_, std::move(actor), std::move(body)});
    }
    void issue(TicketId id, const std::string& service, Channel channel = Channel::walkin) {
        add(TicketIssued{.id = id,
                         .number = service + std::to_string(id),
                         .service = service,
                         .channel = channel,
                         .ticket_class = TicketClass::normal});
    }
    void login(std::string window, std::string officer) {
        add(OfficerLoggedIn{std::move(window), std::move(officer)});
    }
    void logout(std::string window) { add(OfficerLoggedOut{std::move(window)}); }
    void call(TicketId id, std::string window) {
        add(TicketCalled{.id = id, .window = std::move(window)});
    }
    void finish(TicketId id, std::string window, Millis service_ms) {
        add(ServiceFinished{id, std::move(window), service_ms});
    }
    void no_show(TicketId id, std::string window, bool abandoned) {
        add(TicketNoShow{id, std::move(window), abandoned, abandoned ? 0 : 99'999});
    }
    void evaluate(TicketId id, int score) { add(TicketEvaluated{id, score, {}}); }
    void abandon(TicketId id) { add(TicketAbandoned{id}); }
    void rollover(std::int64_t new_day, std::vector<TicketId> closed) {
        add(DayRolledOver{new_day, std::move(closed)});
    }

    [[nodiscard]] const Statistics& statistics() const { return statistics_; }
    [[nodiscard]] StatisticsReport report(Grouping by = Grouping::day) const {
        const auto report = statistics_.report(today(), by);
        REQUIRE(report.has_value());
        return *report;
    }
    [[nodiscard]] static std::int64_t today() { return hall_day(kMonday0800, 480, 0); }

private:
    Statistics statistics_;
    Millis now_ = kMonday0800;
};

const GroupStatistics& group(const StatisticsReport& report, std::string_view key) {
    for (const auto& group : report.groups) {
        if (group.key == key) {
            return group;
        }
    }
    FAIL("no group '" << key << "'");
    return report.total;
}

std::vector<std::string> keys(const StatisticsReport& report) {
    std::vector<std::string> out;
    out.reserve(report.groups.size());
    for (const auto& group : report.groups) {
        out.push_back(group.key);
    }
    return out;
}

// Ten tickets of service "RE" called after waits of 1, 2, ... 10 minutes.
Log waits_one_to_ten() {
    Log log;
    log.login("1", "1001");
    for (TicketId id = 1; id <= 10; ++id) {
        log.at(0).issue(id, "RE");
    }
    for (TicketId id = 1; id <= 10; ++id) {
        log.at(id).call(id, "1");
        log.finish(id, "1", id * kMinute);
    }
    return log;
}

}  // namespace

TEST_CASE("a day's tickets are counted by how they ended") {
    Log log;
    log.at(0).login("1", "1001");
    for (TicketId id = 1; id <= 6; ++id) {
        log.issue(id, "RE");
    }
    log.at(10).call(1, "1");
    log.at(20).finish(1, "1", 10 * kMinute);
    log.call(2, "1");
    log.at(21).no_show(2, "1", false);  // requeued: still open
    log.call(3, "1");
    log.at(22).no_show(3, "1", true);  // dropped after too many no-shows
    log.abandon(4);                    // the citizen left
    log.at(23).call(2, "1");
    log.at(30).finish(2, "1", 7 * kMinute);
    log.at(kMinutesPerDay).rollover(Log::today() + 1, {5});
    const auto total = log.report().total;
    CHECK(total.issued == 6);
    CHECK(total.served == 2);
    CHECK(total.no_shows == 1);
    CHECK(total.abandoned == 1);
    CHECK(total.closed == 1);
    CHECK(total.open == 1);  // ticket 6: the rollover did not list it
}

TEST_CASE("waiting time runs from issue to the first call, service time is the engine's") {
    Log log;
    log.at(0).login("1", "1001");
    log.issue(1, "RE");
    log.issue(2, "RE");
    log.at(4).call(1, "1");
    log.at(5).no_show(1, "1", false);
    log.at(9).call(1, "1");  // the second call does not count as waiting
    log.at(12).finish(1, "1", 3 * kMinute);
    const auto total = log.report().total;
    CHECK(total.wait == DurationSummary{1, 4 * kMinute, 4 * kMinute, 4 * kMinute, 4 * kMinute});
    CHECK(total.service == DurationSummary{1, 3 * kMinute, 3 * kMinute, 3 * kMinute, 3 * kMinute});
    CHECK(total.open == 1);  // ticket 2, never called: no waiting time yet
}

TEST_CASE("mean, median, p90 and max of ten known waits") {
    const auto total = waits_one_to_ten().report().total;
    CHECK(total.wait.count == 10);
    CHECK(total.wait.mean == 5 * kMinute + 30 * kSecond);
    CHECK(total.wait.median == 5 * kMinute + 30 * kSecond);  // (5 + 6) / 2
    CHECK(total.wait.p90 == 9 * kMinute);                    // rank ⌈0.9 × 10⌉ = 9
    CHECK(total.wait.max == 10 * kMinute);
    CHECK(total.service == total.wait);
}

TEST_CASE("the median of an odd count is the middle value and p90 rounds its rank up") {
    Log log;
    log.login("1", "1001");
    const std::vector<Millis> waits{7, 1, 100, 3, 2, 9, 4, 8, 6, 5, 10};  // minutes
    for (TicketId id = 1; id <= 11; ++id) {
        log.at(0).issue(id, "RE");
    }
    for (TicketId id = 1; id <= 11; ++id) {
        log.at(waits[static_cast<std::size_t>(id - 1)]).call(id, "1");
        log.at(101).finish(id, "1", 0);
    }
    const auto wait = log.report().total.wait;
    CHECK(wait.median == 6 * kMinute);
    CHECK(wait.p90 == 10 * kMinute);  // rank ⌈9.9⌉ = 10 of 11
    CHECK(wait.max == 100 * kMinute);
    CHECK(wait.mean == (155 * kMinute + 5) / 11);  // rounded to the nearest ms
}

TEST_CASE("a single measurement is its own mean, median, p90 and max") {
    Log log;
    log.login("1", "1001");
    log.issue(1, "RE");
    log.at(3).call(1, "1");
    const auto wait = log.report().total.wait;
    CHECK(wait == DurationSummary{1, 3 * kMinute, 3 * kMinute, 3 * kMinute, 3 * kMinute});
}

TEST_CASE("a day without calls has no times and no satisfaction") {
    Log log;
    log.login("1", "1001");
    log.issue(1, "RE");
    const auto total = log.report().total;
    CHECK(total.wait == DurationSummary{});
    CHECK(total.service == DurationSummary{});
    CHECK(total.evaluated() == 0);
    CHECK_FALSE(total.satisfaction().has_value());
}

TEST_CASE("evaluations are counted by score and satisfaction is the share of 4 and 5") {
    auto log = waits_one_to_ten();
    const std::vector<int> scores{5, 4, 4, 3, 1, 5};
    for (std::size_t i = 0; i < scores.size(); ++i) {
        log.evaluate(static_cast<TicketId>(i + 1), scores[i]);
    }
    const auto total = log.report().total;
    CHECK(total.scores == std::array<std::int64_t, 5>{1, 0, 1, 2, 2});
    CHECK(total.evaluated() == 6);
    REQUIRE(total.satisfaction().has_value());
    CHECK(*total.satisfaction() == Approx(4.0 / 6.0));
}

TEST_CASE("by service, each ticket stays with the service it was taken for") {
    Log log;
    log.login("1", "1001");
    log.issue(1, "TAX");
    log.issue(2, "RE");
    log.issue(3, "RE");
    log.at(5).call(2, "1");
    log.add(TicketTransferred{2, "1", "TAX", {}, 1});
    log.at(6).call(2, "1");
    log.finish(2, "1", kMinute);
    const auto report = log.report(Grouping::service);
    CHECK(keys(report) == std::vector<std::string>{"RE", "TAX"});
    CHECK(group(report, "RE").issued == 2);
    CHECK(group(report, "RE").served == 1);
    CHECK(group(report, "TAX").issued == 1);
    CHECK(report.total.issued == 3);
}

TEST_CASE("by channel, tickets are grouped by how they were taken, named as in the events") {
    Log log;
    const std::vector<Channel> channels{
        Channel::walkin,        Channel::idcard, Channel::phone,  Channel::appointment,
        Channel::priority_code, Channel::remote, Channel::sticker};
    TicketId id = 0;
    for (const auto channel : channels) {
        log.issue(++id, "RE", channel);
    }
    log.issue(++id, "RE", Channel::idcard);
    const auto report = log.report(Grouping::channel);
    REQUIRE(report.groups.size() == channels.size());
    for (const auto channel : channels) {
        CHECK(group(report, to_string(channel)).issued == (channel == Channel::idcard ? 2 : 1));
    }
}

TEST_CASE("by hour, tickets are grouped by the hall-local hour they were taken in") {
    Log log;
    log.at(-1).issue(1, "RE");  // 07:59
    log.at(0).issue(2, "RE");   // 08:00
    log.at(59).issue(3, "RE");  // 08:59
    log.at(61).issue(4, "RE");  // 09:01
    const auto report = log.report(Grouping::hour);
    CHECK(keys(report) == std::vector<std::string>{"07:00", "08:00", "09:00"});
    CHECK(group(report, "08:00").issued == 2);
}

TEST_CASE("hours and days follow the hall's UTC offset and day reset, not the machine's") {
    // A hall at UTC-05:00 whose day begins at 02:00. 2026-01-05 01:30 local is still in the
    // hall day of January 4th.
    Statistics statistics(-300, 120);
    const auto local = [](int day, int hour, int minute) {
        // Day 0 is 2026-01-04; UTC is local time plus five hours.
        return ((Millis{20'457} + day) * kMinutesPerDay + Millis{hour} * 60 + minute + 300) *
               kMinute;
    };
    const auto issue = [&](TicketId id, Millis at) {
        statistics.add(QueueEvent{at, "kiosk", TicketIssued{.id = id, .service = "RE"}});
    };
    issue(1, local(0, 23, 10));  // Jan 4, 23:10
    issue(2, local(1, 1, 30));   // Jan 5, 01:30: still the hall day of Jan 4
    issue(3, local(1, 2, 0));    // Jan 5, 02:00: a new hall day
    CHECK(statistics.days() == std::vector<std::int64_t>{20'457, 20'458});
    CHECK(format_day(20'457) == "2026-01-04");
    const auto report = statistics.report(20'457, Grouping::hour);
    REQUIRE(report.has_value());
    CHECK(keys(*report) == std::vector<std::string>{"23:00", "01:00"});  // in the day's order
}

TEST_CASE("by window and officer, a served ticket belongs where it was finished") {
    Log log;
    log.login("1", "1001");
    log.login("2", "1002");
    log.login("10", "1010");
    for (TicketId id = 1; id <= 5; ++id) {
        log.issue(id, "RE");
    }
    log.at(1).call(1, "1");
    log.finish(1, "1", kMinute);
    log.call(2, "2");
    log.no_show(2, "2", false);
    log.call(2, "10");  // called again elsewhere and served there
    log.finish(2, "10", kMinute);
    log.call(3, "2");
    log.no_show(3, "2", true);  // dropped at window 2
    const auto windows = log.report(Grouping::window);
    // Numbers in numeric order, and the tickets never called last, without a key.
    CHECK(keys(windows) == std::vector<std::string>{"1", "2", "10", ""});
    CHECK(group(windows, "1").served == 1);
    CHECK(group(windows, "10").served == 1);
    CHECK(group(windows, "2").no_shows == 1);
    CHECK(group(windows, "2").issued == 1);
    CHECK(group(windows, "").issued == 2);
    const auto officers = log.report(Grouping::officer);
    CHECK(keys(officers) == std::vector<std::string>{"1001", "1002", "1010", ""});
    CHECK(group(officers, "1010").served == 1);
}

TEST_CASE("a ticket is credited to the officer logged in at the window when it was served") {
    Log log;
    log.login("1", "1001");
    log.issue(1, "RE");
    log.issue(2, "RE");
    log.at(1).call(1, "1");
    log.at(5).finish(1, "1", 4 * kMinute);
    log.call(2, "1");
    log.at(6).no_show(2, "1", false);
    log.logout("1");
    log.at(7).login("1", "2002");  // another officer takes over window 1
    log.call(2, "1");
    log.at(9).finish(2, "1", 2 * kMinute);
    log.evaluate(2, 5);
    log.at(10).logout("1");
    const auto report = log.report(Grouping::officer);
    CHECK(keys(report) == std::vector<std::string>{"1001", "2002"});
    CHECK(group(report, "1001").served == 1);
    CHECK(group(report, "1001").service.max == 4 * kMinute);
    CHECK(group(report, "2002").served == 1);
    CHECK(group(report, "2002").scores[4] == 1);
    CHECK(log.statistics().officer_at("1").empty());
}

TEST_CASE("a day grouping has no groups, only the total") {
    const auto report = waits_one_to_ten().report(Grouping::day);
    CHECK(report.groups.empty());
    CHECK(report.total.issued == 10);
}

TEST_CASE("days older than the days kept are dropped, later days report zeros") {
    Log log(3);
    for (int day = 0; day < 4; ++day) {
        log.at(Millis{day} * kMinutesPerDay).issue(day + 1, "RE");
        log.rollover(Log::today() + day + 1, {day + 1});
    }
    // The rollovers reached day today+4, so today+2 .. today+4 are kept.
    CHECK_FALSE(log.statistics().report(Log::today(), Grouping::day).has_value());
    CHECK_FALSE(log.statistics().report(Log::today() + 1, Grouping::day).has_value());
    const auto kept = log.statistics().report(Log::today() + 2, Grouping::day);
    REQUIRE(kept.has_value());
    CHECK(kept->total.issued == 1);
    CHECK(kept->total.closed == 1);
    CHECK(log.statistics().first_day_kept() == Log::today() + 2);
    CHECK(log.statistics().days() == std::vector<std::int64_t>{Log::today() + 2, Log::today() + 3});
    const auto future = log.statistics().report(Log::today() + 100, Grouping::service);
    REQUIRE(future.has_value());
    CHECK(future->total == GroupStatistics{});
}

TEST_CASE("events of tickets dropped or never seen are ignored") {
    Log log;
    log.login("1", "1001");
    log.call(42, "1");
    log.finish(42, "1", kMinute);
    log.evaluate(42, 1);
    CHECK(log.report().total == GroupStatistics{});
}

TEST_CASE("a window is idle from its login, its last ticket or its resume") {
    Log log;
    CHECK(log.statistics().idle_since().empty());
    log.at(0).login("1", "1001");
    log.issue(1, "RE");
    log.issue(2, "RE");
    CHECK(log.statistics().idle_since() == IdleSince{{"1", kMonday0800}});
    log.at(3).call(1, "1");
    CHECK(log.statistics().idle_since().empty());
    log.at(8).finish(1, "1", 5 * kMinute);
    CHECK(log.statistics().idle_since() == IdleSince{{"1", kMonday0800 + 8 * kMinute}});
    log.at(9).add(WindowPaused{"1", "lunch"});
    CHECK(log.statistics().idle_since().empty());
    log.at(10).add(WindowResumed{"1"});
    CHECK(log.statistics().idle_since() == IdleSince{{"1", kMonday0800 + 10 * kMinute}});
    log.at(11).call(2, "1");
    log.at(12).add(TicketHeld{2, "1"});
    CHECK(log.statistics().idle_since() == IdleSince{{"1", kMonday0800 + 12 * kMinute}});
    log.at(13).add(TicketCalled{.id = 2, .window = "1", .specific = true, .reason = "回呼"});
    log.at(14).abandon(2);
    CHECK(log.statistics().idle_since() == IdleSince{{"1", kMonday0800 + 14 * kMinute}});
    log.at(15).logout("1");
    CHECK(log.statistics().idle_since().empty());
}

TEST_CASE("a transfer, a no-show and the rollover free the window") {
    Log log;
    log.login("1", "1001");
    log.issue(1, "RE");
    log.at(1).call(1, "1");
    log.at(2).add(TicketTransferred{1, "1", "TAX", {}, 5});
    CHECK(log.statistics().idle_since() == IdleSince{{"1", kMonday0800 + 2 * kMinute}});
    log.at(3).call(1, "1");
    log.at(4).no_show(1, "1", false);
    CHECK(log.statistics().idle_since() == IdleSince{{"1", kMonday0800 + 4 * kMinute}});
    log.at(5).call(1, "1");
    log.at(kMinutesPerDay).rollover(Log::today() + 1, {1});
    CHECK(log.statistics().idle_since() ==
          IdleSince{{"1", kMonday0800 + kMinutesPerDay * kMinute}});
}

TEST_CASE("days are written and read as local dates") {
    CHECK(format_day(0) == "1970-01-01");
    CHECK(format_day(20'458) == "2026-01-05");
    CHECK(parse_day("2026-01-05") == 20'458);
    CHECK(parse_day("2024-02-29") == 19'782);
    CHECK_FALSE(parse_day("2025-02-29").has_value());
    CHECK_FALSE(parse_day("2026-1-05").has_value());
    CHECK_FALSE(parse_day("2026-01-05T08").has_value());
    CHECK_FALSE(parse_day("1969-12-31").has_value());
    CHECK_FALSE(parse_day("2026/01/05").has_value());
    CHECK_FALSE(parse_day("").has_value());
    CHECK(Log::today() == *parse_day("2026-11-23"));
}

TEST_CASE("groupings are named for the command line and JSON") {
    for (const auto grouping : {Grouping::day, Grouping::hour, Grouping::service, Grouping::window,
                                Grouping::officer, Grouping::channel}) {
        CHECK(parse_grouping(to_string(grouping)) == grouping);
    }
    CHECK_FALSE(parse_grouping("services").has_value());
}

TEST_CASE("a day run through the engine is counted from the events it emits") {
    Engine engine(test::small_hall());
    Statistics statistics;
    const auto feed = [&](const QueueResult<Events>& result) { statistics.add(test::ok(result)); };
    const auto at = [](int minute) { return kMonday0800 + minute * kMinute; };
    feed(engine.login(at(0), "window:w1/officer:7", "w1", "7"));
    feed(engine.take(at(0), "kiosk:k1", {.service = "RE"}));
    feed(engine.take(at(1), "kiosk:k1", {.service = "TAX", .channel = Channel::phone}));
    feed(engine.call_next(at(6), "window:w1/officer:7", "w1"));  // A001 waited 6 minutes
    feed(engine.start(at(7), "window:w1/officer:7", "w1"));
    feed(engine.finish(at(19), "window:w1/officer:7", "w1"));
    feed(engine.evaluate(at(20), "evaluator:w1", "A001", 4, ""));
    feed(engine.call_next(at(21), "window:w1/officer:7", "w1"));  // B001 waited 20
    feed(engine.finish(at(25), "window:w1/officer:7", "w1"));     // no start: 4 minutes
    const auto report = statistics.report(engine.state().day, Grouping::channel);
    REQUIRE(report.has_value());
    CHECK(report->total.served == 2);
    CHECK(report->total.wait.max == 20 * kMinute);
    CHECK(report->total.wait.median == 13 * kMinute);
    CHECK(report->total.service.max == 12 * kMinute);
    CHECK(report->total.service.median == 8 * kMinute);
    CHECK(*report->total.satisfaction() == 1.0);
    CHECK(keys(*report) == std::vector<std::string>{"phone", "walkin"});
}

TEST_CASE("a report as JSON names its day and grouping, with null for what was not measured") {
    auto log = waits_one_to_ten();
    log.evaluate(1, 5);
    log.issue(11, "RE");  // never called: no window
    const auto json = statistics_json(log.report(Grouping::window));
    CHECK(json["day"] == "2026-11-23");
    CHECK(json["by"] == "window");
    CHECK(json["total"]["issued"] == 11);
    CHECK(json["total"]["served"] == 10);
    CHECK(json["total"]["open"] == 1);
    CHECK(json["total"]["wait_ms"] == nlohmann::json{{"count", 10},
                                                     {"mean", 330'000},
                                                     {"median", 330'000},
                                                     {"p90", 540'000},
                                                     {"max", 600'000}});
    CHECK(json["total"]["evaluations"] ==
          nlohmann::json{{"count", 1}, {"scores", {0, 0, 0, 0, 1}}, {"satisfaction", 1.0}});
    REQUIRE(json["groups"].size() == 2);
    CHECK(json["groups"][0]["key"] == "1");
    CHECK(json["groups"][1]["key"].is_null());
    CHECK(json["groups"][1]["wait_ms"]["count"] == 0);
    CHECK(json["groups"][1]["wait_ms"]["median"].is_null());
    CHECK(json["groups"][1]["evaluations"]["satisfaction"].is_null());
}

}  // namespace hk::queue

// explain, stats and alerts through the real daemon and hallctl. The queue is seeded into the
// node's event log forty minutes in the past before the daemon starts, so waits and idle windows
// are over their thresholds without the test waiting for time to pass; the daemon rebuilds its
// queue, statistics and alerts from that log like after any restart.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/queue/event_codec.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/event_log.hpp"
#include "daemon/store/migrations.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using nlohmann::json;

namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr const char* kNode = "reports-node";

// One service, two windows (window 1 calls by class); alerts at 30 minutes' wait, more than 1
// ticket waiting, 5 idle minutes.
constexpr const char* kHallFile = R"(
[alerts]
max_wait_minutes = 30
max_queue_length = 1
idle_window_minutes = 5

[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate"
prefix = "A"

[[windows]]
id = "1"
name = "1号窗口"
serves = ["RE"]
strategy = { kind = "class_priority" }

[[windows]]
id = "2"
name = "2号窗口"
serves = ["RE"]
)";

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A UTC offset that puts the hall's clock at about noon now, so the seeded morning and the
// test's requests fall in one hall day whenever the test runs.
int noon_offset(std::int64_t now) {
    const auto utc_minute = static_cast<int>(now / kMinuteMs % 1440);
    return 720 - utc_minute;
}

void append(hk::store::EventLog& log, const hk::queue::QueueEvent& event) {
    const auto encoded = hk::queue::encode_event(event);
    REQUIRE(log.append(event.at, encoded.type, encoded.payload).has_value());
}

// Window 1 staffed and two tickets waiting since 40 and 39 minutes ago.
void seed_morning(const DaemonHarness& hall, std::int64_t now) {
    std::filesystem::create_directories(hall.state_dir());
    auto db = hk::store::Database::open(hall.database());
    REQUIRE(db.has_value());
    REQUIRE(hk::store::migrate(*db).has_value());
    hk::store::EventLog log(*db, kNode);
    auto transaction = db->begin(hk::store::Durability::critical);
    REQUIRE(transaction.has_value());
    using namespace hk::queue;
    const auto start = now - 40 * kMinuteMs;
    append(log, {start, "window:1/officer:1024", OfficerLoggedIn{"1", "1024"}});
    append(log, {start, "kiosk:k1", TicketIssued{.id = 1, .number = "A001", .service = "RE"}});
    append(log,
           {start + kMinuteMs, "kiosk:k1",
            TicketIssued{.id = 2, .number = "A002", .service = "RE", .channel = Channel::idcard}});
    REQUIRE(transaction->commit().has_value());
}

void write_hall(DaemonHarness& hall, int utc_offset) {
    hk::test::write_file(hall.dir() / "hall.toml", kHallFile);
    hall.write_config(std::string("[node]\nid = \"") + kNode + "\"\n[queue]\nhall_file = \"" +
                      (hall.dir() / "hall.toml").string() +
                      "\"\nutc_offset_minutes = " + std::to_string(utc_offset) + "\n");
}

json machine(const DaemonHarness& hall, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    const auto result = hall.hallctl(args);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
}

std::vector<std::string> alert_kinds(const json& alerts) {
    std::vector<std::string> kinds;
    for (const auto& alert : alerts) {
        kinds.push_back(alert.at("kind").get<std::string>() + " " +
                        alert.at("subject").get<std::string>());
    }
    return kinds;
}

}  // namespace

TEST_CASE("explain, stats and alerts answer from the queue the daemon rebuilt from its log") {
    DaemonHarness hall;
    const auto now = now_ms();
    write_hall(hall, noon_offset(now));
    seed_morning(hall, now);
    hall.start_ready();

    // Alerts: a 40-minute wait, two tickets waiting, window 1 idle all along. The first check
    // runs before the daemon reports ready, and logs each alert once.
    const auto alerts = machine(hall, {"alerts"});
    CHECK(alert_kinds(alerts.at("alerts")) ==
          std::vector<std::string>{"max_wait RE", "queue_length RE", "idle_window 1"});
    CHECK(alerts.at("alerts")[0].at("ticket") == "A001");
    CHECK(alerts.at("thresholds").at("max_queue_length") == 1);
    CHECK_THAT(hall.log(), Catch::Contains("alert: RE 最久等候的 A001"));
    CHECK_THAT(hall.log(), Catch::Contains("(window 1 idle for"));
    const auto listed = hall.hallctl({"alerts"});
    CHECK(listed.exit_code == 0);
    CHECK_THAT(listed.out, Catch::Contains("queue_length  RE 有 2 个号在等候"));
    CHECK_THAT(listed.out,
               Catch::EndsWith("limits: wait 30 min, queue length 1, idle window 5 min\n"));
    CHECK(alert_kinds(machine(hall, {"status"}).at("queue").at("alerts")).size() == 3);

    const auto waiting = hall.hallctl({"explain", "A001"});
    CHECK(waiting.exit_code == 0);
    CHECK_THAT(waiting.out, Catch::Contains("state      waiting\n"));
    CHECK_THAT(waiting.out, Catch::EndsWith("calls      none: not called yet (尚未叫号)\n"));

    // Calling A001 ends the idle window and the long queue; A002 has still waited too long.
    CHECK(machine(hall, {"queue", R"({"op":"call_next","window":"1"})"}).at("ticket") == "A001");
    CHECK_THAT(hall.log(), Catch::Contains("alert cleared: idle_window 1"));
    CHECK_THAT(hall.log(), Catch::Contains("alert cleared: queue_length RE"));
    const auto after_call = machine(hall, {"alerts"}).at("alerts");
    CHECK(alert_kinds(after_call) == std::vector<std::string>{"max_wait RE"});
    CHECK(after_call[0].at("ticket") == "A002");

    const auto explained = hall.hallctl({"explain", "A001"});
    CHECK(explained.exit_code == 0);
    CHECK_THAT(explained.out, Catch::Contains("window 1  strategy class_priority\n"));
    CHECK_THAT(explained.out, Catch::Contains("     beat   A002\n"));
    CHECK_THAT(explained.out, Catch::Contains("     by     hallctl\n"));
    const auto why = machine(hall, {"explain", "A001"});
    CHECK(why.at("state") == "called");
    CHECK(why.at("calls").at(0).at("strategy") == "class_priority");
    CHECK(why.at("calls").at(0).at("beaten") == json{"A002"});
    CHECK_FALSE(why.dump().contains("identity"));

    const auto unknown = hall.hallctl({"explain", "Z999"});
    CHECK(unknown.exit_code == 1);
    CHECK_THAT(unknown.err, Catch::Contains("no ticket Z999 today (unknown_ticket)"));

    // Statistics of today, by officer: A001 served by 1024 after a 40-minute wait, rated 5.
    machine(hall, {"queue", R"({"op":"start","window":"1"})"});
    machine(hall, {"queue", R"({"op":"finish","window":"1"})"});
    machine(hall, {"queue", R"({"op":"evaluate","number":"A001","score":5})"});
    const auto by_officer = machine(hall, {"stats", "--by", "officer"});
    CHECK(by_officer.at("by") == "officer");
    CHECK(by_officer.at("total").at("issued") == 2);
    CHECK(by_officer.at("total").at("served") == 1);
    CHECK(by_officer.at("total").at("open") == 1);
    REQUIRE(by_officer.at("groups").size() == 2);
    const auto& officer = by_officer.at("groups")[0];
    CHECK(officer.at("key") == "1024");
    CHECK(officer.at("served") == 1);
    CHECK(officer.at("wait_ms").at("max").get<std::int64_t>() >= 40 * kMinuteMs);
    CHECK(officer.at("evaluations").at("scores") == json{0, 0, 0, 0, 1});
    CHECK(officer.at("evaluations").at("satisfaction") == 1.0);
    CHECK(by_officer.at("groups")[1].at("key").is_null());  // A002, never called

    const auto table = hall.hallctl({"stats"});
    CHECK(table.exit_code == 0);
    CHECK_THAT(table.out, Catch::Contains(", whole day; times in minutes:seconds\n"));
    CHECK_THAT(table.out, Catch::Contains("\ntotal       2       1"));
    const auto old = hall.hallctl({"stats", "--day", "2000-01-01"});
    CHECK(old.exit_code == 1);
    CHECK_THAT(old.err, Catch::Contains("(not_kept)"));
    const auto bad_day = hall.hallctl({"stats", "--day", "2026-13-01"});
    CHECK(bad_day.exit_code == 1);
    CHECK_THAT(bad_day.err, Catch::Contains("(bad_args)"));
    CHECK(hall.hallctl({"stats", "--by", "weekday"}).exit_code == 64);
    REQUIRE(hall.stop() == 0);

    // A restart rebuilds the same statistics from the log.
    hall.start_ready();
    CHECK(machine(hall, {"stats", "--by", "officer"}) == by_officer);
    CHECK(hall.stop() == 0);
}

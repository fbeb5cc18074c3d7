// hallkeeperd's life after start-up: signals during writes, reload, watchdog. The daemon is
// the real binary; the store is checked by opening the real SQLite file afterwards.
#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/control/client.hpp"
#include "daemon/store/database.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Sends maintenance notes as fast as the daemon takes them, from its own thread, and counts
// the acknowledged ones, until the daemon goes away.
class NoteWriter {
public:
    explicit NoteWriter(const std::filesystem::path& socket)
        : thread_([this, socket] { write_until_refused(socket); }) {}
    ~NoteWriter() {
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    // Blocks until `count` notes have been acknowledged (or the writer gave up).
    void wait_for_acks(std::size_t count) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return acked_.size() >= count || finished_; });
    }
    std::vector<std::int64_t> acked() {
        std::lock_guard lock(mutex_);
        return acked_;
    }
    void join() { thread_.join(); }

private:
    void write_until_refused(const std::filesystem::path& socket) {
        auto client = hk::control::Client::connect(socket, 0ms);
        for (int i = 0; client; ++i) {
            auto answer =
                client->call("note", json{{"text", "巡检 note " + std::to_string(i)}}, 10s);
            if (!answer) {
                break;
            }
            std::lock_guard lock(mutex_);
            acked_.push_back((*answer)["seq"].get<std::int64_t>());
            changed_.notify_all();
        }
        std::lock_guard lock(mutex_);
        finished_ = true;
        changed_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::int64_t> acked_;
    bool finished_ = false;
    std::thread thread_;
};

struct StoredEvent {
    std::int64_t seq;
    std::string type;
};

std::vector<StoredEvent> stored_events(const std::filesystem::path& database) {
    auto db = hk::store::Database::open(database);
    REQUIRE(db.has_value());
    auto check = db->prepare("PRAGMA integrity_check");
    REQUIRE(check.has_value());
    REQUIRE(check->step().value());
    CHECK(check->column_text(0) == "ok");

    auto select = db->prepare("SELECT seq, type FROM events ORDER BY seq");
    REQUIRE(select.has_value());
    std::vector<StoredEvent> events;
    while (select->step().value()) {
        events.push_back({select->column_int(0), select->column_text(1)});
    }
    return events;
}

void check_gapless(const std::vector<StoredEvent>& events) {
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(events[i].seq == static_cast<std::int64_t>(i + 1));
    }
}

bool contains_seq(const std::vector<StoredEvent>& events, std::int64_t seq) {
    return std::any_of(events.begin(), events.end(),
                       [&](const auto& e) { return e.seq == seq && e.type == "maintenance.note"; });
}

}  // namespace

TEST_CASE("SIGTERM during writes stops cleanly and keeps every acknowledged write") {
    DaemonHarness hall;
    hall.start_ready();
    std::vector<std::int64_t> acked;
    {
        NoteWriter writer(hall.socket());
        writer.wait_for_acks(50);
        hall.process().signal(SIGTERM);  // lands while notes keep arriving
        const auto code = hall.process().wait_exit(hk::test::kDeadline);
        REQUIRE(code.has_value());
        CHECK(*code == 0);
        writer.join();
        acked = writer.acked();
    }
    REQUIRE(acked.size() >= 50);

    const auto events = stored_events(hall.database());
    check_gapless(events);
    for (const auto seq : acked) {
        CHECK(contains_seq(events, seq));
    }
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().type == "node.stopped");

    // The next start sees a clean previous run.
    hall.start_ready();
    const auto status = json::parse(hall.hallctl({"--json", "status"}).out);
    CHECK(status["previous_run"]["clean"] == true);
    CHECK(hall.stop() == 0);
}

TEST_CASE("SIGKILL during writes loses no acknowledged write and is reported as unclean") {
    DaemonHarness hall;
    hall.start_ready();
    std::vector<std::int64_t> acked;
    {
        NoteWriter writer(hall.socket());
        writer.wait_for_acks(50);
        hall.process().signal(SIGKILL);  // as close to a power cut as a test can get
        REQUIRE(hall.process().wait_exit(hk::test::kDeadline).has_value());
        writer.join();
        acked = writer.acked();
    }
    const auto events = stored_events(hall.database());
    check_gapless(events);
    for (const auto seq : acked) {
        CHECK(contains_seq(events, seq));
    }

    hall.start_ready();
    const auto status = json::parse(hall.hallctl({"--json", "status"}).out);
    CHECK(status["previous_run"]["clean"] == false);
    CHECK_THAT(hall.log(), Catch::Contains("did not stop cleanly"));
    CHECK(hall.stop() == 0);
}

TEST_CASE("SIGINT stops the daemon like SIGTERM") {
    DaemonHarness hall;
    hall.start_ready();
    hall.process().signal(SIGINT);
    CHECK(hall.notify().wait_for("STOPPING=1", hk::test::kDeadline).has_value());
    CHECK(hall.process().wait_exit(hk::test::kDeadline) == 0);
}

TEST_CASE("SIGHUP applies a changed log level without a restart") {
    DaemonHarness hall;
    hall.write_config("[node]\nid = \"test-node\"\n[log]\nlevel = \"info\"\n");
    hall.start_ready();
    const auto pid = hall.process().pid();

    hall.write_config("[node]\nid = \"test-node\"\n[log]\nlevel = \"debug\"\n");
    hall.process().signal(SIGHUP);
    REQUIRE(hall.notify().wait_for("RELOADING=1", hk::test::kDeadline));
    REQUIRE(hall.notify().wait_for("READY=1", hk::test::kDeadline));

    const auto status = json::parse(hall.hallctl({"--json", "status"}).out);
    CHECK(status["config"]["log_level"] == "debug");
    CHECK(status["pid"] == pid);
    CHECK(hall.stop() == 0);
}

TEST_CASE("SIGHUP with an invalid config keeps the running configuration") {
    DaemonHarness hall;
    hall.write_config("[node]\nid = \"test-node\"\n[log]\nlevel = \"info\"\n");
    hall.start_ready();

    hall.write_config("[node]\nid = \"test-node\"\n[log]\nlevel = \"loud\"\n");
    hall.process().signal(SIGHUP);
    REQUIRE(hall.notify().wait_for("RELOADING=1", hk::test::kDeadline));
    const auto ready = hall.notify().wait_for("READY=1", hk::test::kDeadline);
    REQUIRE(ready);
    CHECK_THAT(*ready, Catch::Contains("reload rejected"));

    const auto status = json::parse(hall.hallctl({"--json", "status"}).out);
    CHECK(status["config"]["log_level"] == "info");
    CHECK_THAT(hall.log(), Catch::Contains("log.level"));
    CHECK(hall.stop() == 0);
}

TEST_CASE("SIGHUP reports settings that need a restart and leaves them unchanged") {
    DaemonHarness hall;
    hall.write_config("[node]\nid = \"test-node\"\nrole = \"controller\"\n");
    hall.start_ready();

    hall.write_config("[node]\nid = \"test-node\"\nrole = \"terminal\"\n");
    hall.process().signal(SIGHUP);
    REQUIRE(hall.notify().wait_for("READY=1", hk::test::kDeadline));

    const auto status = json::parse(hall.hallctl({"--json", "status"}).out);
    CHECK(status["node"]["role"] == "controller");
    CHECK_THAT(hall.log(), Catch::Contains("node.role"));
    CHECK(hall.stop() == 0);
}

TEST_CASE("the watchdog is pinged when systemd asks for it") {
    DaemonHarness hall;
    hall.start_ready({.env = {{"WATCHDOG_USEC", "200000"}}});
    // Two pings prove the timer re-arms, not just the first one at start-up.
    CHECK(hall.notify().wait_for("WATCHDOG=1", hk::test::kDeadline));
    CHECK(hall.notify().wait_for("WATCHDOG=1", hk::test::kDeadline));
    CHECK(hall.stop() == 0);
}

TEST_CASE("the note command rejects bad arguments with a clear error and stores nothing") {
    DaemonHarness hall;
    hall.start_ready();
    auto client = hk::control::Client::connect(hall.socket(), 0ms);
    REQUIRE(client);
    const json bad[] = {json::object(), json{{"text", 5}}, json{{"text", ""}},
                        json{{"text", std::string(5000, 'a')}}};
    for (const auto& args : bad) {
        const auto answer = client->call("note", args, 10s);
        REQUIRE_FALSE(answer);
        CHECK(answer.error().code == "bad_args");
        CHECK_THAT(answer.error().message, Catch::Contains("text"));
    }
    const auto events = client->call("events", json{{"after", 0}}, 10s);
    REQUIRE(events);
    for (const auto& event : (*events)["events"]) {
        CHECK(event["type"] != "maintenance.note");
    }
    CHECK(hall.stop() == 0);
}

TEST_CASE("hallctl note records a note that hallctl events lists") {
    DaemonHarness hall;
    hall.start_ready();
    const auto noted = hall.hallctl({"note", "换了打印纸"});
    CHECK(noted.exit_code == 0);
    CHECK_THAT(noted.out, Catch::Contains("recorded as event"));

    const auto listed = hall.hallctl({"--json", "events", "--after", "0"});
    REQUIRE(listed.exit_code == 0);
    const auto events = json::parse(listed.out)["events"];
    REQUIRE(events.size() == 2);  // node.started, then the note
    CHECK(events[1]["type"] == "maintenance.note");
    CHECK(events[1]["payload"]["text"] == "换了打印纸");

    const auto bad = hall.hallctl({"events", "--limit", "0"});
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.err, Catch::Contains("limit"));
    CHECK(hall.stop() == 0);
}

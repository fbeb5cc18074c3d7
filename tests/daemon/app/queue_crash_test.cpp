// Crash safety of the queue: a child process runs queue operations and is SIGKILLed at random
// moments, hundreds of times on the same state. After every kill, every operation the child
// acknowledged is in the log, no ticket number repeats within a hall day, and the log replays.
#include <csignal>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/queue/event_codec.hpp"
#include "daemon/store/event_log.hpp"
#include "daemon/store/migrations.hpp"
#include "tests/daemon/queue/queue_test_support.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using nlohmann::json;

namespace {

int kill_count() {
    const char* configured = std::getenv("HK_CRASH_KILLS");
    return configured != nullptr ? std::atoi(configured) : 200;
}

struct LoggedTicket {
    hk::queue::Millis at;
    std::string number;
};

// Every ticket issued according to the log, checking on the way that each decodes, that the
// log replays, and that no number repeats within a hall day.
std::vector<LoggedTicket> issued_tickets(const std::filesystem::path& database) {
    auto db = hk::store::Database::open(database);
    REQUIRE(db.has_value());
    hk::store::EventLog log(*db, "crash-node");
    auto events = log.read_after(0, 1'000'000);
    REQUIRE(events.has_value());
    hk::queue::QueueState state = hk::queue::Engine(hk::queue::test::small_hall(), 480).state();
    std::set<std::tuple<std::int64_t, std::string>> seen;
    std::vector<LoggedTicket> tickets;
    for (const auto& stored : *events) {
        auto event = hk::queue::decode_event(stored.type, stored.at_ms, stored.payload);
        REQUIRE(event.has_value());
        hk::queue::apply(state, *event);
        if (const auto* issued = std::get_if<hk::queue::TicketIssued>(&event->body)) {
            const auto fresh = seen.emplace(state.day, issued->number).second;
            CHECK(fresh);  // a repeated number within one hall day
            tickets.push_back({event->at, issued->number});
        }
    }
    return tickets;
}

}  // namespace

TEST_CASE("killed at random moments, the queue keeps every acknowledged ticket once") {
    hk::test::TempDir dir("hk-crash");
    const auto state_dir = dir / "state";
    const int kills = kill_count();
    std::vector<LoggedTicket> acknowledged;
    int killed = 0;
    for (int run = 0; run < kills; ++run) {
        const auto acks_file = dir / ("acks-" + std::to_string(run));
        hk::test::Process child(
            {.argv = {HK_QUEUE_CRASH_CHILD, state_dir.string(), std::to_string(1000 + run)},
             .stdout_file = acks_file,
             .stderr_file = dir / "child.log"});
        const auto code = child.wait_exit(std::chrono::seconds(30));
        REQUIRE(code.has_value());
        INFO("child log: " << hk::test::read_file(dir / "child.log"));
        REQUIRE(*code == 128 + SIGKILL);  // any other exit is a failure of the child itself
        ++killed;
        std::istringstream acks(hk::test::read_file(acks_file));
        for (std::string line; std::getline(acks, line);) {
            const auto ack = json::parse(line, nullptr, false);
            if (ack.is_discarded()) {
                continue;  // the last line may be cut off by the kill: it was never complete
            }
            if (ack["answer"]["op"] == "take") {
                acknowledged.push_back(
                    {ack["at"].get<std::int64_t>(), ack["answer"]["ticket"].get<std::string>()});
            }
        }
    }
    const auto logged = issued_tickets(state_dir / "hallkeeper.db");
    for (const auto& ack : acknowledged) {
        const bool found = std::any_of(logged.begin(), logged.end(), [&](const auto& t) {
            return t.at == ack.at && t.number == ack.number;
        });
        CHECK(found);
    }
    CHECK(killed == kills);
    // The kills must land on real work, not only on start-up: tickets were issued throughout.
    CHECK(acknowledged.size() >= static_cast<std::size_t>(kills / 10));
    CHECK(logged.size() >= acknowledged.size());
}

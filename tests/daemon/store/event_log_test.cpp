// Tests of the append-only event log.
#include "daemon/store/event_log.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/daemon/store/store_test_util.hpp"
#include "tests/support/temp_dir.hpp"

using hk::store::Database;
using hk::store::Durability;
using hk::store::Errc;
using hk::store::Event;
using hk::store::EventLog;
using hk::test::error_of;
using hk::test::ok;
using hk::test::TempDir;

namespace {

// Appends `count` events in one committed transaction and returns their sequence numbers.
std::vector<std::int64_t> append_committed(Database& db, EventLog& log, int count) {
    auto transaction = ok(db.begin(Durability::critical));
    std::vector<std::int64_t> seqs;
    seqs.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        seqs.push_back(
            ok(log.append(1000 + i, "test.event", R"({"i":)" + std::to_string(i) + "}")));
    }
    ok(transaction.commit());
    return seqs;
}

std::vector<std::int64_t> seqs_of(const std::vector<Event>& events) {
    std::vector<std::int64_t> seqs;
    seqs.reserve(events.size());
    for (const auto& event : events) {
        seqs.push_back(event.seq);
    }
    return seqs;
}

}  // namespace

TEST_CASE("EventLog: last_seq is 0 for an empty log") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");

    CHECK(ok(log.last_seq()) == 0);
    CHECK(ok(log.read_after(0)).empty());
}

TEST_CASE("EventLog: sequence numbers start at 1 and have no gaps") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");

    CHECK(append_committed(db, log, 3) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(append_committed(db, log, 2) == std::vector<std::int64_t>{4, 5});
    CHECK(ok(log.last_seq()) == 5);
}

TEST_CASE("EventLog: sequence numbers continue after the database is reopened") {
    TempDir tmp;
    {
        auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
        EventLog log(db, "kiosk-1");
        append_committed(db, log, 3);
    }

    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");

    CHECK(ok(log.last_seq()) == 3);
    CHECK(append_committed(db, log, 1) == std::vector<std::int64_t>{4});
}

TEST_CASE("EventLog: each node has its own sequence") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog kiosk(db, "kiosk-1");
    EventLog window(db, "window-7");

    append_committed(db, kiosk, 3);
    CHECK(append_committed(db, window, 2) == std::vector<std::int64_t>{1, 2});
    CHECK(append_committed(db, kiosk, 1) == std::vector<std::int64_t>{4});

    CHECK(seqs_of(ok(window.read_after(0))) == std::vector<std::int64_t>{1, 2});
    CHECK(ok(kiosk.last_seq()) == 4);
}

TEST_CASE("EventLog: appends in a rolled-back transaction leave nothing behind") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");

    {
        auto transaction = ok(db.begin(Durability::critical));
        CHECK(ok(log.append(1000, "ticket.issued", R"({"ticket":"A001"})")) == 1);
        CHECK(ok(log.append(1001, "ticket.issued", R"({"ticket":"A002"})")) == 2);
    }

    CHECK(ok(log.last_seq()) == 0);
    CHECK(ok(log.read_after(0)).empty());
    CHECK(append_committed(db, log, 1) == std::vector<std::int64_t>{1});
}

TEST_CASE("EventLog: read_after returns the events after a sequence number, in order") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");
    append_committed(db, log, 5);

    const auto events = ok(log.read_after(2));

    CHECK(seqs_of(events) == std::vector<std::int64_t>{3, 4, 5});
    REQUIRE(events.size() == 3);
    CHECK(events[0].node_id == "kiosk-1");
    CHECK(events[0].at_ms == 1002);
    CHECK(events[0].type == "test.event");
    CHECK(events[0].payload == R"({"i":2})");
}

TEST_CASE("EventLog: read_after returns at most limit events") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");
    append_committed(db, log, 10);

    CHECK(seqs_of(ok(log.read_after(3, 4))) == std::vector<std::int64_t>{4, 5, 6, 7});
    CHECK(ok(log.read_after(3, 0)).empty());
}

TEST_CASE("EventLog: append rejects a payload that is not valid JSON") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");
    auto transaction = ok(db.begin(Durability::critical));

    const auto error = error_of(log.append(1000, "ticket.issued", "{ticket: A001"));

    CHECK(error.code == Errc::constraint);
    CHECK(ok(log.last_seq()) == 0);
}

TEST_CASE("EventLog: append rejects a payload that is JSON but not an object") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");
    auto transaction = ok(db.begin(Durability::critical));

    CHECK(error_of(log.append(1000, "ticket.issued", "[1, 2]")).code == Errc::constraint);
    CHECK(error_of(log.append(1000, "ticket.issued", "42")).code == Errc::constraint);
    CHECK(ok(log.last_seq()) == 0);
}

TEST_CASE("EventLog: append outside a transaction is misuse") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");

    const auto error = error_of(log.append(1000, "ticket.issued", "{}"));

    CHECK(error.code == Errc::misuse);
    CHECK(ok(log.last_seq()) == 0);
}

TEST_CASE("EventLog: appends and reads reuse their prepared statements") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");
    append_committed(db, log, 1);
    CHECK(ok(log.read_after(0)).size() == 1);
    CHECK(ok(log.last_seq()) == 1);
    const auto after_first_use = hk::test::statements_on(db);

    append_committed(db, log, 100);
    for (std::int64_t after = 0; after < 100; after += 10) {
        CHECK(ok(log.read_after(after, 10)).size() == 10);
    }
    CHECK(ok(log.last_seq()) == 101);

    const auto now = hk::test::statements_on(db);
    CHECK(now.alive == after_first_use.alive);
    CHECK(now.busy == 0);
}

TEST_CASE("EventLog: a rejected append leaves the log usable in the same transaction") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog log(db, "kiosk-1");
    auto transaction = ok(db.begin(Durability::critical));

    CHECK(error_of(log.append(1000, "ticket.issued", "{ticket: A001")).code == Errc::constraint);
    CHECK(ok(log.append(1001, "ticket.issued", R"({"ticket":"A001"})")) == 1);
    CHECK(ok(log.append(1002, "ticket.issued", R"({"ticket":"A002"})")) == 2);
    ok(transaction.commit());

    CHECK(seqs_of(ok(log.read_after(0))) == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("EventLog: logs of two nodes on one connection share statements safely") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    EventLog kiosk(db, "kiosk-1");
    EventLog window(db, "window-7");
    {
        auto transaction = ok(db.begin(Durability::critical));
        for (int i = 0; i < 3; ++i) {
            CHECK(ok(kiosk.append(1000 + i, "test.event", "{}")) == i + 1);
            CHECK(ok(window.append(2000 + i, "test.event", "{}")) == i + 1);
        }
        ok(transaction.commit());
    }

    const auto events = ok(window.read_after(1));
    REQUIRE(events.size() == 2);
    CHECK(events[0].node_id == "window-7");
    CHECK(events[0].at_ms == 2001);
    CHECK(ok(kiosk.read_after(0)).front().at_ms == 1000);
}

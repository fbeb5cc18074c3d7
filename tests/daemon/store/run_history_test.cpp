// Tests of the run history: one row per daemon run, to detect runs that did not stop cleanly.
#include "daemon/store/run_history.hpp"

#include <optional>

#include <catch2/catch.hpp>

#include "tests/daemon/store/store_test_util.hpp"
#include "tests/support/temp_dir.hpp"

using hk::store::Errc;
using hk::store::Run;
using hk::store::RunHistory;
using hk::test::error_of;
using hk::test::ok;
using hk::test::TempDir;

TEST_CASE("RunHistory: record_start returns the run as recorded") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    RunHistory runs(db);

    const Run run = ok(runs.record_start(1000, "0.1.0", 4242));

    CHECK(run.id > 0);
    CHECK(run.started_ms == 1000);
    CHECK(run.stopped_ms == std::nullopt);
    CHECK(run.version == "0.1.0");
    CHECK(run.pid == 4242);
}

TEST_CASE("RunHistory: the first run has no previous run") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    RunHistory runs(db);

    const Run run = ok(runs.record_start(1000, "0.1.0", 4242));

    CHECK(ok(runs.previous(run.id)) == std::nullopt);
}

TEST_CASE("RunHistory: a run that did not stop is reported as unclean by the next run") {
    TempDir tmp;
    {
        auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
        RunHistory runs(db);
        ok(runs.record_start(1000, "0.1.0", 41));
        // No record_stop: the power went out.
    }
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    RunHistory runs(db);

    const Run current = ok(runs.record_start(5000, "0.1.1", 42));
    const auto previous = ok(runs.previous(current.id));

    REQUIRE(previous.has_value());
    CHECK(previous->started_ms == 1000);
    CHECK(previous->stopped_ms == std::nullopt);
    CHECK(previous->version == "0.1.0");
    CHECK(previous->pid == 41);
}

TEST_CASE("RunHistory: a cleanly stopped run is reported with its stop time") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    RunHistory runs(db);
    const Run first = ok(runs.record_start(1000, "0.1.0", 41));
    ok(runs.record_stop(first.id, 2000));

    const Run second = ok(runs.record_start(3000, "0.1.0", 42));
    const auto previous = ok(runs.previous(second.id));

    REQUIRE(previous.has_value());
    CHECK(previous->id == first.id);
    CHECK(previous->stopped_ms == std::optional<std::int64_t>(2000));
}

TEST_CASE("RunHistory: previous is the run with the highest lower id") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    RunHistory runs(db);
    const Run first = ok(runs.record_start(1000, "0.1.0", 41));
    const Run second = ok(runs.record_start(2000, "0.1.0", 42));
    const Run third = ok(runs.record_start(3000, "0.1.0", 43));

    CHECK(ok(runs.previous(third.id))->id == second.id);
    CHECK(ok(runs.previous(second.id))->id == first.id);
}

TEST_CASE("RunHistory: stopping a run that was never recorded is misuse") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    RunHistory runs(db);

    CHECK(error_of(runs.record_stop(99, 2000)).code == Errc::misuse);
}

// Tests of the schema migrations and the migrator.
#include "daemon/store/migrations.hpp"

#include <cstddef>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "tests/daemon/store/store_test_util.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using hk::store::Database;
using hk::store::Errc;
using hk::store::latest_schema_version;
using hk::store::migrate;
using hk::store::Migration;
using hk::store::migrations;
using hk::store::schema_version;
using hk::test::error_of;
using hk::test::ok;
using hk::test::query_int;
using hk::test::TempDir;

namespace {

// Rows that a database at `version` may hold, and a query, valid at the latest version, that
// returns 1 when those rows survived every later migration. One entry per migration: adding a
// migration means adding its entry here (the upgrade test fails until then), and changing a
// table means updating the checks of the entries that use it.
struct VersionRows {
    int version;
    std::string_view insert;
    std::string_view check;
};

constexpr VersionRows kRowsAtVersion[] = {
    {1,
     R"sql(
        INSERT INTO node_meta(key, value) VALUES('node_id', 'hall-1-kiosk-3');
        INSERT INTO runs(id, started_ms, stopped_ms, version, pid)
            VALUES(1, 1000, 2000, '0.1.0', 41), (2, 3000, NULL, '0.1.0', 42);
     )sql",
     R"sql(
        SELECT (SELECT value FROM node_meta WHERE key = 'node_id') = 'hall-1-kiosk-3'
           AND (SELECT count(*) FROM runs) = 2
           AND (SELECT pid FROM runs WHERE id = 2 AND stopped_ms IS NULL) = 42
     )sql"},
    {2,
     R"sql(
        INSERT INTO events(node_id, seq, at_ms, type, payload) VALUES
            ('hall-1-kiosk-3', 1, 1000, 'node.started', '{"version":"0.1.0"}'),
            ('hall-1-kiosk-3', 2, 1500, 'ticket.issued', '{"ticket":"A001"}');
     )sql",
     R"sql(
        SELECT (SELECT count(*) FROM events WHERE node_id = 'hall-1-kiosk-3') = 2
           AND (SELECT json_extract(payload, '$.ticket') FROM events WHERE seq = 2) = 'A001'
     )sql"},
    {3,
     R"sql(
        INSERT INTO officers(id, name, pin_hash, updated_ms)
            VALUES('1024', '王芳', '$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA', 5000);
     )sql",
     R"sql(
        SELECT (SELECT name FROM officers WHERE id = '1024') = '王芳'
           AND (SELECT failed_logins FROM officers WHERE id = '1024') = 0
     )sql"},
};

// The schema as SQLite stores it, to compare an upgraded database with a new one.
std::vector<std::string> schema_of(Database& db) {
    auto select =
        ok(db.prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema "
                      "ORDER BY type, name"));
    std::vector<std::string> rows;
    while (ok(select.step())) {
        rows.push_back(select.column_text(0));
    }
    return rows;
}

bool table_exists(Database& db, std::string_view name) {
    auto select =
        ok(db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?"));
    ok(select.bind(1, name));
    REQUIRE(ok(select.step()));
    return select.column_int(0) == 1;
}

}  // namespace

TEST_CASE("Migrations: versions are numbered 1, 2, 3 ... with unique names") {
    std::set<std::string_view> names;
    int expected = 1;
    for (const Migration& migration : migrations()) {
        CHECK(migration.version == expected++);
        CHECK_FALSE(migration.name.empty());
        CHECK_FALSE(migration.sql.empty());
        CHECK(names.insert(migration.name).second);
    }
    CHECK(latest_schema_version() == static_cast<int>(migrations().size()));
}

TEST_CASE("Migrations: a new database is at version 0") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK(ok(schema_version(db)) == 0);
}

TEST_CASE("Migrations: migrate brings a new database to the latest version") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK(ok(migrate(db)) == latest_schema_version());

    CHECK(ok(schema_version(db)) == latest_schema_version());
    CHECK(table_exists(db, "node_meta"));
    CHECK(table_exists(db, "runs"));
    CHECK(table_exists(db, "events"));
}

TEST_CASE("Migrations: each applied migration is recorded with its name") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");

    auto select =
        ok(db.prepare("SELECT version, name, applied_at_ms FROM schema_version "
                      "ORDER BY version"));
    for (const Migration& migration : migrations()) {
        REQUIRE(ok(select.step()));
        CHECK(select.column_int(0) == migration.version);
        CHECK(select.column_text(1) == migration.name);
        CHECK(select.column_int(2) > 0);
    }
    CHECK_FALSE(ok(select.step()));
}

TEST_CASE("Migrations: the database migrates from every earlier version and keeps its rows") {
    const int latest = latest_schema_version();
    REQUIRE(static_cast<int>(std::size(kRowsAtVersion)) == latest);
    for (int i = 0; i < latest; ++i) {
        REQUIRE(kRowsAtVersion[i].version == i + 1);
    }
    TempDir tmp;
    auto fresh = hk::test::open_migrated(tmp / "fresh.db");
    const auto latest_schema = schema_of(fresh);

    for (int from = 0; from < latest; ++from) {
        INFO("migrating from version " << from);
        auto db = ok(Database::open(tmp / ("from-" + std::to_string(from) + ".db")));
        REQUIRE(ok(migrate(db, from)) == from);
        for (int v = 1; v <= from; ++v) {
            ok(db.exec(kRowsAtVersion[v - 1].insert));
        }

        REQUIRE(ok(migrate(db)) == latest);

        for (int v = 1; v <= from; ++v) {
            INFO("rows inserted at version " << v);
            CHECK(query_int(db, kRowsAtVersion[v - 1].check) == 1);
        }
        CHECK(query_int(db, "SELECT count(*) FROM schema_version") == latest);
        CHECK(query_int(db, "SELECT min(version) FROM schema_version") == 1);
        CHECK(query_int(db, "SELECT max(version) FROM schema_version") == latest);
        CHECK(schema_of(db) == latest_schema);
    }
}

TEST_CASE("Migrations: migrate fails with too_new on a database of a newer hallkeeperd") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    const int future = latest_schema_version() + 1;
    auto insert = ok(db.prepare("INSERT INTO schema_version VALUES(?, 'from_the_future', 0)"));
    ok(insert.bind(1, std::int64_t{future}));
    ok(insert.run());

    const auto error = error_of(migrate(db));

    CHECK(error.code == Errc::too_new);
    CHECK_THAT(error.message,
               Catch::Contains("schema version " + std::to_string(future) + " is newer") &&
                   Catch::Contains("knows up to " + std::to_string(latest_schema_version())) &&
                   Catch::Contains((tmp / "hallkeeper.db").string()));
    CHECK(ok(schema_version(db)) == future);
}

TEST_CASE("Migrations: migrating an up-to-date database changes nothing") {
    TempDir tmp;
    auto db = hk::test::open_migrated(tmp / "hallkeeper.db");
    const auto changes = sqlite3_total_changes64(db.handle());

    CHECK(ok(migrate(db)) == latest_schema_version());

    CHECK(sqlite3_total_changes64(db.handle()) == changes);
    CHECK(query_int(db, "SELECT count(*) FROM schema_version") == latest_schema_version());
}

TEST_CASE("Migrations: a failing migration leaves the version and the schema unchanged") {
    constexpr Migration kBroken[] = {
        {1, "first", "CREATE TABLE first(x INTEGER);"},
        {2, "broken", "CREATE TABLE second(x INTEGER); INSERT INTO missing VALUES(1);"},
    };
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    const auto error = error_of(migrate(db, kBroken, 2));

    CHECK(error.code == Errc::misuse);
    CHECK_THAT(error.message,
               Catch::StartsWith("migration 2 (broken) failed") && Catch::Contains("missing"));
    CHECK(ok(schema_version(db)) == 1);
    CHECK(table_exists(db, "first"));
    CHECK_FALSE(table_exists(db, "second"));
}

TEST_CASE("Migrations: a failing first migration leaves a new database at version 0") {
    constexpr Migration kBroken[] = {
        {1, "broken", "CREATE TABLE first(x INTEGER); CREATE TABLE first(y INTEGER);"},
    };
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK_FALSE(migrate(db, kBroken, 1).has_value());

    CHECK(ok(schema_version(db)) == 0);
    CHECK_FALSE(table_exists(db, "first"));
    CHECK_FALSE(table_exists(db, "schema_version"));
}

TEST_CASE("Migrations: a target beyond the latest version is misuse") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK(error_of(migrate(db, latest_schema_version() + 1)).code == Errc::misuse);
    CHECK(ok(schema_version(db)) == 0);
}

TEST_CASE("Migrations: a migration list with a gap is misuse") {
    constexpr Migration kGap[] = {
        {1, "first", "CREATE TABLE first(x INTEGER);"},
        {3, "third", "CREATE TABLE third(x INTEGER);"},
    };
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK(error_of(migrate(db, kGap, -1)).code == Errc::misuse);
    CHECK(ok(schema_version(db)) == 0);
}

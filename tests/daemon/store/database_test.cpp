// Tests of the SQLite layer: opening and its failures, statements, transactions, durability.
#include "daemon/store/database.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include "tests/daemon/store/store_test_util.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using hk::store::Database;
using hk::store::Durability;
using hk::store::Errc;
using hk::store::OpenOptions;
using hk::test::error_of;
using hk::test::ok;
using hk::test::query_int;
using hk::test::TempDir;

namespace {

constexpr int kErrcBase = 10;
constexpr int kSetupFailed = 100;
// Values read back from PRAGMA synchronous.
constexpr std::int64_t kSynchronousNormal = 1;
constexpr std::int64_t kSynchronousFull = 2;

std::string query_text(Database& db, std::string_view sql) {
    auto statement = ok(db.prepare(sql));
    REQUIRE(ok(statement.step()));
    return statement.column_text(0);
}

void create_numbers_table(Database& db, int rows) {
    ok(db.exec("CREATE TABLE numbers(id INTEGER PRIMARY KEY, text TEXT NOT NULL)"));
    auto transaction = ok(db.begin(Durability::relaxed));
    auto insert = ok(db.prepare("INSERT INTO numbers(id, text) VALUES(?, ?)"));
    const std::string text(200, 'x');
    for (int i = 1; i <= rows; ++i) {
        ok(insert.bind_all({std::int64_t{i}, std::string_view(text)}));
        ok(insert.run());
    }
    ok(transaction.commit());
}

// Overwrites whole pages of `file`, from page `first` (1-based), with a byte pattern that is no
// valid b-tree page.
void overwrite_pages(const fs::path& file, std::int64_t page_size, std::int64_t first,
                     std::int64_t count) {
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(out);
    out.seekp((first - 1) * page_size);
    const std::string garbage(static_cast<std::size_t>(page_size * count), '\xa5');
    out.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    REQUIRE(out);
}

}  // namespace

TEST_CASE("Database: open creates a new database in WAL mode with foreign keys on") {
    TempDir tmp;

    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK(fs::exists(tmp / "hallkeeper.db"));
    CHECK(query_text(db, "PRAGMA journal_mode") == "wal");
    CHECK(query_int(db, "PRAGMA foreign_keys") == 1);
    CHECK(db.path() == tmp / "hallkeeper.db");
}

TEST_CASE("Database: open fails with cannot_create when the directory does not exist") {
    TempDir tmp;

    const auto error = error_of(Database::open(tmp / "missing/hallkeeper.db"));

    CHECK(error.code == Errc::cannot_create);
    CHECK_THAT(error.message, Catch::Contains((tmp / "missing/hallkeeper.db").string()));
}

TEST_CASE("Database: open without create fails with cannot_create when the file is missing") {
    TempDir tmp;

    const auto error =
        error_of(Database::open(tmp / "hallkeeper.db", OpenOptions{.create = false}));

    CHECK(error.code == Errc::cannot_create);
    CHECK_FALSE(fs::exists(tmp / "hallkeeper.db"));
}

TEST_CASE("Database: open of a file that is not a database fails with corrupt") {
    TempDir tmp;
    std::string garbage;
    for (int i = 0; i < 200; ++i) {
        garbage += "this is not a SQLite database; ";
    }
    hk::test::write_file(tmp / "hallkeeper.db", garbage);

    const auto error = error_of(Database::open(tmp / "hallkeeper.db"));

    CHECK(error.code == Errc::corrupt);
    CHECK_THAT(error.message, Catch::Contains((tmp / "hallkeeper.db").string()) &&
                                  Catch::Contains("restore a backup"));
}

TEST_CASE("Database: open of a database with overwritten pages fails with corrupt") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    std::int64_t page_size = 0;
    {
        auto db = ok(Database::open(file));
        create_numbers_table(db, 300);
        page_size = query_int(db, "PRAGMA page_size");
    }
    REQUIRE_FALSE(fs::exists(file.string() + "-wal"));  // all of it is in the main file
    const auto pages = static_cast<std::int64_t>(fs::file_size(file)) / page_size;
    REQUIRE(pages > 6);

    overwrite_pages(file, page_size, 3, 2);

    const auto error = error_of(Database::open(file));
    CHECK(error.code == Errc::corrupt);
}

TEST_CASE("Database: reading an overwritten page fails with corrupt when the check is skipped") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    std::int64_t page_size = 0;
    {
        auto db = ok(Database::open(file));
        create_numbers_table(db, 300);
        page_size = query_int(db, "PRAGMA page_size");
    }
    overwrite_pages(file, page_size, 3, 2);

    auto db = ok(Database::open(file, OpenOptions{.quick_check = false}));
    auto select = ok(db.prepare("SELECT sum(length(text)) FROM numbers"));

    CHECK(error_of(select.step()).code == Errc::corrupt);
}

TEST_CASE("Database: open fails with locked while another connection holds an exclusive lock") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    hk::test::RawConnection other(file);
    other.exec("CREATE TABLE t(x); BEGIN EXCLUSIVE; INSERT INTO t VALUES(1)");

    const auto error = error_of(Database::open(file));

    CHECK(error.code == Errc::locked);
    CHECK_THAT(error.message, Catch::Contains(file.string()));
    other.exec("ROLLBACK");
}

TEST_CASE("Database: begin fails with locked while another connection is writing") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    auto db = ok(Database::open(file));
    hk::test::RawConnection other(file);
    other.exec("BEGIN EXCLUSIVE");

    const auto error = error_of(db.begin(Durability::critical));

    CHECK(error.code == Errc::locked);
    other.exec("ROLLBACK");
    CHECK(db.begin(Durability::critical).has_value());
}

TEST_CASE("Database: open fails with not_writable on a file this user cannot write") {
    TempDir tmp;
    // As in the StateDir test: the child runs as nobody when the tests run as root.
    fs::permissions(tmp.path(), fs::perms(0755));
    const fs::path file = tmp / "hallkeeper.db";
    { auto db = ok(Database::open(file)); }
    fs::permissions(file, fs::perms(0644));
    if (::geteuid() != 0) {
        fs::permissions(file, fs::perms(0444));
        fs::permissions(tmp.path(), fs::perms(0555));
    }

    const auto outcome = hk::test::run_in_child([&](std::string& out) {
        if (!hk::test::drop_root_privileges()) {
            out = "cannot become uid 65534";
            return kSetupFailed;
        }
        auto db = Database::open(file);
        if (db) {
            return 0;
        }
        out = db.error().message;
        return kErrcBase + static_cast<int>(db.error().code);
    });

    INFO(outcome.output);
    CHECK(outcome.exit_code == kErrcBase + static_cast<int>(Errc::not_writable));
    CHECK_THAT(outcome.output, Catch::Contains(file.string()));
}

TEST_CASE("Database: a transaction that is not committed rolls back") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    ok(db.exec("CREATE TABLE t(x INTEGER)"));

    {
        auto transaction = ok(db.begin(Durability::critical));
        ok(db.exec("INSERT INTO t VALUES(1)"));
    }

    CHECK(query_int(db, "SELECT count(*) FROM t") == 0);
}

TEST_CASE("Database: an explicit rollback undoes the transaction") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    ok(db.exec("CREATE TABLE t(x INTEGER)"));
    auto transaction = ok(db.begin(Durability::critical));
    ok(db.exec("INSERT INTO t VALUES(1)"));

    transaction.rollback();

    CHECK(query_int(db, "SELECT count(*) FROM t") == 0);
    CHECK_FALSE(transaction.commit().has_value());
}

TEST_CASE("Database: a committed transaction is kept after reopening") {
    TempDir tmp;
    {
        auto db = ok(Database::open(tmp / "hallkeeper.db"));
        ok(db.exec("CREATE TABLE t(x INTEGER)"));
        auto transaction = ok(db.begin(Durability::critical));
        ok(db.exec("INSERT INTO t VALUES(1)"));
        ok(transaction.commit());
    }

    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    CHECK(query_int(db, "SELECT count(*) FROM t") == 1);
}

TEST_CASE("Database: synchronous is FULL inside a critical transaction") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    { auto relaxed = ok(db.begin(Durability::relaxed)); }

    auto transaction = ok(db.begin(Durability::critical));

    CHECK(query_int(db, "PRAGMA synchronous") == kSynchronousFull);
}

TEST_CASE("Database: synchronous is NORMAL inside a relaxed transaction") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    auto transaction = ok(db.begin(Durability::relaxed));

    CHECK(query_int(db, "PRAGMA synchronous") == kSynchronousNormal);
}

TEST_CASE("Database: writes outside a transaction are critical after open") {
    TempDir tmp;

    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK(query_int(db, "PRAGMA synchronous") == kSynchronousFull);
}

TEST_CASE("Database: the synchronous pragma is issued only when the durability changes") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    std::vector<std::string> statements;
    sqlite3_trace_v2(
        db.handle(), SQLITE_TRACE_STMT,
        [](unsigned, void* context, void*, void* sql) {
            static_cast<std::vector<std::string>*>(context)->emplace_back(
                static_cast<const char*>(sql));
            return 0;
        },
        &statements);

    for (const auto durability : {Durability::critical, Durability::critical, Durability::relaxed,
                                  Durability::relaxed, Durability::critical}) {
        ok(ok(db.begin(durability)).commit());
    }

    std::vector<std::string> pragmas;
    for (const auto& sql : statements) {
        if (sql.find("synchronous") != std::string::npos) {
            pragmas.push_back(sql);
        }
    }
    CHECK(pragmas ==
          std::vector<std::string>{"PRAGMA synchronous=NORMAL", "PRAGMA synchronous=FULL"});
}

TEST_CASE("Database: begin while a transaction is open is misuse") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    auto transaction = ok(db.begin(Durability::critical));

    const auto error = error_of(db.begin(Durability::relaxed));

    CHECK(error.code == Errc::misuse);
    CHECK(query_int(db, "PRAGMA synchronous") == kSynchronousFull);
}

TEST_CASE("Database: prepare of invalid SQL fails with misuse and SQLite's message") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    const auto error = error_of(db.prepare("SELEKT 1"));

    CHECK(error.code == Errc::misuse);
    CHECK_THAT(error.message, Catch::Contains("syntax error") && Catch::Contains("SELEKT 1"));
}

TEST_CASE("Database: prepare of more than one statement is misuse") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));

    CHECK(error_of(db.prepare("SELECT 1; SELECT 2")).code == Errc::misuse);
}

TEST_CASE("Database: statements bind and read back every kind of value") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    auto select = ok(db.prepare("SELECT ?, ?, ?, ?, typeof(?5), length(?5), ?6, hex(?5)"));
    const std::array<std::byte, 3> blob{std::byte{1}, std::byte{0}, std::byte{0xff}};

    ok(select.bind_all({std::monostate{}, std::numeric_limits<std::int64_t>::max(), 2.5,
                        std::string_view("窗口 3 号"), std::span<const std::byte>(blob),
                        std::string_view()}));
    REQUIRE(ok(select.step()));

    CHECK(select.is_null(0));
    CHECK(select.column_optional_text(0) == std::nullopt);
    CHECK(select.column_int(1) == std::numeric_limits<std::int64_t>::max());
    CHECK(select.column_double(2) == 2.5);
    CHECK(select.column_text(3) == "窗口 3 号");
    CHECK(select.column_text(4) == "blob");
    CHECK(select.column_int(5) == 3);
    CHECK(select.column_optional_text(6) == std::optional<std::string>(""));
    CHECK(select.column_text(7) == "0100FF");
    CHECK_FALSE(ok(select.step()));
}

TEST_CASE("Database: reset clears the bindings of a statement") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    auto select = ok(db.prepare("SELECT ?"));
    ok(select.bind(1, std::int64_t{7}));
    REQUIRE(ok(select.step()));

    select.reset();

    REQUIRE(ok(select.step()));
    CHECK(select.is_null(0));
}

TEST_CASE("Database: run leaves a statement ready to run again with its bindings") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    ok(db.exec("CREATE TABLE t(x INTEGER)"));
    auto insert = ok(db.prepare("INSERT INTO t VALUES(?)"));
    ok(insert.bind(1, std::int64_t{5}));

    ok(insert.run());
    ok(insert.run());

    CHECK(query_int(db, "SELECT sum(x) FROM t") == 10);
    CHECK(db.last_insert_rowid() == 2);
}

TEST_CASE("Database: cached prepares a statement once and lends it out again") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    create_numbers_table(db, 3);
    const auto before = hk::test::statements_on(db).alive;
    const hk::store::Statement* first = nullptr;
    {
        auto select = ok(db.cached("SELECT count(*) FROM numbers WHERE id <= ?"));
        first = &*select;
        ok(select->bind(1, std::int64_t{2}));
        REQUIRE(ok(select->step()));
        CHECK(select->column_int(0) == 2);
    }

    for (int i = 0; i < 10; ++i) {
        auto select = ok(db.cached("SELECT count(*) FROM numbers WHERE id <= ?"));
        CHECK(&*select == first);
        ok(select->bind(1, std::int64_t{i}));
        REQUIRE(ok(select->step()));
        CHECK(select->column_int(0) == std::min(i, 3));
    }

    CHECK(hk::test::statements_on(db).alive == before + 1);
}

TEST_CASE("Database: a cached statement comes back reset, unbound and holding no lock") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    create_numbers_table(db, 3);
    {
        // Left part-way: a row is pending, so the statement holds a read transaction.
        auto select = ok(db.cached("SELECT id FROM numbers WHERE id >= ? ORDER BY id"));
        ok(select->bind(1, std::int64_t{2}));
        REQUIRE(ok(select->step()));
        CHECK(hk::test::statements_on(db).busy == 1);
    }

    CHECK(hk::test::statements_on(db).busy == 0);
    auto select = ok(db.cached("SELECT id FROM numbers WHERE id >= ? ORDER BY id"));
    CHECK_FALSE(ok(select->step()));  // unbound: id >= NULL matches nothing
}

TEST_CASE("Database: a cached statement cannot be lent out twice at once") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    {
        auto first = ok(db.cached("SELECT 1"));

        const auto error = error_of(db.cached("SELECT 1"));

        CHECK(error.code == Errc::misuse);
        CHECK_THAT(error.message, Catch::Contains("SELECT 1") && Catch::Contains("in use"));
        auto other = ok(db.cached("SELECT 2"));  // another statement is fine
        REQUIRE(ok(other->step()));
        CHECK(other->column_int(0) == 2);
    }
    auto again = ok(db.cached("SELECT 1"));
    REQUIRE(ok(again->step()));
    CHECK(again->column_int(0) == 1);
}

TEST_CASE("Database: cached refuses bad SQL and keeps nothing of it") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    const auto before = hk::test::statements_on(db).alive;

    CHECK(error_of(db.cached("SELEC 1")).code == Errc::misuse);
    CHECK(error_of(db.cached("SELECT 1; SELECT 2")).code == Errc::misuse);
    CHECK(error_of(db.cached("SELEC 1")).code == Errc::misuse);

    CHECK(hk::test::statements_on(db).alive == before);
}

TEST_CASE("Database: a statement that failed is reset when given back to the cache") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    ok(db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY); INSERT INTO t VALUES(1)"));
    {
        auto insert = ok(db.cached("INSERT INTO t VALUES(?)"));
        ok(insert->bind(1, std::int64_t{1}));
        CHECK(error_of(insert->run()).code == Errc::constraint);
    }

    auto insert = ok(db.cached("INSERT INTO t VALUES(?)"));
    ok(insert->bind(1, std::int64_t{2}));
    ok(insert->run());
    CHECK(query_int(db, "SELECT count(*) FROM t") == 2);
}

TEST_CASE("Database: closing finalizes cached statements and removes the WAL") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    {
        auto db = ok(Database::open(file));
        create_numbers_table(db, 5);
        auto select = ok(db.cached("SELECT text FROM numbers"));
        REQUIRE(ok(select->step()));
    }
    CHECK_FALSE(fs::exists(file.string() + "-wal"));

    auto db = ok(Database::open(file));
    {
        auto select = ok(db.cached("SELECT count(*) FROM numbers"));
        REQUIRE(ok(select->step()));
        CHECK(select->column_int(0) == 5);
    }
    // Moved while nothing is lent out: the cache moves with the connection.
    Database moved(std::move(db));
    auto select = ok(moved.cached("SELECT count(*) FROM numbers"));
    REQUIRE(ok(select->step()));
    CHECK(select->column_int(0) == 5);
}

TEST_CASE("Database: binding a parameter that does not exist is misuse") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    auto select = ok(db.prepare("SELECT ?"));

    CHECK(error_of(select.bind(2, std::int64_t{1})).code == Errc::misuse);
}

TEST_CASE("Database: a constraint violation fails with constraint") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    ok(db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY); INSERT INTO t VALUES(1)"));
    auto insert = ok(db.prepare("INSERT INTO t VALUES(1)"));

    const auto error = error_of(insert.run());

    CHECK(error.code == Errc::constraint);
    CHECK((error.sqlite_code & 0xff) == SQLITE_CONSTRAINT);
}

TEST_CASE("Database: size_bytes counts the database file and its WAL") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    auto db = ok(Database::open(file));
    create_numbers_table(db, 50);

    const auto wal = fs::path(file.string() + "-wal");
    REQUIRE(fs::exists(wal));
    CHECK(fs::file_size(wal) > 0);
    CHECK(db.size_bytes() == fs::file_size(file) + fs::file_size(wal));
}

TEST_CASE("Database: closing checkpoints the WAL into the database file") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    {
        auto db = ok(Database::open(file));
        create_numbers_table(db, 50);
    }

    CHECK_FALSE(fs::exists(file.string() + "-wal"));
    auto db = ok(Database::open(file));
    CHECK(query_int(db, "SELECT count(*) FROM numbers") == 50);
}

TEST_CASE("Database: a moved database keeps its connection") {
    TempDir tmp;
    auto db = ok(Database::open(tmp / "hallkeeper.db"));
    ok(db.exec("CREATE TABLE t(x INTEGER)"));

    Database moved(std::move(db));

    ok(moved.exec("INSERT INTO t VALUES(1)"));
    CHECK(query_int(moved, "SELECT count(*) FROM t") == 1);
}

TEST_CASE("error_from_sqlite maps each SQLite code to the error the operator acts on") {
    TempDir tmp;
    const fs::path file = tmp / "hallkeeper.db";
    const auto [sqlite_code, expected] = GENERATE(table<int, Errc>({
        {SQLITE_NOTADB, Errc::corrupt},
        {SQLITE_CORRUPT, Errc::corrupt},
        {SQLITE_BUSY, Errc::locked},
        {SQLITE_LOCKED, Errc::locked},
        {SQLITE_READONLY, Errc::not_writable},
        {SQLITE_PERM, Errc::not_writable},
        {SQLITE_CANTOPEN, Errc::not_writable},
        {SQLITE_FULL, Errc::io},
        {SQLITE_IOERR_WRITE, Errc::io},
        {SQLITE_CONSTRAINT_CHECK, Errc::constraint},
        {SQLITE_ERROR, Errc::misuse},
        {SQLITE_MISUSE, Errc::misuse},
    }));

    const auto error = hk::store::error_from_sqlite(sqlite_code, "what\nhappened", file);

    INFO(error.message);
    CHECK(error.code == expected);
    CHECK(error.sqlite_code == sqlite_code);
    CHECK_THAT(error.message, Catch::Contains(file.string()) && Catch::Contains("what"));
    CHECK(error.message.find('\n') == std::string::npos);
}

TEST_CASE("error_from_sqlite reports cannot_create when the database directory is missing") {
    TempDir tmp;

    const auto error =
        hk::store::error_from_sqlite(SQLITE_CANTOPEN, "", tmp / "missing/hallkeeper.db");

    CHECK(error.code == Errc::cannot_create);
}

// The schema migrations of the state database and the migrator that applies them.

#include "daemon/store/migrations.hpp"

#include <chrono>
#include <cstddef>
#include <iterator>
#include <utility>

#include <fmt/format.h>

namespace hk::store {

namespace {

// Append only. An applied migration is never edited: databases in the field already ran it.
constexpr Migration kMigrations[] = {
    {1, "node_and_runs", R"sql(
        CREATE TABLE node_meta(
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE runs(
            id INTEGER PRIMARY KEY,
            started_ms INTEGER NOT NULL,
            stopped_ms INTEGER,
            version TEXT NOT NULL,
            pid INTEGER NOT NULL
        );
    )sql"},
    {2, "event_log", R"sql(
        CREATE TABLE events(
            node_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at_ms INTEGER NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL CHECK(json_valid(payload) AND json_type(payload) = 'object'),
            PRIMARY KEY(node_id, seq)
        ) WITHOUT ROWID;
        -- Uploads, replays by time and pruning select by time across nodes.
        CREATE INDEX events_at_ms ON events(at_ms);
    )sql"},
    {3, "officers", R"sql(
        -- The officers who may log in at a counter; the PIN only as an Argon2id hash.
        CREATE TABLE officers(
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            pin_hash TEXT NOT NULL,
            updated_ms INTEGER NOT NULL,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until_ms INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
    )sql"},
};

constexpr bool versions_are_gapless(std::span<const Migration> list) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i].version != static_cast<int>(i) + 1) {
            return false;
        }
    }
    return true;
}
static_assert(versions_are_gapless(kMigrations), "migration versions must be 1, 2, 3 ...");

constexpr std::string_view kCreateSchemaVersion = R"sql(
    CREATE TABLE IF NOT EXISTS schema_version(
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at_ms INTEGER NOT NULL
    )
)sql";

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Error misuse(const Database& db, std::string_view what) {
    Error error;
    error.code = Errc::misuse;
    error.message = fmt::format(
        "state database {} cannot be migrated ({}): this is a bug in hallkeeperd, report it "
        "with this message",
        db.path().string(), what);
    return error;
}

Result<std::int64_t> query_int(Database& db, std::string_view sql) {
    auto statement = db.prepare(sql);
    if (!statement) {
        return std::unexpected(std::move(statement.error()));
    }
    auto row = statement->step();
    if (!row) {
        return std::unexpected(std::move(row.error()));
    }
    return *row ? statement->column_int(0) : 0;
}

// One migration and its version row, in one critical transaction: all or nothing.
Result<void> apply(Database& db, const Migration& migration) {
    auto transaction = db.begin(Durability::critical);
    if (!transaction) {
        return std::unexpected(std::move(transaction.error()));
    }
    if (auto created = db.exec(kCreateSchemaVersion); !created) {
        return created;
    }
    if (auto applied = db.exec(migration.sql); !applied) {
        return applied;
    }
    auto insert =
        db.prepare("INSERT INTO schema_version(version, name, applied_at_ms) VALUES(?, ?, ?)");
    if (!insert) {
        return std::unexpected(std::move(insert.error()));
    }
    if (auto bound = insert->bind_all({std::int64_t{migration.version}, migration.name, now_ms()});
        !bound) {
        return bound;
    }
    if (auto inserted = insert->run(); !inserted) {
        return inserted;
    }
    return transaction->commit();
}

}  // namespace

std::span<const Migration> migrations() {
    return kMigrations;
}

// Versions are gapless from 1 (checked above), so the latest is the count.
int latest_schema_version() {
    return static_cast<int>(std::size(kMigrations));
}

Result<int> schema_version(Database& db) {
    auto exists = query_int(db,
                            "SELECT count(*) FROM sqlite_schema "
                            "WHERE type = 'table' AND name = 'schema_version'");
    if (!exists) {
        return std::unexpected(std::move(exists.error()));
    }
    if (*exists == 0) {
        return 0;
    }
    auto version = query_int(db, "SELECT coalesce(max(version), 0) FROM schema_version");
    if (!version) {
        return std::unexpected(std::move(version.error()));
    }
    return static_cast<int>(*version);
}

Result<int> migrate(Database& db, int target) {
    return migrate(db, migrations(), target);
}

Result<int> migrate(Database& db, std::span<const Migration> list, int target) {
    if (!versions_are_gapless(list)) {
        return std::unexpected(misuse(db, "the migration list is not numbered 1, 2, 3 ..."));
    }
    const int latest = static_cast<int>(list.size());
    if (target == -1) {
        target = latest;
    }
    if (target < 0 || target > latest) {
        return std::unexpected(
            misuse(db, fmt::format("target version {} is not in 0..{}", target, latest)));
    }
    auto current = schema_version(db);
    if (!current) {
        return std::unexpected(std::move(current.error()));
    }
    if (*current > latest) {
        Error error;
        error.code = Errc::too_new;
        error.message = fmt::format(
            "state database {} schema version {} is newer than this hallkeeperd (knows up to "
            "{}): install the newer version or restore a matching backup",
            db.path().string(), *current, latest);
        return std::unexpected(std::move(error));
    }
    int version = *current;
    for (; version < target; ++version) {
        const Migration& migration = list[static_cast<std::size_t>(version)];
        if (auto applied = apply(db, migration); !applied) {
            Error error = std::move(applied.error());
            error.message = fmt::format("migration {} ({}) failed: {}", migration.version,
                                        migration.name, error.message);
            return std::unexpected(std::move(error));
        }
    }
    return version;
}

}  // namespace hk::store

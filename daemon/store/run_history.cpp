// The `runs` table: one row per daemon run, used to detect runs that did not stop cleanly.

#include "daemon/store/run_history.hpp"

#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

namespace hk::store {

RunHistory::RunHistory(Database& db) : db_(&db) {}

Result<Run> RunHistory::record_start(std::int64_t at_ms, std::string_view version,
                                     std::int64_t pid) {
    // Critical: after a power cut the next start must still see that this run began.
    auto transaction = db_->begin(Durability::critical);
    if (!transaction) {
        return std::unexpected(std::move(transaction.error()));
    }
    auto insert = db_->prepare("INSERT INTO runs(started_ms, version, pid) VALUES(?, ?, ?)");
    if (!insert) {
        return std::unexpected(std::move(insert.error()));
    }
    if (auto bound = insert->bind_all({at_ms, version, pid}); !bound) {
        return std::unexpected(std::move(bound.error()));
    }
    if (auto inserted = insert->run(); !inserted) {
        return std::unexpected(std::move(inserted.error()));
    }
    Run run;
    run.id = db_->last_insert_rowid();
    run.started_ms = at_ms;
    run.version = std::string(version);
    run.pid = pid;
    if (auto committed = transaction->commit(); !committed) {
        return std::unexpected(std::move(committed.error()));
    }
    return run;
}

Result<void> RunHistory::record_stop(std::int64_t id, std::int64_t at_ms) {
    auto transaction = db_->begin(Durability::critical);
    if (!transaction) {
        return std::unexpected(std::move(transaction.error()));
    }
    auto update = db_->prepare("UPDATE runs SET stopped_ms = ? WHERE id = ?");
    if (!update) {
        return std::unexpected(std::move(update.error()));
    }
    if (auto bound = update->bind_all({at_ms, id}); !bound) {
        return bound;
    }
    if (auto updated = update->run(); !updated) {
        return updated;
    }
    if (sqlite3_changes(db_->handle()) != 1) {
        return std::unexpected(error_from_sqlite(
            SQLITE_MISUSE, fmt::format("stop of run {}, which is not recorded", id), db_->path()));
    }
    return transaction->commit();
}

Result<std::optional<Run>> RunHistory::previous(std::int64_t id) {
    auto select = db_->prepare(
        "SELECT id, started_ms, stopped_ms, version, pid FROM runs WHERE id < ? "
        "ORDER BY id DESC LIMIT 1");
    if (!select) {
        return std::unexpected(std::move(select.error()));
    }
    if (auto bound = select->bind(1, id); !bound) {
        return std::unexpected(std::move(bound.error()));
    }
    auto row = select->step();
    if (!row) {
        return std::unexpected(std::move(row.error()));
    }
    if (!*row) {
        return std::optional<Run>();
    }
    Run run;
    run.id = select->column_int(0);
    run.started_ms = select->column_int(1);
    if (!select->is_null(2)) {
        run.stopped_ms = select->column_int(2);
    }
    run.version = select->column_text(3);
    run.pid = select->column_int(4);
    return run;
}

}  // namespace hk::store

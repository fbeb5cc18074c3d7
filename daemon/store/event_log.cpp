// The per-node, append-only event log stored in the `events` table.
//
// Its three statements run for every queue operation (append) and every start (read_after,
// last_seq), so they come from the connection's statement cache instead of being parsed and
// planned again on every call.

#include "daemon/store/event_log.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

namespace hk::store {

namespace {

constexpr std::string_view kAppendSql =
    "INSERT INTO events(node_id, seq, at_ms, type, payload) "
    "SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4 FROM events WHERE node_id = ?1 "
    "RETURNING seq";
constexpr std::string_view kReadAfterSql =
    "SELECT seq, at_ms, type, payload FROM events WHERE node_id = ? AND seq > ? "
    "ORDER BY seq LIMIT ?";
constexpr std::string_view kLastSeqSql =
    "SELECT coalesce(max(seq), 0) FROM events WHERE node_id = ?";

}  // namespace

EventLog::EventLog(Database& db, std::string node_id) : db_(&db), node_id_(std::move(node_id)) {}

Result<std::int64_t> EventLog::append(std::int64_t at_ms, std::string_view type,
                                      std::string_view payload_json) {
    // Reading the last seq and inserting the next one must be one atomic step, and the event
    // must commit together with the state change it records: hence the caller's transaction.
    if (sqlite3_get_autocommit(db_->handle()) != 0) {
        return std::unexpected(error_from_sqlite(
            SQLITE_MISUSE, fmt::format("event {} appended outside a transaction", type),
            db_->path()));
    }
    auto insert = db_->cached(kAppendSql);
    if (!insert) {
        return std::unexpected(std::move(insert.error()));
    }
    if (auto bound = (*insert)->bind_all({std::string_view(node_id_), at_ms, type, payload_json});
        !bound) {
        return std::unexpected(std::move(bound.error()));
    }
    auto row = (*insert)->step();
    if (!row) {
        return std::unexpected(std::move(row.error()));
    }
    const std::int64_t seq = (*insert)->column_int(0);
    // Stepping to the end completes the insert before the statement is reset.
    if (auto done = (*insert)->run(); !done) {
        return std::unexpected(std::move(done.error()));
    }
    return seq;
}

Result<std::vector<Event>> EventLog::read_after(std::int64_t after, int limit) {
    std::vector<Event> events;
    if (limit <= 0) {
        return events;
    }
    auto select = db_->cached(kReadAfterSql);
    if (!select) {
        return std::unexpected(std::move(select.error()));
    }
    if (auto bound = (*select)->bind_all({std::string_view(node_id_), after, std::int64_t{limit}});
        !bound) {
        return std::unexpected(std::move(bound.error()));
    }
    // Sized for a full batch, up to a bound, so that a large limit costs nothing up front.
    constexpr int kMaxReserve = 4096;
    events.reserve(static_cast<std::size_t>(std::min(limit, kMaxReserve)));
    while (true) {
        auto row = (*select)->step();
        if (!row) {
            return std::unexpected(std::move(row.error()));
        }
        if (!*row) {
            break;
        }
        events.push_back(Event{node_id_, (*select)->column_int(0), (*select)->column_int(1),
                               (*select)->column_text(2), (*select)->column_text(3)});
    }
    return events;
}

Result<std::int64_t> EventLog::last_seq() {
    auto select = db_->cached(kLastSeqSql);
    if (!select) {
        return std::unexpected(std::move(select.error()));
    }
    if (auto bound = (*select)->bind(1, std::string_view(node_id_)); !bound) {
        return std::unexpected(std::move(bound.error()));
    }
    auto row = (*select)->step();
    if (!row) {
        return std::unexpected(std::move(row.error()));
    }
    return *row ? (*select)->column_int(0) : 0;
}

}  // namespace hk::store

// The append-only event log (DESIGN.md §5): every state change of the node is an event with a
// stable id (node id + per-node sequence), a time and a JSON payload. Queue state, replicas,
// the platform upload and `hallctl replay` are all built from it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"

namespace hk::store {

struct Event {
    std::string node_id;
    std::int64_t seq = 0;    // 1, 2, 3 … per node, without gaps
    std::int64_t at_ms = 0;  // Unix time in milliseconds
    std::string type;        // dotted name, e.g. "node.started"
    std::string payload;     // JSON object text
};

class EventLog {
public:
    // `db` must outlive the log and be migrated.
    EventLog(Database& db, std::string node_id);

    // Appends one event and returns its sequence number (last seq of this node + 1). Must be
    // called inside a transaction of the caller (Database::begin), so that the event commits
    // or rolls back together with the change it records and the sequence stays gapless.
    // Errors: misuse (no transaction open), constraint (payload is not valid JSON, duplicate
    // id), io.
    Result<std::int64_t> append(std::int64_t at_ms, std::string_view type,
                                std::string_view payload_json);

    // Events of this node with seq > after, in order, at most `limit` (none when limit <= 0).
    [[nodiscard]] Result<std::vector<Event>> read_after(std::int64_t after, int limit = 1000);

    // Highest sequence number of this node (0 when empty).
    [[nodiscard]] Result<std::int64_t> last_seq();

private:
    Database* db_;
    std::string node_id_;
};

}  // namespace hk::store

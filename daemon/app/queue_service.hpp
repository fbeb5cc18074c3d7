// The hall's queue inside the daemon: the engine, rebuilt from the node's event log at start,
// and every accepted operation's events committed to the log in one critical (power-cut safe)
// transaction before the operation is answered. Lives on the event loop thread.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/queue/engine.hpp"
#include "daemon/queue/statistics.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/event_log.hpp"

namespace hk::app {

class QueueService {
public:
    // Replays every queue event of this node from `log` onto a fresh state for `hall`.
    // Errors: corrupt (an event in the log cannot be decoded), io.
    [[nodiscard]] static store::Result<QueueService> open(store::Database& db, store::EventLog& log,
                                                          queue::HallDefinition hall,
                                                          int utc_offset_minutes);

    // Runs one operation (queue/operations.hpp) at hall time `now`. An accepted operation is
    // answered only after its events are durable; if they cannot be written the engine is
    // rebuilt from the log (so memory never runs ahead of disk) and the answer is an
    // "internal" error.
    [[nodiscard]] nlohmann::json run(std::int64_t now_ms, std::string_view actor,
                                     const nlohmann::json& operation);

    // How later operations are committed: critical (the default; what the daemon uses) or
    // relaxed, for generated data and benchmarks that need no power-cut safety.
    void set_durability(store::Durability durability) { durability_ = durability; }

    [[nodiscard]] const queue::Engine& engine() const { return engine_; }
    // Fed every queue event replayed and committed (docs/statistics.md).
    [[nodiscard]] const queue::Statistics& statistics() const { return statistics_; }
    [[nodiscard]] std::int64_t events_replayed() const { return events_replayed_; }

private:
    QueueService(store::Database& db, store::EventLog& log, queue::HallDefinition hall,
                 int utc_offset_minutes);
    store::Result<void> reload();
    store::Result<void> persist(const queue::Events& events);

    store::Database* db_;
    store::EventLog* log_;
    queue::HallDefinition hall_;
    int utc_offset_minutes_;
    queue::Engine engine_;
    queue::Statistics statistics_;
    std::int64_t events_replayed_ = 0;
    store::Durability durability_ = store::Durability::critical;
};

}  // namespace hk::app

// A busy hall day for the persistence benchmarks (store_bench, startup_bench): a hall of 50
// services and 50 windows, citizens arriving through a simulated day, and windows working
// through them (call, recall, no-show, start, transfer, hold and call back, finish, lunch
// pause), all as queue operations (daemon/queue/operations.hpp) on a simulated clock. Seeded
// and deterministic: the same seed gives the same day, and nothing sleeps.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_hall.hpp"
#include "daemon/queue/hall.hpp"
#include "daemon/queue/state.hpp"

namespace hk::queue {
class Engine;
}
namespace hk::store {
class Database;
}

namespace hk::bench {

// The node the benchmarks' logs belong to.
inline constexpr std::string_view kBenchNode = "bench-node";

// The benchmarks' hall (bench_hall.hpp) with short services: 1.2 minutes on average.
[[nodiscard]] BenchHall make_busy_hall(std::uint64_t seed);

// The hall as a hall file (docs/hall-file.md), for a daemon to load.
[[nodiscard]] std::string hall_file_text(const queue::HallDefinition& hall);

// One operation of the day: when, who, and the operation as JSON.
struct Operation {
    Millis now = 0;
    std::string actor;
    nlohmann::json op;
};

// The day as a sequence of operations. Call next(), run the operation (QueueService::run),
// then give its answer to answered() before the next call of next().
class BusyDay {
public:
    BusyDay(const BenchHall& hall, int arrivals, std::uint64_t seed);
    BusyDay(const BusyDay&) = delete;
    BusyDay& operator=(const BusyDay&) = delete;
    ~BusyDay();

    // The next operation, or empty once the day is over (every window logged out). `engine`
    // is the one the operations run on: windows look at its waiting lists to decide whether
    // to call.
    [[nodiscard]] std::optional<Operation> next(const queue::Engine& engine);
    void answered(const nlohmann::json& answer);

    [[nodiscard]] int operations() const;
    [[nodiscard]] int refused() const;  // operations the engine refused (no events)

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Arrivals of a day that writes about 50,000 queue events.
inline constexpr int kDayArrivals = 9'900;

struct DayLog {
    std::int64_t queue_events = 0;
    int operations = 0;
    int refused = 0;
    Millis last_at = 0;            // hall time of the last operation
    std::size_t tickets = 0;       // tickets in the engine at the end
    std::size_t peak_waiting = 0;  // most tickets waiting at once
    std::uint64_t db_bytes = 0;    // database plus WAL, after closing
    double seconds = 0;            // wall time to write it
};

// Writes a busy day into the database `db_file` (created and migrated if needed) as node
// kBenchNode, with relaxed durability (fast, and nothing here needs power-cut safety), and
// stops after the operation that brings the log to `queue_events` queue events (or at the end
// of the day). Exits the process with a message on any store error.
[[nodiscard]] DayLog write_busy_day(const std::filesystem::path& db_file, const BenchHall& hall,
                                    std::int64_t queue_events);

// Tickets waiting in every service's queue.
[[nodiscard]] std::size_t waiting_tickets(const queue::QueueState& state);

// The floor of any replay: every event row of kBenchNode in `db`, in order, stepped through
// with the SQLite API and each column touched, nothing copied or decoded. Returns the time
// in ms; `rows` is set to the number of rows.
[[nodiscard]] double bare_select_ms(store::Database& db, std::int64_t& rows);

}  // namespace hk::bench

// Persistence benchmark: how many queue operations per second the daemon can make durable, and
// how long it takes to rebuild the queue from a busy day's event log at start.
//
// 1. Durable operations. A busy day (bench/busy_day.hpp: 50 services, 50 windows) runs through
//    `QueueService::run` on a real store until 10:00, the morning peak, with relaxed commits
//    (not timed). From there each operation — decide, apply, encode, and append its events in
//    one `Durability::critical` transaction (WAL, synchronous=FULL) — is timed on its own: the
//    day's own mix of take, check_in, call_next, recall, start, finish, evaluate, no_show,
//    transfer, hold, call_back, pause and resume. The baseline is a bare SQLite insert loop in
//    the same run: a second database opened the same way (`store::Database`, so the same
//    pragmas), one transaction per row with the same durability, each inserting a payload of
//    the size of the engine's average event into a plain table. The two alternate in blocks, so
//    both see the same machine. Target: engine ≥ 50% of bare. The same with relaxed commits
//    (synchronous=NORMAL) is reported too.
//
// 2. Restart, in process. The busy day is written to a fresh database until the log holds
//    50,000 queue events (relaxed commits; not timed). Then, like the daemon at start:
//    `Database::open` (which runs `PRAGMA quick_check`) + `migrate` (nothing to do) +
//    `QueueService::open` (read, decode and apply every event). The same work is then timed
//    step by step: quick_check alone, reading the rows (`EventLog::read_after`), decoding
//    (`decode_event`), applying (`apply`). The baseline is the floor of any replay: the same
//    rows read with a bare SELECT loop through the SQLite API. Target: ≤ 200 ms.
//
// Results go to docs/performance.md by hand; this is not a pass/fail test.
//
//   store_bench [--rounds N] [--block N] [--restarts N] [--events N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/busy_day.hpp"
#include "bench/percentiles.hpp"
#include "daemon/app/queue_service.hpp"
#include "daemon/queue/engine.hpp"
#include "daemon/queue/event_codec.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/event_log.hpp"
#include "daemon/store/migrations.hpp"
#include "tests/support/temp_dir.hpp"

using namespace hk;
using bench::kBenchNode;
using bench::percentiles;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kUtcOffset = 480;
constexpr std::uint64_t kHallSeed = 20261123;
constexpr std::uint64_t kDaySeed = 20261125;

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

[[noreturn]] void die(const char* what, const store::Error& error) {
    static_cast<void>(std::fprintf(stderr, "%s failed: %s\n", what, error.message.c_str()));
    std::exit(1);
}

template <class T>
T must(store::Result<T> result, const char* what) {
    if (!result) {
        die(what, result.error());
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

std::int64_t query_int(store::Database& db, const char* sql) {
    auto statement = must(db.prepare(sql), sql);
    if (!must(statement.step(), sql)) {
        return 0;
    }
    return statement.column_int(0);
}

// ---------------------------------------------------------------------------------------------
// 1. Durable operations

struct OpsRun {
    std::vector<double> engine_ms[2];  // [critical, relaxed], accepted operations only
    std::vector<double> bare_ms[2];
    std::int64_t events[2] = {0, 0};
    int refused[2] = {0, 0};
    std::int64_t warmup_events = 0;
    std::size_t warmup_tickets = 0;
    std::size_t warmup_waiting = 0;
    std::int64_t payload_bytes = 0;  // the engine's average event payload, used by the bare loop
    std::int64_t timed_payload_bytes = 0;  // the average over the timed operations, as a check
};

void run_engine_block(app::QueueService& service, bench::BusyDay& day, int block, int mode,
                      OpsRun& run) {
    service.set_durability(mode == 0 ? store::Durability::critical : store::Durability::relaxed);
    for (int i = 0; i < block; ++i) {
        auto operation = day.next(service.engine());
        if (!operation) {
            static_cast<void>(std::fprintf(stderr, "the day ended before the benchmark did\n"));
            std::exit(1);
        }
        const auto before = service.engine().state().events_applied;
        const auto start = Clock::now();
        const auto answer = service.run(operation->now, operation->actor, operation->op);
        const auto end = Clock::now();
        if (answer.value("error", "") == "internal") {
            static_cast<void>(std::fprintf(stderr, "operation not recorded: %s\n",
                                           answer.value("message", "").c_str()));
            std::exit(1);
        }
        day.answered(answer);
        const auto events = service.engine().state().events_applied - before;
        if (events == 0) {
            ++run.refused[mode];
            continue;
        }
        run.events[mode] += static_cast<std::int64_t>(events);
        run.engine_ms[mode].push_back(ms_between(start, end));
    }
}

void run_bare_block(store::Database& db, store::Statement& insert, const std::string& payload,
                    int block, int mode, std::int64_t& at, OpsRun& run) {
    const auto durability = mode == 0 ? store::Durability::critical : store::Durability::relaxed;
    for (int i = 0; i < block; ++i) {
        const auto start = Clock::now();
        auto transaction = must(db.begin(durability), "bare begin");
        ++at;
        must(insert.bind_all({at, bench::kMidnight + at, std::string_view(payload)}), "bare bind");
        must(insert.run(), "bare insert");
        must(transaction.commit(), "bare commit");
        const auto end = Clock::now();
        run.bare_ms[mode].push_back(ms_between(start, end));
    }
}

OpsRun measure_operations(const bench::BenchHall& hall, int rounds, int block) {
    test::TempDir dir("hk-store-bench");
    OpsRun run;
    auto db = must(store::Database::open(dir / "hallkeeper.db"), "open");
    must(store::migrate(db), "migrate");
    store::EventLog log(db, std::string(kBenchNode));
    auto service = must(app::QueueService::open(db, log, hall.hall, kUtcOffset), "queue open");

    // Up to the morning peak, not timed.
    service.set_durability(store::Durability::relaxed);
    bench::BusyDay day(hall, bench::kDayArrivals, kDaySeed);
    while (true) {
        auto operation = day.next(service.engine());
        if (!operation) {
            break;
        }
        day.answered(service.run(operation->now, operation->actor, operation->op));
        if (operation->now >= bench::kMidnight + 10 * bench::kHour) {
            break;
        }
    }
    run.warmup_events = query_int(db, "SELECT count(*) FROM events");
    run.warmup_tickets = service.engine().state().tickets.size();
    run.warmup_waiting = bench::waiting_tickets(service.engine().state());
    run.payload_bytes = query_int(db,
                                  "SELECT CAST(avg(length(CAST(payload AS BLOB))) AS INTEGER) "
                                  "FROM events");

    auto bare = must(store::Database::open(dir / "bare.db"), "open bare");
    must(bare.exec("CREATE TABLE bare(seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, "
                   "payload TEXT NOT NULL)"),
         "create bare");
    auto insert =
        must(bare.prepare("INSERT INTO bare(seq, at_ms, payload) VALUES(?, ?, ?)"), "prepare bare");
    // A payload of the same size; JSON-looking, although the bare table checks nothing.
    std::string payload = R"({"x":")";
    payload.append(static_cast<std::size_t>(std::max<std::int64_t>(run.payload_bytes - 8, 1)), 'a');
    payload += R"("})";
    std::int64_t bare_seq = 0;
    // The same history as the engine's store (as many rows, one relaxed commit each), so that
    // both WAL files have reached their steady size: a WAL that still grows costs the file
    // system a metadata update at every synced commit.
    OpsRun discarded;
    run_bare_block(bare, insert, payload, static_cast<int>(run.warmup_events), 1, bare_seq,
                   discarded);

    for (int r = 0; r < rounds; ++r) {
        for (int mode = 0; mode < 2; ++mode) {
            run_engine_block(service, day, block, mode, run);
            run_bare_block(bare, insert, payload, block, mode, bare_seq, run);
        }
    }
    run.timed_payload_bytes = query_int(
        db, ("SELECT CAST(avg(length(CAST(payload AS BLOB))) AS INTEGER) FROM events WHERE seq > " +
             std::to_string(run.warmup_events))
                .c_str());
    return run;
}

void print_operations(const OpsRun& run, int rounds, int block) {
    std::printf(
        "durable operations: busy day from 10:00, %lld events and %zu tickets already in "
        "the store, %zu waiting\n",
        static_cast<long long>(run.warmup_events), run.warmup_tickets, run.warmup_waiting);
    std::printf(
        "  %d rounds of %d operations per mode, alternating with the bare loop; "
        "average payload %lld bytes (timed operations: %lld)\n",
        rounds, block, static_cast<long long>(run.payload_bytes),
        static_cast<long long>(run.timed_payload_bytes));
    std::printf("  %-36s %9s %9s %9s %10s %6s\n", "(ms per operation)", "p50", "p90", "p99",
                "ops/s", "n");
    const char* modes[2] = {"critical", "relaxed"};
    for (int mode = 0; mode < 2; ++mode) {
        const auto engine = percentiles(run.engine_ms[mode]);
        const auto bare = percentiles(run.bare_ms[mode]);
        const double engine_rate = static_cast<double>(engine.n) / (engine.sum / 1000.0);
        const double bare_rate = static_cast<double>(bare.n) / (bare.sum / 1000.0);
        std::printf("  %-36s %9.3f %9.3f %9.3f %10.0f %6zu\n",
                    (std::string("bare insert, ") + modes[mode]).c_str(), bare.p50, bare.p90,
                    bare.p99, bare_rate, bare.n);
        std::printf("  %-36s %9.3f %9.3f %9.3f %10.0f %6zu\n",
                    (std::string("QueueService::run, ") + modes[mode]).c_str(), engine.p50,
                    engine.p90, engine.p99, engine_rate, engine.n);
        std::printf(
            "  %s: engine / bare ops/s %.2f  (p50 ratio %.2f); %.2f events per "
            "operation; %d refused (not counted)\n",
            modes[mode], engine_rate / bare_rate, bare.p50 / engine.p50,
            static_cast<double>(run.events[mode]) / static_cast<double>(engine.n),
            run.refused[mode]);
    }
    std::printf("  target: critical engine / bare >= 0.50\n");
}

// ---------------------------------------------------------------------------------------------
// 2. Restart

struct RestartRun {
    bench::DayLog day;
    std::vector<double> open_ms, migrate_ms, queue_ms, total_ms;
    std::vector<double> quick_check_ms, read_ms, decode_ms, apply_ms, floor_ms;
    std::int64_t replayed = 0;
};

void measure_breakdown(const bench::BenchHall& hall, const std::filesystem::path& file,
                       RestartRun& run) {
    store::OpenOptions options;
    options.quick_check = false;
    auto db = must(store::Database::open(file, options), "open");

    auto t0 = Clock::now();
    {
        auto check = must(db.prepare("PRAGMA quick_check"), "quick_check");
        must(check.step(), "quick_check");
    }
    run.quick_check_ms.push_back(ms_between(t0, Clock::now()));

    store::EventLog log(db, std::string(kBenchNode));
    t0 = Clock::now();
    std::vector<store::Event> rows;
    for (std::int64_t after = 0;;) {
        auto batch = must(log.read_after(after, 2000), "read_after");
        if (batch.empty()) {
            break;
        }
        after = batch.back().seq;
        for (auto& event : batch) {
            rows.push_back(std::move(event));
        }
    }
    run.read_ms.push_back(ms_between(t0, Clock::now()));

    t0 = Clock::now();
    std::vector<queue::QueueEvent> events;
    events.reserve(rows.size());
    for (const auto& row : rows) {
        if (!queue::is_queue_event_type(row.type)) {
            continue;
        }
        auto decoded = queue::decode_event(row.type, row.at_ms, row.payload);
        if (!decoded) {
            static_cast<void>(std::fprintf(stderr, "decode: %s\n", decoded.error().c_str()));
            std::exit(1);
        }
        events.push_back(std::move(*decoded));
    }
    run.decode_ms.push_back(ms_between(t0, Clock::now()));

    t0 = Clock::now();
    queue::QueueState state = queue::Engine(hall.hall, kUtcOffset).state();
    for (const auto& event : events) {
        queue::apply(state, event);
    }
    run.apply_ms.push_back(ms_between(t0, Clock::now()));

    std::int64_t floor_rows = 0;
    run.floor_ms.push_back(bench::bare_select_ms(db, floor_rows));
    if (floor_rows != static_cast<std::int64_t>(rows.size()) ||
        static_cast<std::int64_t>(events.size()) != run.replayed) {
        static_cast<void>(std::fprintf(stderr, "replay saw %zu rows, %zu events; floor %lld\n",
                                       rows.size(), events.size(),
                                       static_cast<long long>(floor_rows)));
        std::exit(1);
    }
}

RestartRun measure_restart(const bench::BenchHall& hall, std::int64_t target_events, int restarts) {
    test::TempDir dir("hk-store-bench");
    const auto file = dir / "hallkeeper.db";
    RestartRun run;
    run.day = bench::write_busy_day(file, hall, target_events);
    // One untimed round first: the runs below all find the file in the page cache, as a
    // restarting daemon does.
    for (int r = -1; r < restarts; ++r) {
        const auto t0 = Clock::now();
        auto db = must(store::Database::open(file), "open");
        const auto t1 = Clock::now();
        must(store::migrate(db), "migrate");
        const auto t2 = Clock::now();
        store::EventLog log(db, std::string(kBenchNode));
        auto service = must(app::QueueService::open(db, log, hall.hall, kUtcOffset), "queue");
        const auto t3 = Clock::now();
        run.replayed = service.events_replayed();
        if (r < 0) {
            continue;
        }
        run.open_ms.push_back(ms_between(t0, t1));
        run.migrate_ms.push_back(ms_between(t1, t2));
        run.queue_ms.push_back(ms_between(t2, t3));
        run.total_ms.push_back(ms_between(t0, t3));
    }
    for (int r = 0; r < restarts; ++r) {
        measure_breakdown(hall, file, run);
    }
    return run;
}

void print_restart(const RestartRun& run) {
    std::printf(
        "restart: %lld queue events (%d operations, %d refused, %zu tickets held, at most "
        "%zu waiting, day written up to %02lld:%02lld), database %.1f MiB, written in "
        "%.1f s\n",
        static_cast<long long>(run.day.queue_events), run.day.operations, run.day.refused,
        run.day.tickets, run.day.peak_waiting,
        static_cast<long long>((run.day.last_at - bench::kMidnight) / bench::kHour),
        static_cast<long long>((run.day.last_at - bench::kMidnight) % bench::kHour /
                               bench::kMinute),
        static_cast<double>(run.day.db_bytes) / (1024.0 * 1024.0), run.day.seconds);
    std::printf("  %-44s %9s %9s %6s\n", "(ms)", "p50", "p90", "n");
    const auto row = [](const char* what, const std::vector<double>& samples) {
        const auto p = percentiles(samples);
        std::printf("  %-44s %9.2f %9.2f %6zu\n", what, p.p50, p.p90, p.n);
        return p;
    };
    const auto floor = row("baseline: bare SELECT of every row", run.floor_ms);
    const auto total = row("open + migrate + QueueService::open", run.total_ms);
    row("  Database::open (with quick_check)", run.open_ms);
    row("  migrate (nothing to do)", run.migrate_ms);
    const auto queue = row("  QueueService::open (replay)", run.queue_ms);
    std::printf("  step by step:\n");
    row("  PRAGMA quick_check", run.quick_check_ms);
    row("  read: EventLog::read_after", run.read_ms);
    row("  decode: decode_event", run.decode_ms);
    row("  apply", run.apply_ms);
    std::printf(
        "  replayed %lld events; total / 200 ms target %.2f; replay / floor %.1fx; "
        "total / floor %.1fx\n",
        static_cast<long long>(run.replayed), total.p50 / 200.0, queue.p50 / floor.p50,
        total.p50 / floor.p50);
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 10;
    int block = 100;
    int restarts = 10;
    std::int64_t events = 50'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--rounds") == 0) {
            rounds = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--block") == 0) {
            block = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--restarts") == 0) {
            restarts = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--events") == 0) {
            events = std::atoll(argv[i + 1]);
        }
    }
    const auto hall = bench::make_busy_hall(kHallSeed);
    const auto ops = measure_operations(hall, rounds, block);
    print_operations(ops, rounds, block);
    std::printf("\n");
    const auto restart = measure_restart(hall, events, restarts);
    print_restart(restart);
    return 0;
}

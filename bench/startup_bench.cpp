// Start-up benchmark: exec → READY=1 with an empty store and with a busy day's store, and
// resident memory when idle.
//
// Targets: READY under 100 ms on an empty store and idle RSS under 20 MB (issue "Foundation");
// READY under 200 ms with a full day of 50,000 queue events in the store (the queue issue:
// the daemon replays the day's log before it is ready). Machines are noisy, so the run also
// times floors in the same conditions and prints the ratios: exec of the same binary that
// exits at once (`hallkeeperd --version`: dynamic loading and static initialisation, no work),
// and for the busy store, reading its rows with a bare SELECT loop (the floor of any replay).
// The busy day is the one of store_bench (bench/busy_day.hpp): 50 services, 50 windows, its
// hall given to the daemon as a hall file. Results go to docs/performance.md by hand; this is
// not a pass/fail test.
//
//   startup_bench [--runs N] [--idle-seconds S] [--day-events N (0: skip)]
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/busy_day.hpp"
#include "daemon/store/database.hpp"
#include "tests/support/notify_socket.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono;
using hk::test::NotifySocket;
using hk::test::Process;
using hk::test::ProcessOptions;
using hk::test::TempDir;

namespace {

constexpr std::uint64_t kHallSeed = 20261123;  // the hall of store_bench

struct Stats {
    double median_ms;
    double p90_ms;
    double min_ms;
};

Stats summarize(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) {
        return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))];
    };
    return {at(0.5), at(0.9), samples.front()};
}

double ms_since(steady_clock::time_point start) {
    return duration<double, std::milli>(steady_clock::now() - start).count();
}

double exec_floor_ms() {
    const auto start = steady_clock::now();
    Process process(ProcessOptions{.argv = {HK_HALLKEEPERD_BIN, "--version"}});
    if (process.wait_exit(seconds(10)) != 0) {
        static_cast<void>(std::fprintf(stderr, "hallkeeperd --version failed\n"));
        std::exit(1);
    }
    return ms_since(start);
}

// A daemon started in `dir` (notify socket and log there), once READY=1 arrived.
struct Started {
    std::unique_ptr<NotifySocket> notify;
    std::unique_ptr<Process> process;
    std::filesystem::path log;
    double ready_ms = 0.0;
};

Started start_daemon(const TempDir& dir, std::vector<std::string> args) {
    Started s;
    s.notify = std::make_unique<NotifySocket>(dir / "notify");
    s.log = dir / "log";
    args.insert(args.begin(), HK_HALLKEEPERD_BIN);
    const auto start = steady_clock::now();
    s.process = std::make_unique<Process>(
        ProcessOptions{.argv = std::move(args),
                       .env = {{"NOTIFY_SOCKET", s.notify->path().string()}},
                       .stderr_file = s.log});
    if (!s.notify->wait_for("READY=1", seconds(30))) {
        static_cast<void>(std::fprintf(stderr, "hallkeeperd did not become ready:\n%s\n",
                                       hk::test::read_file(s.log).c_str()));
        std::exit(1);
    }
    s.ready_ms = ms_since(start);
    return s;
}

// A daemon on a fresh, empty state directory.
struct EmptyStore {
    std::unique_ptr<TempDir> dir;
    Started daemon;
};

EmptyStore start_on_empty_store() {
    EmptyStore s;
    s.dir = std::make_unique<TempDir>("hk-bench");
    s.daemon = start_daemon(*s.dir, {"--state-dir", (*s.dir / "state").string(), "--socket",
                                     (*s.dir / "hallkeeperd.sock").string()});
    return s;
}

void stop_daemon(Started& s) {
    s.process->signal(SIGTERM);
    if (s.process->wait_exit(seconds(10)) != 0) {
        static_cast<void>(std::fprintf(stderr, "hallkeeperd did not stop cleanly\n"));
        std::exit(1);
    }
}

// VmRSS and VmHWM of a process, in KiB.
std::pair<long, long> memory_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    long rss = -1;
    long hwm = -1;
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) {
            rss = std::stol(line.substr(6));
        } else if (line.rfind("VmHWM:", 0) == 0) {
            hwm = std::stol(line.substr(6));
        }
    }
    return {rss, hwm};
}

// A state directory holding a busy day, with the config and hall file to start a daemon on it.
struct DayStore {
    std::unique_ptr<TempDir> dir;
    hk::bench::DayLog day;
    std::filesystem::path config;
};

DayStore make_day_store(std::int64_t events) {
    DayStore s;
    s.dir = std::make_unique<TempDir>("hk-bench-day");
    const auto hall = hk::bench::make_busy_hall(kHallSeed);
    const auto state = *s.dir / "state";
    std::filesystem::create_directories(state);
    s.day = hk::bench::write_busy_day(state / "hallkeeper.db", hall, events);
    hk::test::write_file(*s.dir / "hall.toml", hk::bench::hall_file_text(hall.hall));
    s.config = *s.dir / "hallkeeper.toml";
    hk::test::write_file(
        s.config, "[node]\nid = \"" + std::string(hk::bench::kBenchNode) +
                      "\"\n\n[state]\ndir = \"" + state.string() + "\"\n\n[control]\nsocket = \"" +
                      (*s.dir / "hallkeeperd.sock").string() + "\"\n\n[queue]\nhall_file = \"" +
                      (*s.dir / "hall.toml").string() + "\"\n");
    return s;
}

double day_floor_ms(const DayStore& store) {
    auto db = hk::store::Database::open(*store.dir / "state" / "hallkeeper.db");
    if (!db) {
        static_cast<void>(std::fprintf(stderr, "%s\n", db.error().message.c_str()));
        std::exit(1);
    }
    std::int64_t rows = 0;
    return hk::bench::bare_select_ms(*db, rows);
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 30;
    int idle_seconds = 10;
    std::int64_t day_events = 50'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--runs") == 0) {
            runs = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--idle-seconds") == 0) {
            idle_seconds = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--day-events") == 0) {
            day_events = std::atoll(argv[i + 1]);
        }
    }
    std::vector<double> floor_samples;
    std::vector<double> ready_samples;
    for (int i = 0; i < runs; ++i) {
        floor_samples.push_back(exec_floor_ms());
        auto started = start_on_empty_store();
        ready_samples.push_back(started.daemon.ready_ms);
        stop_daemon(started.daemon);
    }
    const auto floor = summarize(floor_samples);
    const auto ready = summarize(ready_samples);
    std::printf("startup (%d runs, empty store)\n", runs);
    std::printf("  exec floor (--version)   median %6.2f ms  p90 %6.2f ms  min %6.2f ms\n",
                floor.median_ms, floor.p90_ms, floor.min_ms);
    std::printf("  exec -> READY=1          median %6.2f ms  p90 %6.2f ms  min %6.2f ms\n",
                ready.median_ms, ready.p90_ms, ready.min_ms);
    std::printf("  ready / floor            %.1fx   ready / 100 ms target  %.2f\n",
                ready.median_ms / floor.median_ms, ready.median_ms / 100.0);

    if (day_events > 0) {
        const auto store = make_day_store(day_events);
        std::vector<double> day_exec_samples;
        std::vector<double> day_ready_samples;
        std::vector<double> day_floor_samples;
        std::pair<long, long> day_memory{-1, -1};
        for (int i = 0; i < runs; ++i) {
            day_exec_samples.push_back(exec_floor_ms());
            day_floor_samples.push_back(day_floor_ms(store));
            auto started = start_daemon(*store.dir, {"--config", store.config.string()});
            day_ready_samples.push_back(started.ready_ms);
            if (i == runs - 1) {
                day_memory = memory_kib(started.process->pid());
            }
            stop_daemon(started);
            if (i == 0) {
                // The daemon must have replayed the whole day, or the figure means nothing.
                const auto log = hk::test::read_file(started.log);
                const auto replayed = std::to_string(store.day.queue_events) + " queue events";
                if (log.find(replayed) == std::string::npos) {
                    static_cast<void>(std::fprintf(stderr, "no \"%s\" in the log:\n%s\n",
                                                   replayed.c_str(), log.c_str()));
                    std::exit(1);
                }
            }
        }
        const auto exec = summarize(day_exec_samples);
        const auto day = summarize(day_ready_samples);
        const auto select = summarize(day_floor_samples);
        std::printf(
            "startup (%d runs, busy day: %lld queue events, %zu tickets, database "
            "%.1f MiB)\n",
            runs, static_cast<long long>(store.day.queue_events), store.day.tickets,
            static_cast<double>(store.day.db_bytes) / (1024.0 * 1024.0));
        std::printf("  exec floor (--version)   median %6.2f ms  p90 %6.2f ms  min %6.2f ms\n",
                    exec.median_ms, exec.p90_ms, exec.min_ms);
        std::printf("  bare SELECT of the log   median %6.2f ms  p90 %6.2f ms  min %6.2f ms\n",
                    select.median_ms, select.p90_ms, select.min_ms);
        std::printf("  exec -> READY=1          median %6.2f ms  p90 %6.2f ms  min %6.2f ms\n",
                    day.median_ms, day.p90_ms, day.min_ms);
        std::printf(
            "  ready / (exec floor + SELECT floor) %.1fx   ready / empty store %.1fx   "
            "ready / 200 ms target %.2f\n",
            day.median_ms / (exec.median_ms + select.median_ms), day.median_ms / ready.median_ms,
            day.median_ms / 200.0);
        std::printf("  memory once ready        VmRSS %.1f MiB  VmHWM %.1f MiB\n",
                    static_cast<double>(day_memory.first) / 1024.0,
                    static_cast<double>(day_memory.second) / 1024.0);
    }

    auto idle = start_on_empty_store();
    // Idle means idle: this benchmark waits on purpose, it measures what a quiet node holds.
    std::this_thread::sleep_for(seconds(idle_seconds));
    const auto [rss, hwm] = memory_kib(idle.daemon.process->pid());
    std::printf("idle memory after %d s\n", idle_seconds);
    const auto rss_kib = static_cast<double>(rss);
    const auto hwm_kib = static_cast<double>(hwm);
    std::printf("  VmRSS %.1f MiB  VmHWM %.1f MiB  rss / 20 MB target  %.2f\n", rss_kib / 1024.0,
                hwm_kib / 1024.0, rss_kib * 1024.0 / 20e6);
    stop_daemon(idle.daemon);
    return 0;
}

// Start-up benchmark: exec → READY=1 with an empty store, and resident memory when idle.
//
// Targets (issue "Foundation"): READY under 100 ms, idle RSS under 20 MB. Machines are noisy,
// so the run also times a floor in the same conditions — exec of the same binary that exits at
// once (`hallkeeperd --version`: dynamic loading and static initialisation, no work) — and
// prints the ratio. Results go to docs/performance.md by hand; this is not a pass/fail test.
//
//   startup_bench [--runs N] [--idle-seconds S]
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

#include "tests/support/notify_socket.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono;
using hk::test::NotifySocket;
using hk::test::Process;
using hk::test::ProcessOptions;
using hk::test::TempDir;

namespace {

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

// Starts a daemon on a fresh, empty state directory and returns it once READY=1 arrived.
struct Started {
    std::unique_ptr<TempDir> dir;
    std::unique_ptr<NotifySocket> notify;
    std::unique_ptr<Process> process;
    double ready_ms = 0.0;
};

Started start_daemon() {
    Started s;
    s.dir = std::make_unique<TempDir>("hk-bench");
    s.notify = std::make_unique<NotifySocket>(*s.dir / "notify");
    const auto start = steady_clock::now();
    s.process = std::make_unique<Process>(
        ProcessOptions{.argv = {HK_HALLKEEPERD_BIN, "--state-dir", (*s.dir / "state").string(),
                                "--socket", (*s.dir / "hallkeeperd.sock").string()},
                       .env = {{"NOTIFY_SOCKET", s.notify->path().string()}},
                       .stderr_file = *s.dir / "log"});
    if (!s.notify->wait_for("READY=1", seconds(10))) {
        static_cast<void>(std::fprintf(stderr, "hallkeeperd did not become ready:\n%s\n",
                                       hk::test::read_file(*s.dir / "log").c_str()));
        std::exit(1);
    }
    s.ready_ms = ms_since(start);
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

}  // namespace

int main(int argc, char** argv) {
    int runs = 30;
    int idle_seconds = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--runs") == 0) {
            runs = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--idle-seconds") == 0) {
            idle_seconds = std::atoi(argv[i + 1]);
        }
    }
    std::vector<double> floor_samples;
    std::vector<double> ready_samples;
    for (int i = 0; i < runs; ++i) {
        floor_samples.push_back(exec_floor_ms());
        auto started = start_daemon();
        ready_samples.push_back(started.ready_ms);
        stop_daemon(started);
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

    auto idle = start_daemon();
    // Idle means idle: this benchmark waits on purpose, it measures what a quiet node holds.
    std::this_thread::sleep_for(seconds(idle_seconds));
    const auto [rss, hwm] = memory_kib(idle.process->pid());
    std::printf("idle memory after %d s\n", idle_seconds);
    const auto rss_kib = static_cast<double>(rss);
    const auto hwm_kib = static_cast<double>(hwm);
    std::printf("  VmRSS %.1f MiB  VmHWM %.1f MiB  rss / 20 MB target  %.2f\n", rss_kib / 1024.0,
                hwm_kib / 1024.0, rss_kib * 1024.0 / 20e6);
    stop_daemon(idle);
    return 0;
}

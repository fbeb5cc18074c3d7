// Replug benchmark: how long a serial device is gone for its driver after it comes back.
// Issue: "a driver on a pty survives the peer closing and reopening and is online again within
// 2 s". The transport reopens on its own with a backoff (100 ms doubling to 1.5 s); when the
// hotplug monitor sees the device return, the device manager asks for a reopen at once
// (Transport::retry_now).
//
// Each round: a Transport on a real pty behind a stable symlink is online; the pty is
// unplugged (master closed, link removed) and stays away for `away`; then it is replugged and
// the time until the transport is online again is measured:
//   - backoff only: nothing tells the transport; it finds the port at its next attempt. With
//     `away` long enough for the backoff to reach its cap, this is bounded by the cap.
//   - on arrival: retry_now() right after the replug, as the device manager does when the
//     hotplug monitor announces the device (the monitor's own settle time, 500 ms by default
//     for a USB device, comes before it and is reported separately in docs/hotplug.md).
// The reopen attempts run on a fixed schedule from the unplug, so the time away is varied from
// round to round (`away` plus round × 1500/rounds ms) to land the replug at every phase of the
// 1.5 s backoff step. The limit compared against is the 2 s of the issue, in the same run.
//
//   replug_bench [--rounds N] [--away-ms N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "bench/percentiles.hpp"
#include "drivers/transport/serial_transport.hpp"
#include "drivers/transport/transport.hpp"
#include "tests/drivers/transport/pty_device.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace hk::drivers;  // NOLINT(google-build-using-namespace): benchmark
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr double kLimitMs = 2000.0;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One replug: returns milliseconds from the replug to online, or a negative value on failure.
double replug_once(const hk::test::TempDir& dir, milliseconds away, bool on_arrival) {
    boost::asio::io_context io;
    const auto path = dir / "port";
    hk::test::PtyDevice pty(io, path, [](const std::string&) { return std::nullopt; });
    HealthTracker health;
    auto transport = transport::Transport::create(
        io, std::make_unique<transport::SerialLink>(io, transport::SerialOptions{.path = path}), {},
        &health);
    transport->start({});
    const auto online = [&] { return health.health().state == DeviceState::online; };
    if (!hk::test::run_until(io, online)) {
        return -1;
    }
    pty.unplug();
    if (!hk::test::run_until(io, [&] { return health.health().state == DeviceState::offline; })) {
        return -1;
    }
    hk::test::run_for(io, away);
    pty.replug();
    const auto replugged = Clock::now();
    if (on_arrival) {
        transport->retry_now();
    }
    if (!hk::test::run_until(io, online, std::chrono::seconds(10))) {
        return -1;
    }
    const double elapsed = ms_since(replugged);
    transport->stop();
    return elapsed;
}

void report(const char* name, const std::vector<double>& samples) {
    const auto p = hk::bench::percentiles(samples);
    std::printf("  %-14s n=%zu  p50 %7.1f ms  p90 %7.1f ms  max %7.1f ms  max/limit %.2f\n", name,
                p.n, p.p50, p.p90, p.max, p.max / kLimitMs);
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 10;
    int away_ms = 3000;  // long enough for the backoff to reach its 1.5 s cap
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--rounds") == 0) {
            rounds = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--away-ms") == 0) {
            away_ms = std::atoi(argv[i + 1]);
        }
    }
    std::printf(
        "replug_bench: serial transport on a pty, unplugged for %d ms and more, %d rounds; "
        "limit %.0f ms\n",
        away_ms, rounds, kLimitMs);
    const hk::test::TempDir dir;
    std::vector<double> backoff;
    std::vector<double> arrival;
    for (int round = 0; round < rounds; ++round) {
        const milliseconds away(away_ms + round * 1500 / rounds);
        const double b = replug_once(dir, away, false);
        const double a = replug_once(dir, away, true);
        if (b < 0 || a < 0) {
            std::printf("round %d failed: the transport did not come back\n", round);
            return 1;
        }
        backoff.push_back(b);
        arrival.push_back(a);
    }
    report("backoff only", backoff);
    report("on arrival", arrival);
    return 0;
}

// Event → screen latency through the Local API's event stream: from the moment an operation's
// request is written to the daemon to the moment its event arrives at a screen's WebSocket
// (/api/v1/stream). Target: p99 ≤ 100 ms (the screens' issue). The browser's part, from the
// stream to the DOM, is bench/ui/event_latency.mjs.
//
// The daemon (bench/api_daemon.hpp) runs the demo's five services and five staffed windows;
// `--screens` passive stream clients stay connected throughout, as a hall's window and hall
// screens would, and one more client measures.
//
// 1. One at a time: an operation is written, and the next one only after both its answer and
//    its event arrived. Each round is a take (POST /api/v1/tickets → queue.ticket_issued) and,
//    when the daemon has the counter routes, a call-next (→ queue.ticket_called) and a finish
//    (→ queue.service_finished) at window 1 with its officer session. Without them only takes.
//    The answer's latency is reported too: the server publishes the event before it answers.
// 2. Bursts: `--burst` takes written at once, pipelined over 4 connections (a kiosk rush), then
//    all answers and events awaited; `--bursts` times. An event's latency is from the write of
//    its connection's requests.
//
// Baseline in the same run: the floor of one durable commit on this disk (CommitFloor,
// alternating with the rounds): every operation is committed with synchronous=FULL before its
// event is published, so no event can come sooner. Results go to docs/performance.md by hand;
// this is not a pass/fail test.
//
//   stream_bench [--rounds N] [--bursts N] [--burst N] [--screens N]
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/api_daemon.hpp"
#include "bench/percentiles.hpp"

using namespace hk::bench;  // NOLINT(google-build-using-namespace): benchmark
using nlohmann::json;

namespace {

constexpr double kTargetMs = 100.0;
constexpr int kBurstConnections = 4;

// The measuring screen: reads the stream on its own thread and keeps, for every event, the
// time it arrived, by type and ticket.
class Screen {
public:
    explicit Screen(std::uint16_t port) : stream_(port, "/api/v1/stream") {
        thread_ = std::jthread([this] { read_all(); });
    }
    ~Screen() {
        stream_.shut_down();
        thread_.join();
    }
    Screen(const Screen&) = delete;
    Screen& operator=(const Screen&) = delete;

    // Waits (at most 10 s) for the event of `type` about `ticket`; returns when it arrived.
    Clock::time_point arrival(const std::string& type, const std::string& ticket) {
        std::unique_lock lock(mutex_);
        const auto key = type + " " + ticket;
        if (!arrived_.wait_for(lock, std::chrono::seconds(10),
                               [&] { return seen_.contains(key) || ended_; }) ||
            !seen_.contains(key)) {
            fail("no " + type + " event for " + ticket + " on the stream within 10 s");
        }
        return seen_.at(key);
    }

private:
    void read_all() {
        while (true) {
            auto message = stream_.read();
            if (message.text.empty()) {
                break;
            }
            const auto event = json::parse(message.text, nullptr, false);
            if (!event.is_object() || !event.contains("payload")) {
                continue;
            }
            const auto ticket = event["payload"].value("ticket", std::string());
            const std::lock_guard lock(mutex_);
            seen_.emplace(event.value("type", std::string()) + " " + ticket, message.at);
            arrived_.notify_all();
        }
        const std::lock_guard lock(mutex_);
        ended_ = true;
        arrived_.notify_all();
    }

    StreamConnection stream_;
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::map<std::string, Clock::time_point> seen_;
    bool ended_ = false;
    std::jthread thread_;
};

// Screens that only read, as a hall's other screens do.
class PassiveScreens {
public:
    PassiveScreens(std::uint16_t port, int count) {
        for (int i = 0; i < count; ++i) {
            streams_.emplace_back(port, "/api/v1/stream");
        }
        for (auto& stream : streams_) {
            threads_.emplace_back([&stream] {
                while (!stream.read().text.empty()) {
                }
            });
        }
    }
    ~PassiveScreens() {
        for (auto& stream : streams_) {
            stream.shut_down();
        }
        threads_.clear();
    }
    PassiveScreens(const PassiveScreens&) = delete;
    PassiveScreens& operator=(const PassiveScreens&) = delete;

private:
    std::deque<StreamConnection> streams_;
    std::vector<std::jthread> threads_;
};

struct Latencies {
    std::vector<double> event_ms;
    std::vector<double> answer_ms;
};

void print_row(const char* label, const std::vector<double>& ms) {
    const auto p = percentiles(ms);
    std::printf("  %-40s %8.3f %8.3f %8.3f %8.2f %6zu\n", label, p.p50, p.p90, p.p99, p.max, p.n);
}

std::string ticket_of(const HttpAnswer& answer, const char* what) {
    if (answer.status != 200 && answer.status != 201) {
        fail(std::string(what) + ": " + std::to_string(answer.status) + " " + answer.body);
    }
    return json::parse(answer.body).value("ticket", std::string());
}

// One operation, one at a time: writes it, reads its answer, waits for its event.
std::string one_operation(HttpConnection& connection, Screen& screen, const std::string& request,
                          const char* event_type, std::string ticket, Latencies& out) {
    const auto start = Clock::now();
    connection.write(request);
    const auto answer = connection.read();
    const auto answered = Clock::now();
    const auto answer_ticket = ticket_of(answer, event_type);
    if (ticket.empty()) {
        ticket = answer_ticket;
    }
    const auto arrived = screen.arrival(event_type, ticket);
    out.event_ms.push_back(ms_between(start, arrived));
    out.answer_ms.push_back(ms_between(start, answered));
    return ticket;
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = 1000;
    int bursts = 25;
    int burst = 40;
    int screens = 16;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--rounds") == 0) {
            rounds = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--bursts") == 0) {
            bursts = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--burst") == 0) {
            burst = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--screens") == 0) {
            screens = std::atoi(argv[i + 1]);
        }
    }
    burst = std::max(burst, kBurstConnections);

    ApiDaemon daemon;
    const auto port = daemon.port();
    for (int w = 1; w <= kApiWindows; ++w) {
        daemon.login(std::to_string(w), std::to_string(1000 + w));
    }
    HttpConnection client(port);
    std::vector<std::string> takes;
    for (const auto service : kApiServices) {
        takes.push_back(http_request("POST", "/api/v1/tickets",
                                     json{{"service", std::string(service)}}.dump()));
    }
    // A hall in use: 100 waiting per service (not timed; also brings the WAL to its size).
    for (int i = 0; i < 500; ++i) {
        static_cast<void>(
            ticket_of(client.exchange(takes[static_cast<std::size_t>(i % 5)]), "warm-up take"));
    }
    const bool counter = has_counter_routes(port);
    std::string call_next;
    std::string finish;
    if (counter) {
        const auto token = open_session(client, 1);
        call_next = http_request("POST", "/api/v1/counter/call-next", {}, token);
        finish = http_request("POST", "/api/v1/counter/finish", {}, token);
    }
    const auto sample = sample_log(daemon.database(), "queue.ticket_issued");
    CommitFloor floor(daemon.dir() / "floor.db", "queue.ticket_issued", sample.payload);
    floor.prefill(static_cast<int>(sample.events));

    PassiveScreens others(port, screens);
    Screen screen(port);
    // The stream starts with the next event; one untimed take makes sure it is subscribed.
    {
        Latencies discarded;
        static_cast<void>(
            one_operation(client, screen, takes[0], "queue.ticket_issued", {}, discarded));
    }

    std::printf(
        "event stream: hallkeeperd with 5 services and 5 staffed windows, 500 tickets taken "
        "before timing; %d other screens on the stream\n",
        screens);
    std::printf(
        "one at a time: %d rounds of %s, alternating with a floor commit\n", rounds,
        counter ? "take, call-next and finish (window 1)" : "a take (no counter routes yet)");
    Latencies taken;
    Latencies called;
    Latencies finished;
    std::vector<double> floor_ms;
    for (int r = 0; r < rounds; ++r) {
        // SOC, MED and GEN: window 1's services, so its queue stays as long.
        constexpr std::size_t kWindowOne[] = {0, 1, 4};
        static_cast<void>(one_operation(client, screen, takes[kWindowOne[r % 3]],
                                        "queue.ticket_issued", {}, taken));
        if (counter) {
            const auto ticket =
                one_operation(client, screen, call_next, "queue.ticket_called", {}, called);
            static_cast<void>(
                one_operation(client, screen, finish, "queue.service_finished", ticket, finished));
        }
        floor_ms.push_back(floor.commit());
    }
    std::printf("  %-40s %8s %8s %8s %8s %6s\n", "(ms)", "p50", "p90", "p99", "max", "n");
    print_row("floor: durable commit", floor_ms);
    print_row("take: event on the stream", taken.event_ms);
    print_row("take: answer", taken.answer_ms);
    std::vector<double> all = taken.event_ms;
    if (counter) {
        print_row("call-next: event on the stream", called.event_ms);
        print_row("call-next: answer", called.answer_ms);
        print_row("finish: event on the stream", finished.event_ms);
        print_row("finish: answer", finished.answer_ms);
        all.insert(all.end(), called.event_ms.begin(), called.event_ms.end());
        all.insert(all.end(), finished.event_ms.begin(), finished.event_ms.end());
    }
    print_row("every event", all);
    const auto one = percentiles(all);
    std::printf("  every event: p99 / 100 ms target %.3f; p50 %.1fx the floor's p50\n",
                one.p99 / kTargetMs, one.p50 / percentiles(floor_ms).p50);

    // Bursts.
    std::deque<HttpConnection> connections;
    for (int c = 0; c < kBurstConnections; ++c) {
        connections.emplace_back(port);
    }
    std::vector<double> burst_event_ms;
    std::vector<double> burst_last_ms;
    int service = 0;
    for (int b = 0; b < bursts; ++b) {
        std::vector<Clock::time_point> written(kBurstConnections);
        std::vector<int> per(kBurstConnections);
        for (int c = 0; c < kBurstConnections; ++c) {
            per[c] = burst / kBurstConnections + (c < burst % kBurstConnections ? 1 : 0);
        }
        std::vector<std::string> batches(kBurstConnections);
        for (int c = 0; c < kBurstConnections; ++c) {
            for (int i = 0; i < per[c]; ++i) {
                batches[c] += takes[static_cast<std::size_t>(service++ % 5)];
            }
        }
        for (int c = 0; c < kBurstConnections; ++c) {
            written[c] = Clock::now();
            connections[c].write(batches[c]);
        }
        double last = 0;
        for (int c = 0; c < kBurstConnections; ++c) {
            for (int i = 0; i < per[c]; ++i) {
                const auto ticket = ticket_of(connections[c].read(), "burst take");
                const auto arrived = screen.arrival("queue.ticket_issued", ticket);
                burst_event_ms.push_back(ms_between(written[c], arrived));
                last = std::max(last, burst_event_ms.back());
            }
        }
        burst_last_ms.push_back(last);
        floor_ms.push_back(floor.commit());
    }
    std::printf("bursts: %d bursts of %d takes written at once over %d connections\n", bursts,
                burst, kBurstConnections);
    std::printf("  %-40s %8s %8s %8s %8s %6s\n", "(ms)", "p50", "p90", "p99", "max", "n");
    print_row("take in a burst: event on the stream", burst_event_ms);
    print_row("a burst's last event", burst_last_ms);
    const auto in_burst = percentiles(burst_event_ms);
    const auto last = percentiles(burst_last_ms);
    std::printf(
        "  in a burst: p99 / 100 ms target %.3f; a burst's last event %.2f ms per take at the "
        "median (%.1fx the floor's p50)\n",
        in_burst.p99 / kTargetMs, last.p50 / burst, last.p50 / burst / percentiles(floor_ms).p50);
    daemon.stop();
    return 0;
}

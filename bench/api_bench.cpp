// Local API benchmark: how many operations per second the real hallkeeperd answers over
// loopback HTTP, and how long each takes, with one and with four keep-alive connections.
//
// The daemon (bench/api_daemon.hpp) runs the demo's five services and five windows, open all
// day, every window staffed; before timing, `--waiting` tickets (500: 100 per service) wait and
// every window calls one, so the snapshots are those of a hall in use.
//
// 1. Reads: GET /api/v1/hall (the catalogue with waiting counts and estimated waits) and GET
//    /api/v1/board (the screens' snapshot). Baseline in the same run: GET of an unknown
//    /api/v1 path, answered 404 by the router with a JSON error, the floor of an HTTP exchange
//    with this server. The three alternate in blocks.
// 2. Durable operations: POST /api/v1/tickets (each decided, committed to SQLite with
//    synchronous=FULL and published to the event stream before it is answered). Baseline in the
//    same run, alternating in blocks: the physical floor of such an operation on this disk, a
//    durable commit of the same row (the daemon's latest ticket_issued event, into the daemon's
//    own table in a second database in the same directory, opened the same way) from this
//    process (bench/api_daemon.hpp, CommitFloor). Between blocks the counter calls and finishes
//    tickets (not timed), so every block starts with the same queue.
// 3. The counter: POST /api/v1/counter/call-next then /finish with the window's officer session
//    (Authorization: Bearer), each connection at its own window, two durable operations a cycle;
//    against two floor commits. The queue is filled up before each block (not timed). Skipped
//    with a note when the daemon has no counter routes yet (404 not_found); the takes are then
//    made on a growing queue.
//
// With several connections each runs its share of a block, request after answer (closed loop);
// operations per second are the block's operations over its wall time. Results go to
// docs/performance.md by hand; this is not a pass/fail test.
//
//   api_bench [--block N] [--rounds N] [--waiting N]
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/api_daemon.hpp"
#include "bench/percentiles.hpp"

using namespace hk::bench;  // NOLINT(google-build-using-namespace): benchmark
using nlohmann::json;

namespace {

constexpr int kWarmupTickets = 500;

// Samples of one kind of request: each one's latency and the wall time of the blocks.
struct Series {
    std::vector<double> ms;
    double wall_ms = 0;
    std::size_t ops = 0;
    [[nodiscard]] double rate() const { return static_cast<double>(ops) / (wall_ms / 1000.0); }
};

// What one step of a connection took: one request, or two in a row (`second`).
struct Timing {
    double first = 0;
    double second = 0;
};

// One step of a connection: sends its request(s), checks the status, returns the latencies.
using Step = std::function<Timing(HttpConnection&, int connection, int index)>;

// Runs `total` steps spread over the connections, each connection in its own thread, all
// starting together. Adds the steps' first latencies to `series` (and their second ones to
// `second`, if given) and the block's wall time to both.
void run_block(std::deque<HttpConnection>& connections, int total, const Step& step, Series& series,
               Series* second = nullptr) {
    const auto n = static_cast<int>(connections.size());
    std::vector<std::vector<Timing>> samples(connections.size());
    std::barrier start(n + 1);
    std::vector<std::jthread> threads;
    threads.reserve(connections.size());
    for (int c = 0; c < n; ++c) {
        threads.emplace_back([&, c] {
            const int share = total / n + (c < total % n ? 1 : 0);
            samples[c].reserve(static_cast<std::size_t>(share));
            start.arrive_and_wait();
            for (int i = 0; i < share; ++i) {
                samples[c].push_back(step(connections[c], c, i));
            }
        });
    }
    start.arrive_and_wait();
    const auto begin = Clock::now();
    threads.clear();  // joins
    const auto wall = ms_between(begin, Clock::now());
    for (auto* s : {&series, second}) {
        if (s != nullptr) {
            s->wall_ms += wall;
        }
    }
    for (const auto& connection : samples) {
        for (const auto& timing : connection) {
            series.ms.push_back(timing.first);
            ++series.ops;
            if (second != nullptr) {
                second->ms.push_back(timing.second);
                ++second->ops;
            }
        }
    }
}

// A step sending `request` and expecting `status`.
Step simple_step(const std::string& request, unsigned status) {
    return [&request, status](HttpConnection& connection, int, int) {
        const auto start = Clock::now();
        const auto answer = connection.exchange(request);
        const auto ms = ms_between(start, Clock::now());
        if (answer.status != status) {
            fail("unexpected answer " + std::to_string(answer.status) + ": " + answer.body);
        }
        return Timing{ms};
    };
}

std::deque<HttpConnection> open_connections(std::uint16_t port, int n) {
    std::deque<HttpConnection> connections;
    for (int i = 0; i < n; ++i) {
        connections.emplace_back(port);
    }
    return connections;
}

void print_header() {
    std::printf("  %-42s %8s %8s %8s %8s %9s %6s\n", "(ms per request)", "p50", "p90", "p99", "max",
                "ops/s", "n");
}

void print_row(const std::string& label, const Series& series) {
    const auto p = percentiles(series.ms);
    std::printf("  %-42s %8.3f %8.3f %8.3f %8.2f %9.0f %6zu\n", label.c_str(), p.p50, p.p90, p.p99,
                p.max, series.rate(), p.n);
}

// The floor's commits as a series (their own time is their wall time).
void print_floor(const std::string& label, const std::vector<double>& ms) {
    Series series;
    series.ms = ms;
    series.ops = ms.size();
    for (const double m : ms) {
        series.wall_ms += m;
    }
    print_row(label, series);
}

double floor_rate(const std::vector<double>& ms) {
    double sum = 0;
    for (const double m : ms) {
        sum += m;
    }
    return static_cast<double>(ms.size()) / (sum / 1000.0);
}

std::string take_request(int i) {
    return http_request("POST", "/api/v1/tickets",
                        json{{"service", std::string(kApiServices[i % 5])}}.dump());
}

// Tickets waiting in the hall (GET /api/v1/status).
int waiting(HttpConnection& connection) {
    const auto answer = connection.exchange(http_request("GET", "/api/v1/status"));
    return json::parse(answer.body).at("queue").at("waiting").get<int>();
}

// The windows' officer sessions, through which the counter is worked.
struct Counter {
    std::vector<std::string> call_next;  // per window, from window 1
    std::vector<std::string> finish;
    int drained = 0;  // tickets called and finished by drain()
    // Calls and finishes tickets at the windows in turn until `target` wait (not timed), so
    // that every block of takes sees the same queue.
    void drain(HttpConnection& connection, int target) {
        int excess = waiting(connection) - target;
        std::size_t idle = 0;  // windows in a row with nothing to call
        for (std::size_t w = 0; excess > 0 && idle < call_next.size();
             w = (w + 1) % call_next.size()) {
            const auto called = connection.exchange(call_next[w]);
            if (called.status == 409) {
                ++idle;  // nothing waiting for this window
                continue;
            }
            idle = 0;
            if (called.status != 200 || connection.exchange(finish[w]).status != 200) {
                fail("counter: " + std::to_string(called.status) + " " + called.body);
            }
            --excess;
            ++drained;
        }
    }
};

// Takes tickets until `target` wait (not timed), for the counter's blocks.
void refill(HttpConnection& connection, const std::vector<std::string>& takes, int target) {
    const int missing = target - waiting(connection);
    for (int i = 0; i < missing; ++i) {
        if (connection.exchange(takes[static_cast<std::size_t>(i % 5)]).status != 201) {
            fail("POST /api/v1/tickets refused while refilling the queue");
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    int block = 100;
    int rounds = 10;
    int queue = 500;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--block") == 0) {
            block = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--rounds") == 0) {
            rounds = std::atoi(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--waiting") == 0) {
            queue = std::atoi(argv[i + 1]);
        }
    }
    const int connection_counts[] = {1, 4};

    ApiDaemon daemon;
    const auto port = daemon.port();
    for (int w = 1; w <= kApiWindows; ++w) {
        daemon.login(std::to_string(w), std::to_string(1000 + w));
    }
    std::vector<std::string> takes;
    takes.reserve(5);
    for (int s = 0; s < 5; ++s) {
        takes.push_back(take_request(s));
    }
    HttpConnection setup(port);
    for (int i = 0; i < queue + kApiWindows; ++i) {
        if (const auto answer = setup.exchange(takes[static_cast<std::size_t>(i % 5)]);
            answer.status != 201) {
            fail("POST /api/v1/tickets: " + std::to_string(answer.status) + " " + answer.body);
        }
    }
    for (int w = 1; w <= kApiWindows; ++w) {
        static_cast<void>(daemon.hallctl(
            {"queue", json{{"op", "call_next"}, {"window", std::to_string(w)}}.dump()}));
    }
    const auto sample = sample_log(daemon.database(), "queue.ticket_issued");
    CommitFloor floor(daemon.dir() / "floor.db", "queue.ticket_issued", sample.payload);
    floor.prefill(static_cast<int>(sample.events));

    std::printf(
        "local API over loopback: hallkeeperd with 5 services and 5 staffed windows, %d tickets "
        "waiting and every window calling one\n",
        waiting(setup));

    // 1. Reads.
    const auto hall_request = http_request("GET", "/api/v1/hall");
    const auto board_request = http_request("GET", "/api/v1/board");
    const auto missing_request = http_request("GET", "/api/v1/nothing-here");
    std::printf("  answer sizes: /hall %zu bytes, /board %zu bytes, 404 %zu bytes\n",
                setup.exchange(hall_request).body.size(), setup.exchange(board_request).body.size(),
                setup.exchange(missing_request).body.size());
    std::printf("reads: %d rounds of %d requests of each, alternating\n", rounds, block);
    print_header();
    for (const int n : connection_counts) {
        auto connections = open_connections(port, n);
        Series missing;
        Series hall;
        Series board;
        for (int r = 0; r < rounds; ++r) {
            run_block(connections, block, simple_step(missing_request, 404), missing);
            run_block(connections, block, simple_step(hall_request, 200), hall);
            run_block(connections, block, simple_step(board_request, 200), board);
        }
        const auto c = std::to_string(n) + (n == 1 ? " connection" : " connections");
        print_row("baseline: 404, " + c, missing);
        print_row("GET /hall, " + c, hall);
        print_row("GET /board, " + c, board);
        std::printf("  %s: /hall %.2f and /board %.2f of the 404's rate; p50 %.1fx and %.1fx\n",
                    c.c_str(), hall.rate() / missing.rate(), board.rate() / missing.rate(),
                    percentiles(hall.ms).p50 / percentiles(missing.ms).p50,
                    percentiles(board.ms).p50 / percentiles(missing.ms).p50);
    }

    // The counter, when the daemon has it: every window's session; the calls made for the
    // snapshots are finished.
    std::optional<Counter> counter;
    if (has_counter_routes(port)) {
        counter.emplace();
        for (int w = 1; w <= kApiWindows; ++w) {
            const auto token = open_session(setup, w);
            counter->call_next.push_back(
                http_request("POST", "/api/v1/counter/call-next", {}, token));
            counter->finish.push_back(http_request("POST", "/api/v1/counter/finish", {}, token));
            static_cast<void>(setup.exchange(counter->finish.back()));
        }
    }

    // 2. Durable operations.
    std::printf(
        "durable operations: %d rounds of %d, alternating with the floor (one synchronous=FULL "
        "commit of the daemon's latest ticket_issued row, %zu bytes of payload, same disk)\n",
        rounds, block, sample.payload.size());
    if (counter) {
        std::printf(
            "  the counter calls and finishes tickets between blocks (not timed), so every "
            "block starts with %d waiting\n",
            queue);
    } else {
        std::printf(
            "  no counter routes to call tickets with: the queue grows by every block, "
            "from %d waiting\n",
            queue);
    }
    const auto events_before = sample_log(daemon.database(), "queue.ticket_issued").events;
    print_header();
    int taken = 0;
    for (const int n : connection_counts) {
        auto connections = open_connections(port, n);
        Series tickets;
        std::vector<double> floor_ms;
        const Step take = [&takes](HttpConnection& connection, int c, int i) {
            const auto start = Clock::now();
            const auto answer = connection.exchange(takes[static_cast<std::size_t>((c + i) % 5)]);
            const auto ms = ms_between(start, Clock::now());
            if (answer.status != 201) {
                fail("POST /api/v1/tickets: " + std::to_string(answer.status) + " " + answer.body);
            }
            return Timing{ms};
        };
        for (int r = 0; r < rounds; ++r) {
            if (counter) {
                counter->drain(setup, queue);
            }
            run_block(connections, block, take, tickets);
            for (int i = 0; i < block; ++i) {
                floor_ms.push_back(floor.commit());
            }
        }
        taken += static_cast<int>(tickets.ops);
        const auto c = std::to_string(n) + (n == 1 ? " connection" : " connections");
        print_floor("floor: durable commit", floor_ms);
        print_row("POST /tickets, " + c, tickets);
        std::printf("  %s: POST /tickets at %.2f of the floor's rate; p50 %.1fx the floor's\n",
                    c.c_str(), tickets.rate() / floor_rate(floor_ms),
                    percentiles(tickets.ms).p50 / percentiles(floor_ms).p50);
    }
    const auto events_after = sample_log(daemon.database(), "queue.ticket_issued").events;
    std::printf(
        "  %.2f events logged per ticket taken (the drains' calls and finishes excluded)\n",
        static_cast<double>(events_after - events_before - (counter ? 2 * counter->drained : 0)) /
            static_cast<double>(taken));

    // 3. The counter.
    if (!counter) {
        std::printf(
            "counter: skipped, the daemon has no counter routes yet (POST /api/v1/counter/... "
            "answers 404 not_found)\n");
    } else {
        std::printf(
            "counter: call-next then finish at the connection's own window (a session per "
            "window), %d rounds of %d cycles, alternating with 2 floor commits per cycle; the "
            "queue "
            "is filled up to %d waiting before each block (not timed)\n",
            rounds, block / 2, queue);
        std::printf("  %-42s %8s %8s %8s %8s %9s %6s\n", "(ms per request; cycles/s)", "p50", "p90",
                    "p99", "max", "rate", "n");
        for (const int n : connection_counts) {
            auto connections = open_connections(port, n);
            Series calls;
            Series finishes;
            std::vector<double> floor_ms;
            const Step cycle = [&](HttpConnection& connection, int c, int) {
                const auto start = Clock::now();
                const auto called =
                    connection.exchange(counter->call_next[static_cast<std::size_t>(c)]);
                const auto middle = Clock::now();
                const auto finished =
                    connection.exchange(counter->finish[static_cast<std::size_t>(c)]);
                const auto end = Clock::now();
                if (called.status != 200 || finished.status != 200) {
                    fail("counter: " + std::to_string(called.status) + " " + called.body + " / " +
                         std::to_string(finished.status) + " " + finished.body);
                }
                return Timing{ms_between(start, middle), ms_between(middle, end)};
            };
            for (int r = 0; r < rounds; ++r) {
                refill(setup, takes, queue);
                run_block(connections, block / 2, cycle, calls, &finishes);
                for (int i = 0; i < block; ++i) {
                    floor_ms.push_back(floor.commit());
                }
            }
            Series cycles = calls;
            for (std::size_t i = 0; i < cycles.ms.size(); ++i) {
                cycles.ms[i] += finishes.ms[i];
            }
            const auto c = std::to_string(n) + (n == 1 ? " connection" : " connections");
            print_floor("floor: durable commit", floor_ms);
            print_row("call-next, " + c, calls);
            print_row("finish, " + c, finishes);
            print_row("cycle (call-next + finish), " + c, cycles);
            std::printf("  %s: %.0f operations/s, %.2f of the floor's rate\n", c.c_str(),
                        2.0 * cycles.rate(), 2.0 * cycles.rate() / floor_rate(floor_ms));
        }
    }
    std::printf("daemon resident memory at the end: %.1f MiB (VmRSS)\n",
                resident_mib(daemon.pid()));
    daemon.stop();
    return 0;
}

// Queue engine benchmark: how long a window waits for `call_next` to decide in a crowded hall,
// and how far the wait estimate printed on a ticket is from the wait the citizen then has.
//
// 1. Decision latency. A hall of 50 services and 50 windows (each serving 1–5 services, all six
//    strategies) holds 5,000 waiting tickets. Windows call in turn; after each call the ticket
//    is finished and a new one of the same service is issued (not timed), so every decision
//    sees about 5,000 waiting tickets. Each `Engine::call_next` is timed on its own and so is
//    `choose_next` (the strategy alone, without emitting and applying the event), on alternate
//    turns so that both follow the same untimed work. Target: p99 ≤ 50 µs. The baseline is the
//    cheapest conceivable decision over the same number of tickets — a minimum over a key in a
//    plain std::vector of 5,000 records — timed the same way in the same run, so the ratio
//    says how much the engine's data layout and explanations cost on top of touching every
//    ticket once.
//
// 2. Estimated wait. One simulated hall day (seeded, simulated clock, no sleeping): 3,000
//    arrivals over 8.5 hours with a morning and an afternoon peak, lognormal service times with
//    a different mean per service, windows calling as soon as they are idle, some no-shows. The
//    estimate a ticket gets when it is issued (`Engine::estimated_wait`) is compared with its
//    actual wait (first call − issue), for all tickets and by group (class, shared windows,
//    nothing ahead, the morning peak). The baseline is the naive estimate halls often print —
//    tickets ahead × 5 minutes / staffed windows serving the service — on the same tickets.
//    Each estimated_wait call is timed too.
//
// Results go to docs/performance.md by hand; this is not a pass/fail test.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_hall.hpp"
#include "bench/percentiles.hpp"
#include "daemon/queue/engine.hpp"
#include "daemon/queue/event_codec.hpp"
#include "daemon/queue/strategy.hpp"

using namespace hk::queue;
using hk::bench::Arrival;
using hk::bench::BenchHall;
using hk::bench::kHallServices;
using hk::bench::kHallStrategies;
using hk::bench::kHallWindows;
using hk::bench::kHour;
using hk::bench::kMidnight;
using hk::bench::kMinute;
using hk::bench::kSecond;
using hk::bench::Percentiles;
using hk::bench::percentiles;
using hk::bench::service_code;
using hk::bench::ServiceMinutes;
using Clock = std::chrono::steady_clock;

namespace {

// Keeps a result alive so the optimiser cannot drop the work that produced it.
volatile std::int64_t g_sink = 0;

double us_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::micro>(to - from).count();
}

// ---------------------------------------------------------------------------------------------
// The hall (bench_hall.hpp). Services take 3-15 minutes, scaled so an average ticket takes 7:
// 3,000 tickets then need about 88% of what 50 windows can do in 8.5 hours, so the peaks build
// real queues and the quiet hours drain them.

constexpr ServiceMinutes kServiceMinutes{3.0, 15.0, 7.0};

BenchHall make_hall(std::mt19937_64& rng) {
    return hk::bench::make_bench_hall(rng, kServiceMinutes);
}

int pick_service(const BenchHall& model, std::mt19937_64& rng) {
    std::discrete_distribution<int> pick(model.demand.begin(), model.demand.end());
    return pick(rng);
}

TicketClass pick_class(std::mt19937_64& rng) {
    // Green channel (elderly, disabled, military) and VIP (enterprise) are a few percent.
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return u < 0.04 ? TicketClass::green : u < 0.07 ? TicketClass::vip : TicketClass::normal;
}

void login_all(Engine& engine, Millis now) {
    for (const auto& window : engine.state().hall.windows) {
        if (!engine.login(now, "bench", window.id, "1000" + window.id)) {
            std::fprintf(stderr, "login of window %s refused\n", window.id.c_str());
            std::exit(1);
        }
    }
}

std::optional<TicketId> issued_id(const QueueResult<Events>& result) {
    if (!result) {
        return std::nullopt;
    }
    for (const auto& event : *result) {
        if (const auto* issued = std::get_if<TicketIssued>(&event.body)) {
            return issued->id;
        }
    }
    return std::nullopt;
}

std::optional<TicketId> called_id(const QueueResult<Events>& result) {
    if (!result) {
        return std::nullopt;
    }
    for (const auto& event : *result) {
        if (const auto* called = std::get_if<TicketCalled>(&event.body)) {
            return called->id;
        }
    }
    return std::nullopt;
}

// An appointment ticket: booked, then checked in. About 8% of tickets come this way, so the
// appointment_slot windows have slots to honour, some due and some not yet.
std::optional<TicketId> check_in_appointment(Engine& engine, int service, Millis now,
                                             Millis slot_start, int serial) {
    Appointment appointment;
    appointment.id = "ap" + std::to_string(serial);
    appointment.code = "c" + std::to_string(serial);
    appointment.service = service_code(service);
    appointment.slot_start = slot_start;
    appointment.slot_end = slot_start + 30 * kMinute;
    appointment.source = "portal";
    if (!engine.book_appointment(now, "portal", appointment)) {
        return std::nullopt;
    }
    return issued_id(engine.check_in(now, "kiosk", "", appointment.code));
}

// ---------------------------------------------------------------------------------------------
// 1. Decision latency

struct LatencyRun {
    std::vector<double> scan;  // baseline
    std::vector<double> choose_all;
    std::vector<double> call_all;
    std::array<std::vector<double>, 6> choose_by;  // by StrategyKind
    std::array<std::vector<double>, 6> call_by;
    // Waiting tickets in the calling window's services ("in reach"), summed per strategy, and
    // the time per ticket in reach of the strategies that look at every one of them.
    std::array<double, 6> in_reach{};
    std::array<int, 6> decisions{};
    std::size_t largest_reach = 0;
    std::vector<double> ns_per_ticket;
    std::size_t min_serves = SIZE_MAX;  // services per window
    std::size_t max_serves = 0;
    double mean_serves = 0;
    std::size_t largest_queue = 0;  // waiting tickets of the busiest service, at the start
    int nothing_waiting = 0;
    std::size_t waiting_min = SIZE_MAX;
    std::size_t waiting_max = 0;
    std::size_t tickets_held = 0;
};

std::size_t total_waiting(const QueueState& state) {
    std::size_t n = 0;
    for (const auto& [service, list] : state.waiting) {
        n += list.size();
    }
    return n;
}

// The cheapest decision over 5,000 tickets: one pass, minimum of a key. Records are the size
// of what a queue needs per ticket (id, key, issue time, class), contiguous.
void baseline_scan(LatencyRun& run, int samples, std::mt19937_64& rng) {
    struct Record {
        std::int64_t id;
        std::int64_t queue_key;
        std::int64_t issued_at;
        std::int64_t ticket_class;
    };
    std::vector<Record> records(5000);
    std::uniform_int_distribution<std::int64_t> key(0, 1'000'000'000);
    for (std::size_t i = 0; i < records.size(); ++i) {
        records[i] = {static_cast<std::int64_t>(i), key(rng), key(rng), key(rng) % 4};
    }
    std::uniform_int_distribution<std::size_t> any(0, records.size() - 1);
    for (int i = 0; i < samples; ++i) {
        // One ticket changes between decisions, as in the hall; it also stops the compiler
        // from hoisting the scan out of the loop.
        records[any(rng)].queue_key = key(rng);
        const auto start = Clock::now();
        const auto best = std::min_element(
            records.begin(), records.end(),
            [](const Record& a, const Record& b) { return a.queue_key < b.queue_key; });
        const auto end = Clock::now();
        g_sink = best->id;
        run.scan.push_back(us_between(start, end));
    }
}

LatencyRun measure_latency(int rounds) {
    std::mt19937_64 rng(20261123);
    const auto model = make_hall(rng);
    Engine engine(model.hall);
    Millis now = kMidnight + 8 * kHour;
    login_all(engine, now);

    std::uniform_int_distribution<Millis> slot_offset(-10, 25);
    int serial = 0;
    const auto issue = [&](int service) {
        now += 200;
        if (std::uniform_real_distribution<double>(0, 1)(rng) < 0.08) {
            const Millis slot = now + slot_offset(rng) * kMinute;
            return check_in_appointment(engine, service, now, slot, ++serial);
        }
        return issued_id(engine.take(
            now, "kiosk", {service_code(service), Channel::walkin, pick_class(rng), {}}));
    };
    for (int i = 0; i < 5000; ++i) {
        if (!issue(pick_service(model, rng))) {
            std::fprintf(stderr, "issuing the initial tickets failed\n");
            std::exit(1);
        }
    }

    LatencyRun run;
    const auto& windows = engine.state().hall.windows;
    for (const auto& window : windows) {
        run.min_serves = std::min(run.min_serves, window.serves.size());
        run.max_serves = std::max(run.max_serves, window.serves.size());
        run.mean_serves += static_cast<double>(window.serves.size()) / kHallWindows;
    }
    for (const auto& [service, list] : engine.state().waiting) {
        run.largest_queue = std::max(run.largest_queue, list.size());
    }
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t w = 0; w < windows.size(); ++w) {
            const auto& window = windows[w];
            const auto kind = static_cast<std::size_t>(window.strategy.kind);
            now += kSecond;
            const auto waiting = total_waiting(engine.state());
            run.waiting_min = std::min(run.waiting_min, waiting);
            run.waiting_max = std::max(run.waiting_max, waiting);
            std::size_t reach = 0;
            for (const auto& serves : window.serves) {
                const auto list = engine.state().waiting.find(serves.service);
                if (list != engine.state().waiting.end()) {
                    reach += list->second.size();
                }
            }
            run.in_reach[kind] += static_cast<double>(reach);
            run.largest_reach = std::max(run.largest_reach, reach);
            ++run.decisions[kind];
            const bool scans_all = window.strategy.kind == StrategyKind::class_priority ||
                                   window.strategy.kind == StrategyKind::counted_ratio ||
                                   window.strategy.kind == StrategyKind::appointment_slot;

            QueueResult<Events> called;
            // Each window alternates between the two measurements from one round to the next.
            if ((static_cast<std::size_t>(round) + w) % 2 == 0) {
                const auto start = Clock::now();
                const auto choice = choose_next(engine.state(), window, now);
                const auto end = Clock::now();
                g_sink = choice ? choice->id : 0;
                run.choose_all.push_back(us_between(start, end));
                run.choose_by[kind].push_back(run.choose_all.back());
                called = engine.call_next(now, "bench", window.id);
            } else {
                const auto start = Clock::now();
                called = engine.call_next(now, "bench", window.id);
                const auto end = Clock::now();
                run.call_all.push_back(us_between(start, end));
                run.call_by[kind].push_back(run.call_all.back());
                if (scans_all && reach > 0) {
                    run.ns_per_ticket.push_back(1000 * run.call_all.back() /
                                                static_cast<double>(reach));
                }
            }
            const auto id = called_id(called);
            if (!id) {
                ++run.nothing_waiting;
                continue;
            }
            // Keep the hall at 5,000 waiting: the call is served, and someone new takes a
            // ticket for the same service.
            const auto service = engine.state().tickets.at(*id).service;
            now += 200;
            if (!engine.finish(now, "bench", window.id)) {
                std::fprintf(stderr, "finish refused\n");
                std::exit(1);
            }
            const int s = std::stoi(service.substr(1));
            if (!issue(s)) {
                std::fprintf(stderr, "issuing a replacement ticket failed\n");
                std::exit(1);
            }
        }
    }
    run.tickets_held = engine.state().tickets.size();
    baseline_scan(run, static_cast<int>(run.call_all.size()), rng);
    return run;
}

void print_latency(const LatencyRun& run) {
    const auto scan = percentiles(run.scan);
    const auto choose = percentiles(run.choose_all);
    const auto call = percentiles(run.call_all);
    std::printf(
        "call_next decision latency: 50 services, 50 windows serving %zu-%zu services "
        "(mean %.1f)\n",
        run.min_serves, run.max_serves, run.mean_serves);
    std::printf(
        "  %zu-%zu waiting tickets (busiest service %zu, up to %zu in one window's reach), "
        "%zu tickets held\n",
        run.waiting_min, run.waiting_max, run.largest_queue, run.largest_reach, run.tickets_held);
    std::printf("  %-34s %8s %8s %8s %8s %6s %6s\n", "(µs)", "p50", "p90", "p99", "max", "n",
                "reach");
    const auto row = [](const std::string& what, const Percentiles& p, double reach) {
        std::printf("  %-34s %8.2f %8.2f %8.2f %8.1f %6zu", what.c_str(), p.p50, p.p90, p.p99,
                    p.max, p.n);
        if (reach >= 0) {
            std::printf(" %6.0f", reach);
        }
        std::printf("\n");
    };
    row("baseline: min over 5,000 records", scan, -1);
    double all_reach = 0;
    int all_decisions = 0;
    for (std::size_t k = 0; k < kHallStrategies.size(); ++k) {
        all_reach += run.in_reach[k];
        all_decisions += run.decisions[k];
    }
    row("choose_next, all windows", choose, all_reach / all_decisions);
    row("call_next, all windows", call, all_reach / all_decisions);
    for (std::size_t k = 0; k < kHallStrategies.size(); ++k) {
        const double reach = run.in_reach[k] / std::max(run.decisions[k], 1);
        row("  choose_next " + std::string(to_string(kHallStrategies[k])),
            percentiles(run.choose_by[k]), reach);
        row("  call_next   " + std::string(to_string(kHallStrategies[k])),
            percentiles(run.call_by[k]), reach);
    }
    std::printf("  call_next p99 / 50 µs target    %.2f\n", call.p99 / 50.0);
    std::printf("  call_next / baseline scan       p50 %.1fx  p99 %.1fx\n", call.p50 / scan.p50,
                call.p99 / scan.p99);
    std::printf("  choose_next share of call_next  p50 %.0f%%\n", 100.0 * choose.p50 / call.p50);
    std::printf(
        "  per waiting ticket in reach     %.0f ns (class_priority, counted_ratio, "
        "appointment_slot; median)   baseline %.2f ns per record\n",
        percentiles(run.ns_per_ticket).p50, 1000 * scan.p50 / 5000);
    if (run.nothing_waiting > 0) {
        std::printf("  (%d calls found nothing waiting)\n", run.nothing_waiting);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Estimated wait over a simulated day

// Arrival times over 08:30-17:00, drawn by rejection from arrival_density().
std::vector<Arrival> make_arrivals(const BenchHall& model, int count, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> when(hk::bench::kArrivalsFrom,
                                                hk::bench::kArrivalsUntil);
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<Arrival> arrivals;
    while (static_cast<int>(arrivals.size()) < count) {
        const double minute = when(rng);
        if (unit(rng) * hk::bench::kArrivalDensityBound > hk::bench::arrival_density(minute)) {
            continue;
        }
        Arrival a;
        a.at = kMidnight + static_cast<Millis>(minute * kMinute);
        a.service = pick_service(model, rng);
        a.ticket_class = pick_class(rng);
        // Appointment holders come 0-20 minutes before their half-hour slot.
        if (unit(rng) < 0.08) {
            a.appointment = true;
            const Millis early = static_cast<Millis>(unit(rng) * 20 * kMinute);
            a.slot_start = (a.at + early) / (30 * kMinute) * (30 * kMinute);
            if (a.slot_start < a.at) {
                a.slot_start += 30 * kMinute;
            }
        }
        const double u = unit(rng);
        a.misses = u < 0.02 ? 2 : u < 0.06 ? 1 : 0;
        // Lognormal with the service's mean and a spread (σ = 0.6) typical of counter work.
        const double sigma = 0.6;
        const double mu =
            std::log(model.mean_minutes[static_cast<std::size_t>(a.service)]) - sigma * sigma / 2;
        a.service_ms =
            static_cast<Millis>(std::lognormal_distribution<double>(mu, sigma)(rng) * kMinute);
        arrivals.push_back(a);
    }
    std::sort(arrivals.begin(), arrivals.end(),
              [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
    return arrivals;
}

struct Outcome {
    Millis issued_at = 0;
    Millis engine_estimate = 0;
    Millis naive_estimate = 0;
    std::optional<Millis> first_call;
    TicketClass ticket_class = TicketClass::normal;
    bool shared = false;  // every window serving its service also serves others
    int ahead = 0;        // tickets ahead in its service queue at issue
};

struct WaitRun {
    std::vector<Outcome> outcomes;
    int refused = 0;
    int no_shows = 0;
    int abandoned = 0;
    Millis last_call = 0;
    std::size_t peak_waiting = 0;
    std::vector<double> estimate_us;  // time of each Engine::estimated_wait call
};

WaitRun simulate_day(int arrivals_count) {
    std::mt19937_64 rng(20261124);
    const auto model = make_hall(rng);
    const auto arrivals = make_arrivals(model, arrivals_count, rng);
    Engine engine(model.hall);
    login_all(engine, kMidnight + 8 * kHour + 20 * kMinute);
    const auto& windows = engine.state().hall.windows;

    // Appointments are booked the day before, in the portal.
    int serial = 0;
    std::vector<std::string> codes(arrivals.size());
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        if (!arrivals[i].appointment) {
            continue;
        }
        Appointment appointment;
        appointment.id = "ap" + std::to_string(++serial);
        appointment.code = codes[i] = "c" + std::to_string(serial);
        appointment.service = service_code(arrivals[i].service);
        appointment.slot_start = arrivals[i].slot_start;
        appointment.slot_end = arrivals[i].slot_start + 30 * kMinute;
        appointment.source = "portal";
        if (!engine.book_appointment(kMidnight + 8 * kHour, "portal", appointment)) {
            std::fprintf(stderr, "booking refused\n");
            std::exit(1);
        }
    }

    // Which windows serve a service, and whether any of them serves it alone.
    std::vector<std::vector<std::size_t>> serving(kHallServices);
    std::vector<bool> shared(kHallServices, true);
    for (std::size_t w = 0; w < windows.size(); ++w) {
        for (const auto& serves : windows[w].serves) {
            const int s = std::stoi(serves.service.substr(1));
            serving[static_cast<std::size_t>(s)].push_back(w);
            if (windows[w].serves.size() == 1) {
                shared[static_cast<std::size_t>(s)] = false;
            }
        }
    }

    enum class Kind { arrival, start, finish, no_show };
    struct Event {
        Millis at;
        std::uint64_t seq;
        Kind kind;
        std::size_t index;  // arrival index or window index
        bool operator>(const Event& other) const {
            return at != other.at ? at > other.at : seq > other.seq;
        }
    };
    std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
    std::uint64_t seq = 0;
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
        events.push({arrivals[i].at, seq++, Kind::arrival, i});
    }

    WaitRun run;
    std::vector<std::optional<std::size_t>> outcome_of_ticket;  // by TicketId
    std::vector<std::size_t> arrival_of_outcome;
    std::vector<int> calls_of_outcome;
    std::vector<std::optional<std::size_t>> at_window(windows.size());  // outcome being served
    std::uniform_int_distribution<Millis> walk(20 * kSecond, 90 * kSecond);

    // A window that is free calls at once; a called citizen walks up, or does not come.
    const auto try_call = [&](std::size_t w, Millis now) {
        const auto called = called_id(engine.call_next(now, "officer", windows[w].id));
        if (!called) {
            return false;
        }
        const auto o = *outcome_of_ticket[static_cast<std::size_t>(*called)];
        auto& outcome = run.outcomes[o];
        if (!outcome.first_call) {
            outcome.first_call = now;
        }
        run.last_call = now;
        at_window[w] = o;
        const auto& arrival = arrivals[arrival_of_outcome[o]];
        if (calls_of_outcome[o]++ < arrival.misses) {
            // Two recalls a minute apart, then the officer marks the no-show.
            events.push({now + 2 * kMinute, seq++, Kind::no_show, w});
        } else {
            events.push({now + walk(rng), seq++, Kind::start, w});
        }
        return true;
    };
    const auto call_idle = [&](std::size_t s, Millis now) {
        for (const auto w : serving[s]) {
            if (!engine.state().windows.at(windows[w].id).current) {
                try_call(w, now);
            }
        }
    };

    while (!events.empty()) {
        const auto event = events.top();
        events.pop();
        const auto now = event.at;
        switch (event.kind) {
            case Kind::arrival: {
                const auto& arrival = arrivals[event.index];
                const auto id =
                    arrival.appointment
                        ? issued_id(engine.check_in(now, "kiosk", "", codes[event.index]))
                        : issued_id(engine.take(now, "kiosk",
                                                {service_code(arrival.service),
                                                 Channel::walkin,
                                                 arrival.ticket_class,
                                                 {}}));
                if (!id) {
                    ++run.refused;
                    break;
                }
                const auto& ticket = engine.state().tickets.at(*id);
                Outcome outcome;
                outcome.issued_at = now;
                outcome.ticket_class = ticket.ticket_class;
                outcome.shared = shared[static_cast<std::size_t>(arrival.service)];
                const auto estimate_start = Clock::now();
                outcome.engine_estimate = engine.estimated_wait(*id);
                run.estimate_us.push_back(us_between(estimate_start, Clock::now()));
                outcome.ahead = engine.waiting_ahead(*id);
                int open = 0;
                for (const auto w : serving[static_cast<std::size_t>(arrival.service)]) {
                    open +=
                        engine.state().windows.at(windows[w].id).state != WindowState::logged_out
                            ? 1
                            : 0;
                }
                outcome.naive_estimate =
                    static_cast<Millis>(outcome.ahead) * 5 * kMinute / std::max(open, 1);
                if (outcome_of_ticket.size() <= static_cast<std::size_t>(*id)) {
                    outcome_of_ticket.resize(static_cast<std::size_t>(*id) + 1);
                }
                outcome_of_ticket[static_cast<std::size_t>(*id)] = run.outcomes.size();
                arrival_of_outcome.push_back(event.index);
                calls_of_outcome.push_back(0);
                run.outcomes.push_back(outcome);
                run.peak_waiting = std::max(run.peak_waiting, total_waiting(engine.state()));
                call_idle(static_cast<std::size_t>(arrival.service), now);
                break;
            }
            case Kind::start: {
                if (!engine.start(now, "officer", windows[event.index].id)) {
                    std::fprintf(stderr, "start refused\n");
                    std::exit(1);
                }
                const auto& current = at_window[event.index];
                if (!current) {
                    std::fprintf(stderr, "start at a window serving nobody\n");
                    std::exit(1);
                }
                const auto o = *current;
                events.push({now + arrivals[arrival_of_outcome[o]].service_ms, seq++, Kind::finish,
                             event.index});
                break;
            }
            case Kind::finish:
            case Kind::no_show: {
                const auto& window = windows[event.index].id;
                const bool finished = event.kind == Kind::finish;
                const auto done = finished ? engine.finish(now, "officer", window)
                                           : engine.no_show(now, "officer", window);
                if (!done) {
                    std::fprintf(stderr, "finish/no-show refused\n");
                    std::exit(1);
                }
                if (!finished) {
                    ++run.no_shows;
                    const auto& no_show = std::get<TicketNoShow>(done->back().body);
                    run.abandoned += no_show.abandoned ? 1 : 0;
                }
                at_window[event.index].reset();
                try_call(event.index, now);
                break;
            }
        }
    }
    return run;
}

struct ErrorStats {
    double median_abs_min = 0;
    double p90_abs_min = 0;
    double median_signed_min = 0;  // estimate − actual: negative means too optimistic
    std::size_t n = 0;
};

template <class Select, class Estimate>
ErrorStats error_stats(const WaitRun& run, Select select, Estimate estimate) {
    std::vector<double> abs_errors;
    std::vector<double> signed_errors;
    for (const auto& o : run.outcomes) {
        if (!o.first_call || !select(o)) {
            continue;
        }
        const double error =
            static_cast<double>(estimate(o) - (*o.first_call - o.issued_at)) / kMinute;
        signed_errors.push_back(error);
        abs_errors.push_back(std::abs(error));
    }
    const auto abs = percentiles(abs_errors);
    const auto sgn = percentiles(signed_errors);
    return {abs.p50, abs.p90, sgn.p50, abs.n};
}

void print_wait(const WaitRun& run) {
    std::vector<double> actual;
    for (const auto& o : run.outcomes) {
        if (o.first_call) {
            actual.push_back(static_cast<double>(*o.first_call - o.issued_at) / kMinute);
        }
    }
    const auto actual_p = percentiles(actual);
    const auto last = static_cast<double>(run.last_call - kMidnight) / kHour;
    std::printf(
        "\nestimated wait on a simulated day: %zu tickets issued, %d refused, %d no-shows "
        "(%d abandoned), peak %zu waiting, last call %02d:%02d\n",
        run.outcomes.size(), run.refused, run.no_shows, run.abandoned, run.peak_waiting,
        static_cast<int>(last), static_cast<int>((last - std::floor(last)) * 60));
    std::printf("  actual wait (min)      median %6.1f  p90 %6.1f  max %6.1f\n", actual_p.p50,
                actual_p.p90, actual_p.max);
    std::printf("  %-40s %7s %10s %10s %10s %9s\n", "|estimate - actual| (min)", "n", "median",
                "p90", "bias", "/ median");
    const auto engine_estimate = [](const Outcome& o) { return o.engine_estimate; };
    const auto naive_estimate = [](const Outcome& o) { return o.naive_estimate; };
    const auto row = [&](const char* what, const ErrorStats& e) {
        std::printf("  %-40s %7zu %10.1f %10.1f %+10.1f %8.2fx\n", what, e.n, e.median_abs_min,
                    e.p90_abs_min, e.median_signed_min, e.median_abs_min / actual_p.p50);
    };
    const auto all = [](const Outcome&) { return true; };
    const auto normal = [](const Outcome& o) { return o.ticket_class == TicketClass::normal; };
    const auto priority = [](const Outcome& o) { return o.ticket_class != TicketClass::normal; };
    const auto dedicated = [](const Outcome& o) { return !o.shared; };
    const auto shared = [](const Outcome& o) { return o.shared; };
    const auto nothing_ahead = [](const Outcome& o) { return o.ahead == 0; };
    const auto some_ahead = [](const Outcome& o) { return o.ahead > 0; };
    const auto morning_peak = [](const Outcome& o) {
        const auto at = o.issued_at - kMidnight;
        return at >= 9 * kHour + 30 * kMinute && at < 11 * kHour;
    };
    const auto engine_all = error_stats(run, all, engine_estimate);
    const auto naive_all = error_stats(run, all, naive_estimate);
    row("engine estimated_wait, all tickets", engine_all);
    row("baseline ahead x 5 min / windows, all", naive_all);
    row("engine, normal tickets", error_stats(run, normal, engine_estimate));
    row("engine, green/VIP/appointment tickets", error_stats(run, priority, engine_estimate));
    row("engine, services with a dedicated window", error_stats(run, dedicated, engine_estimate));
    row("engine, services only on shared windows", error_stats(run, shared, engine_estimate));
    row("engine, nothing ahead in the queue", error_stats(run, nothing_ahead, engine_estimate));
    row("engine, someone ahead in the queue", error_stats(run, some_ahead, engine_estimate));
    row("engine, issued 09:30-11:00 (peak)", error_stats(run, morning_peak, engine_estimate));
    row("baseline, issued 09:30-11:00 (peak)", error_stats(run, morning_peak, naive_estimate));
    std::printf("  engine / baseline median error  %.2f\n",
                engine_all.median_abs_min / naive_all.median_abs_min);
    const auto cost = percentiles(run.estimate_us);
    std::printf("  estimated_wait per call (µs)    p50 %.1f  p99 %.1f  max %.1f  (%zu calls)\n",
                cost.p50, cost.p99, cost.max, cost.n);
}

}  // namespace

int main() {
    print_latency(measure_latency(400));
    print_wait(simulate_day(3000));
    return 0;
}

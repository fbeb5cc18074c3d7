// The busy hall day of the persistence benchmarks: see busy_day.hpp.
#include "bench/busy_day.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <queue>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

#include "daemon/app/queue_service.hpp"
#include "daemon/queue/engine.hpp"
#include "daemon/queue/event_codec.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/event_log.hpp"
#include "daemon/store/migrations.hpp"

namespace hk::bench {
namespace {

using nlohmann::json;
using queue::TicketClass;

// Mean service time over all tickets. Short, because 9,900 citizens on 50 windows is a very
// busy day: with the walk to the counter the windows are busy about 80% of the day, more than
// their capacity at the peaks, so queues build there and drain after.
constexpr ServiceMinutes kServiceMinutes{2.0, 8.0, 1.2};
// Keeps a result alive so the optimiser cannot drop the work that produced it.
volatile std::int64_t g_sink = 0;

constexpr Millis kOpen = kMidnight + 8 * kHour + 30 * kMinute;
constexpr Millis kClose = kMidnight + 17 * kHour;

[[noreturn]] void fail(const std::string& what) {
    static_cast<void>(std::fprintf(stderr, "busy day: %s\n", what.c_str()));
    std::exit(1);
}

}  // namespace

BenchHall make_busy_hall(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    return make_bench_hall(rng, kServiceMinutes);
}

std::string hall_file_text(const queue::HallDefinition& hall) {
    std::string out = "# A busy hall of the persistence benchmarks (bench/busy_day.cpp).\n";
    for (const auto& service : hall.services) {
        out += fmt::format(
            "\n[[services]]\ncode = \"{}\"\nname_zh = \"{}\"\nname_en = \"{}\"\nprefix = \"{}\"\n"
            "number_width = {}\n",
            service.code, service.name_zh, service.name_en, service.prefix, service.number_width);
    }
    for (const auto& window : hall.windows) {
        std::string serves;
        for (const auto& entry : window.serves) {
            serves += fmt::format("{}{{ service = \"{}\", weight = {} }}",
                                  serves.empty() ? "" : ", ", entry.service, entry.weight);
        }
        out += fmt::format(
            "\n[[windows]]\nid = \"{}\"\nname = \"{}\"\narea = \"{}\"\nserves = [{}]\n"
            "strategy = {{ kind = \"{}\" }}\n",
            window.id, window.name, window.area, serves, queue::to_string(window.strategy.kind));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The simulation: an agenda of timed actions. An action either yields one operation, whose
// answer schedules what follows, or (a window with nothing to call) yields none and waits.

struct BusyDay::Impl {
    enum class Kind {
        book,
        login,
        arrive,
        window_free,
        recall,
        no_show,
        start,
        transfer,
        hold,
        finish,
        evaluate,
        resume,
        close,
    };

    struct Action {
        Millis at = 0;
        std::uint64_t order = 0;  // ties in time run in the order they were scheduled
        Kind kind = Kind::window_free;
        int index = 0;  // window or citizen
        bool operator>(const Action& other) const {
            return at != other.at ? at > other.at : order > other.order;
        }
    };

    struct Citizen : Arrival {
        bool transfer = false;  // sent to another service half-way
        bool hold = false;      // put aside to fetch a document, called back later
        int score = 0;          // evaluation given, 0: none
        std::string number;     // the ticket number issued
    };

    struct WindowSim {
        std::string id;
        std::string actor;
        std::vector<std::string> serves;
        bool logged_in = false;
        bool asleep = false;  // nothing to call; woken by a ticket for one of its services
        bool lunch_done = false;
        Millis lunch_at = 0;
        Millis lunch_ms = 0;
        std::string current;  // the ticket called or served
        int citizen = -1;
        int recalls = 0;
        std::vector<std::pair<Millis, std::string>> held;  // ready to call back at, number
        bool done = false;
    };

    const BenchHall& model;
    std::mt19937_64 rng;
    std::vector<Citizen> citizens;
    std::vector<WindowSim> windows;
    std::map<std::string, int> by_number;  // ticket number → citizen
    std::priority_queue<Action, std::vector<Action>, std::greater<>> agenda;
    std::uint64_t order = 0;
    int arrivals_left = 0;
    bool closed = false;
    int operations = 0;
    int refused = 0;
    int windows_done = 0;
    std::optional<Action> pending;  // the action whose operation awaits its answer

    Impl(const BenchHall& hall, int arrivals, std::uint64_t seed) : model(hall), rng(seed) {
        make_citizens(arrivals);
        arrivals_left = arrivals;
        for (std::size_t w = 0; w < model.hall.windows.size(); ++w) {
            const auto& window = model.hall.windows[w];
            WindowSim sim;
            sim.id = window.id;
            sim.actor = fmt::format("window:{}/officer:{}", window.id, 10000 + w);
            for (const auto& entry : window.serves) {
                sim.serves.push_back(entry.service);
            }
            sim.lunch_at = kMidnight + 11 * kHour + 30 * kMinute + uniform(0, 90) * kMinute;
            sim.lunch_ms = uniform(30, 60) * kMinute;
            windows.push_back(std::move(sim));
            schedule(kOpen - uniform(2, 15) * kMinute, Kind::login, static_cast<int>(w));
        }
        for (std::size_t i = 0; i < citizens.size(); ++i) {
            const int index = static_cast<int>(i);
            if (citizens[i].appointment) {
                // The platform sends the day's appointments in the morning.
                schedule(kMidnight + 7 * kHour + index * kSecond, Kind::book, index);
            }
            schedule(citizens[i].at, Kind::arrive, index);
        }
        schedule(kClose, Kind::close, 0);
    }

    Millis uniform(Millis low, Millis high) {
        return std::uniform_int_distribution<Millis>(low, high)(rng);
    }
    double unit() { return std::uniform_real_distribution<double>(0, 1)(rng); }

    void schedule(Millis at, Kind kind, int index) {
        agenda.push(Action{at, ++order, kind, index});
    }

    // Arrivals as in queue_bench (arrival_density()).
    void make_citizens(int count) {
        std::discrete_distribution<int> pick(model.demand.begin(), model.demand.end());
        std::uniform_real_distribution<double> when(kArrivalsFrom, kArrivalsUntil);
        while (static_cast<int>(citizens.size()) < count) {
            const double minute = when(rng);
            if (unit() * kArrivalDensityBound > arrival_density(minute)) {
                continue;
            }
            Citizen c;
            c.at = kMidnight + static_cast<Millis>(minute * kMinute);
            c.service = pick(rng);
            const double u = unit();
            c.ticket_class = u < 0.04   ? TicketClass::green
                             : u < 0.07 ? TicketClass::vip
                                        : TicketClass::normal;
            if (unit() < 0.08) {
                c.appointment = true;
                const Millis early = static_cast<Millis>(unit() * 20 * kMinute);
                c.slot_start = (c.at + early) / (30 * kMinute) * (30 * kMinute);
                if (c.slot_start < c.at) {
                    c.slot_start += 30 * kMinute;
                }
            }
            const double m = unit();
            c.misses = m < 0.02 ? 2 : m < 0.06 ? 1 : 0;
            const double sigma = 0.6;
            const double mu = std::log(model.mean_minutes[static_cast<std::size_t>(c.service)]) -
                              sigma * sigma / 2;
            c.service_ms =
                static_cast<Millis>(std::lognormal_distribution<double>(mu, sigma)(rng) * kMinute);
            c.transfer = unit() < 0.02;
            c.hold = !c.transfer && unit() < 0.01;
            const double e = unit();
            c.score = e < 0.35 ? 0 : e < 0.36 ? 1 : e < 0.37 ? 2 : e < 0.42 ? 3 : e < 0.55 ? 4 : 5;
            citizens.push_back(c);
        }
        std::sort(citizens.begin(), citizens.end(),
                  [](const Citizen& a, const Citizen& b) { return a.at < b.at; });
    }

    bool serves(const WindowSim& window, const std::string& service) const {
        return std::find(window.serves.begin(), window.serves.end(), service) !=
               window.serves.end();
    }

    bool has_waiting(const WindowSim& window, const queue::QueueState& state) const {
        for (const auto& service : window.serves) {
            const auto it = state.waiting.find(service);
            if (it != state.waiting.end() && !it->second.empty()) {
                return true;
            }
        }
        return false;
    }

    void wake(const std::string& service, Millis now) {
        for (std::size_t w = 0; w < windows.size(); ++w) {
            auto& window = windows[w];
            if (window.asleep && serves(window, service)) {
                window.asleep = false;
                schedule(now + uniform(2, 8) * kSecond, Kind::window_free, static_cast<int>(w));
            }
        }
    }

    Operation window_op(const WindowSim& window, Millis now, json op) const {
        op["window"] = window.id;
        return Operation{now, window.actor, std::move(op)};
    }

    // What a free window does next, or nothing (it sleeps).
    std::optional<Operation> free_window(int w, Millis now, const queue::QueueState& state) {
        auto& window = windows[static_cast<std::size_t>(w)];
        if (!window.logged_in || window.done) {
            return std::nullopt;
        }
        if (!window.lunch_done && now >= window.lunch_at) {
            return window_op(window, now, {{"op", "pause"}, {"message", "午休暂停，请到其他窗口"}});
        }
        if (!window.held.empty() && window.held.front().first <= now) {
            return window_op(window, now,
                             {{"op", "call_back"}, {"number", window.held.front().second}});
        }
        if (has_waiting(window, state)) {
            return window_op(window, now, {{"op", "call_next"}});
        }
        if (closed && arrivals_left == 0 && window.held.empty()) {
            return window_op(window, now, {{"op", "logout"}});
        }
        if (!window.held.empty()) {
            schedule(window.held.front().first, Kind::window_free, w);
        } else {
            window.asleep = true;
        }
        return std::nullopt;
    }

    std::optional<Operation> operation_for(const Action& action, const queue::QueueState& state) {
        const Millis now = action.at;
        switch (action.kind) {
            case Kind::book: {
                const auto& c = citizens[static_cast<std::size_t>(action.index)];
                return Operation{now,
                                 "platform",
                                 {{"op", "book"},
                                  {"id", fmt::format("APT-{:05}", action.index)},
                                  {"service", service_code(c.service)},
                                  {"slot_start_ms", c.slot_start},
                                  {"slot_end_ms", c.slot_start + 30 * kMinute},
                                  {"identity_hash", fmt::format("hmac:{:016x}", rng())},
                                  {"code", fmt::format("{:06}", action.index)},
                                  {"source", "wechat"}}};
            }
            case Kind::login: {
                const auto& window = windows[static_cast<std::size_t>(action.index)];
                return window_op(
                    window, now,
                    {{"op", "login"}, {"officer", std::to_string(10000 + action.index)}});
            }
            case Kind::arrive: {
                const auto& c = citizens[static_cast<std::size_t>(action.index)];
                const auto actor = fmt::format("kiosk:k{}", 1 + action.index % 6);
                if (c.appointment) {
                    return Operation{
                        now,
                        actor,
                        {{"op", "check_in"}, {"code", fmt::format("{:06}", action.index)}}};
                }
                json op{{"op", "take"}, {"service", service_code(c.service)}};
                if (c.ticket_class != TicketClass::normal) {
                    op["class"] = queue::to_string(c.ticket_class);
                }
                if (unit() < 0.6) {
                    op["channel"] = "idcard";
                    op["identity_hash"] = fmt::format("hmac:{:016x}", rng());
                }
                return Operation{now, actor, std::move(op)};
            }
            case Kind::window_free:
                return free_window(action.index, now, state);
            case Kind::recall:
                return window_op(windows[static_cast<std::size_t>(action.index)], now,
                                 {{"op", "recall"}});
            case Kind::no_show:
                return window_op(windows[static_cast<std::size_t>(action.index)], now,
                                 {{"op", "no_show"}});
            case Kind::start:
                return window_op(windows[static_cast<std::size_t>(action.index)], now,
                                 {{"op", "start"}});
            case Kind::transfer: {
                const auto& window = windows[static_cast<std::size_t>(action.index)];
                // To the busiest service that is not this ticket's.
                const auto& c = citizens[static_cast<std::size_t>(window.citizen)];
                const int to = c.service == 0 ? 1 : 0;
                return window_op(window, now,
                                 {{"op", "transfer"}, {"to_service", service_code(to)}});
            }
            case Kind::hold:
                return window_op(windows[static_cast<std::size_t>(action.index)], now,
                                 {{"op", "hold"}});
            case Kind::finish:
                return window_op(windows[static_cast<std::size_t>(action.index)], now,
                                 {{"op", "finish"}});
            case Kind::evaluate: {
                const auto& c = citizens[static_cast<std::size_t>(action.index)];
                json op{{"op", "evaluate"}, {"number", c.number}, {"score", c.score}};
                if (c.score <= 2) {
                    op["reason"] = c.score == 1 ? "等候时间太长" : "窗口人员态度一般";
                }
                return Operation{now, fmt::format("evaluator:{}", 1 + action.index % 50),
                                 std::move(op)};
            }
            case Kind::resume:
                return window_op(windows[static_cast<std::size_t>(action.index)], now,
                                 {{"op", "resume"}});
            case Kind::close:
                closed = true;
                for (std::size_t w = 0; w < windows.size(); ++w) {
                    if (windows[w].asleep) {
                        windows[w].asleep = false;
                        schedule(now, Kind::window_free, static_cast<int>(w));
                    }
                }
                return std::nullopt;
        }
        return std::nullopt;
    }

    void answered(const Action& action, const json& answer) {
        ++operations;
        const bool ok = answer.value("ok", false);
        if (!ok) {
            ++refused;
        }
        const Millis now = action.at;
        const auto w = static_cast<std::size_t>(action.index);
        switch (action.kind) {
            case Kind::book:
                return;
            case Kind::login:
                windows[w].logged_in = ok;
                if (ok) {
                    schedule(kOpen, Kind::window_free, action.index);
                }
                return;
            case Kind::arrive:
                --arrivals_left;
                if (ok) {
                    citizens[w].number = answer.value("ticket", "");
                    by_number[citizens[w].number] = action.index;
                    wake(service_code(citizens[w].service), now);
                }
                return;
            case Kind::window_free:
                return free_window_answered(action.index, now, answer, ok);
            case Kind::recall: {
                auto& window = windows[w];
                schedule(now + kMinute, ++window.recalls < 2 ? Kind::recall : Kind::no_show,
                         action.index);
                return;
            }
            case Kind::no_show: {
                auto& window = windows[w];
                if (ok && !answer.value("abandoned", false)) {
                    wake(service_code(citizens[static_cast<std::size_t>(window.citizen)].service),
                         now);
                }
                window.current.clear();
                schedule(now + 5 * kSecond, Kind::window_free, action.index);
                return;
            }
            case Kind::start: {
                auto& window = windows[w];
                auto& c = citizens[static_cast<std::size_t>(window.citizen)];
                if (c.transfer) {
                    c.transfer = false;
                    schedule(now + c.service_ms / 3, Kind::transfer, action.index);
                } else if (c.hold) {
                    c.hold = false;
                    schedule(now + c.service_ms / 3, Kind::hold, action.index);
                } else {
                    schedule(now + c.service_ms, Kind::finish, action.index);
                }
                return;
            }
            case Kind::transfer: {
                auto& window = windows[w];
                auto& c = citizens[static_cast<std::size_t>(window.citizen)];
                c.service = c.service == 0 ? 1 : 0;
                wake(service_code(c.service), now);
                window.current.clear();
                schedule(now + 5 * kSecond, Kind::window_free, action.index);
                return;
            }
            case Kind::hold: {
                auto& window = windows[w];
                window.held.emplace_back(now + 10 * kMinute, window.current);
                window.current.clear();
                schedule(now + 5 * kSecond, Kind::window_free, action.index);
                return;
            }
            case Kind::finish: {
                auto& window = windows[w];
                if (citizens[static_cast<std::size_t>(window.citizen)].score > 0) {
                    schedule(now + 10 * kSecond, Kind::evaluate, window.citizen);
                }
                window.current.clear();
                schedule(now + 5 * kSecond, Kind::window_free, action.index);
                return;
            }
            case Kind::evaluate:
                return;
            case Kind::resume:
                schedule(now + 5 * kSecond, Kind::window_free, action.index);
                return;
            case Kind::close:
                return;
        }
    }

    void free_window_answered(int w, Millis now, const json& answer, bool ok) {
        auto& window = windows[static_cast<std::size_t>(w)];
        const auto op = answer.value("op", "");
        if (op == "pause") {
            window.lunch_done = true;
            schedule(now + window.lunch_ms, Kind::resume, w);
            return;
        }
        if (op == "logout") {
            window.done = true;
            ++windows_done;
            return;
        }
        if (op == "call_back") {
            const auto number = window.held.front().second;
            window.held.erase(window.held.begin());
            if (ok) {
                window.current = number;
                window.citizen = by_number.at(number);
                window.recalls = 0;
                schedule(now + 30 * kSecond, Kind::start, w);
            } else {
                schedule(now + 5 * kSecond, Kind::window_free, w);
            }
            return;
        }
        // call_next
        if (!ok) {
            // Only tickets sent to another window were waiting.
            window.asleep = true;
            return;
        }
        window.current = answer.value("ticket", "");
        window.citizen = by_number.at(window.current);
        window.recalls = 0;
        auto& c = citizens[static_cast<std::size_t>(window.citizen)];
        if (c.misses > 0) {
            --c.misses;
            schedule(now + kMinute, Kind::recall, w);
        } else {
            schedule(now + uniform(10, 30) * kSecond, Kind::start, w);
        }
    }

    std::optional<Operation> next(const queue::Engine& engine) {
        if (pending) {
            fail("next() called before the previous operation was answered");
        }
        while (!agenda.empty() && windows_done < static_cast<int>(windows.size())) {
            const Action action = agenda.top();
            agenda.pop();
            auto operation = operation_for(action, engine.state());
            if (operation) {
                pending = action;
                return operation;
            }
        }
        return std::nullopt;
    }
};

BusyDay::BusyDay(const BenchHall& hall, int arrivals, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(hall, arrivals, seed)) {}

BusyDay::~BusyDay() = default;

std::optional<Operation> BusyDay::next(const queue::Engine& engine) {
    return impl_->next(engine);
}

void BusyDay::answered(const nlohmann::json& answer) {
    if (const auto pending = std::exchange(impl_->pending, std::nullopt)) {
        impl_->answered(*pending, answer);
        return;
    }
    fail("answered() without an operation");
}

int BusyDay::operations() const {
    return impl_->operations;
}

int BusyDay::refused() const {
    return impl_->refused;
}

DayLog write_busy_day(const std::filesystem::path& db_file, const BenchHall& hall,
                      std::int64_t queue_events) {
    const auto started = std::chrono::steady_clock::now();
    DayLog log;
    {
        auto db = store::Database::open(db_file);
        if (!db) {
            fail(db.error().message);
        }
        if (auto migrated = store::migrate(*db); !migrated) {
            fail(migrated.error().message);
        }
        store::EventLog events(*db, std::string(kBenchNode));
        auto service = app::QueueService::open(*db, events, hall.hall, 480);
        if (!service) {
            fail(service.error().message);
        }
        service->set_durability(store::Durability::relaxed);
        BusyDay day(hall, kDayArrivals, 20261125);
        while (static_cast<std::int64_t>(service->engine().state().events_applied) < queue_events) {
            auto operation = day.next(service->engine());
            if (!operation) {
                break;
            }
            const auto answer = service->run(operation->now, operation->actor, operation->op);
            if (answer.value("error", "") == "internal") {
                fail(answer.value("message", ""));
            }
            day.answered(answer);
            log.last_at = operation->now;
            log.peak_waiting =
                std::max(log.peak_waiting, waiting_tickets(service->engine().state()));
        }
        log.queue_events = static_cast<std::int64_t>(service->engine().state().events_applied);
        log.operations = day.operations();
        log.refused = day.refused();
        log.tickets = service->engine().state().tickets.size();
    }
    std::error_code ec;
    log.db_bytes = std::filesystem::file_size(db_file, ec);
    log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return log;
}

std::size_t waiting_tickets(const queue::QueueState& state) {
    std::size_t n = 0;
    for (const auto& [service, list] : state.waiting) {
        n += list.size();
    }
    return n;
}

double bare_select_ms(store::Database& db, std::int64_t& rows) {
    const auto start = std::chrono::steady_clock::now();
    sqlite3_stmt* stmt = nullptr;
    const char* sql = "SELECT seq, at_ms, type, payload FROM events WHERE node_id = ? ORDER BY seq";
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt, nullptr) != SQLITE_OK) {
        fail(sqlite3_errmsg(db.handle()));
    }
    sqlite3_bind_text(stmt, 1, kBenchNode.data(), static_cast<int>(kBenchNode.size()),
                      SQLITE_STATIC);
    std::int64_t sum = 0;
    rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        sum += sqlite3_column_int64(stmt, 0) + sqlite3_column_int64(stmt, 1);
        const auto* type = sqlite3_column_text(stmt, 2);
        const auto* payload = sqlite3_column_text(stmt, 3);
        sum += sqlite3_column_bytes(stmt, 2) + sqlite3_column_bytes(stmt, 3);
        sum += (type != nullptr ? type[0] : 0) + (payload != nullptr ? payload[0] : 0);
        ++rows;
    }
    sqlite3_finalize(stmt);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    g_sink = sum;
    return ms;
}

}  // namespace hk::bench

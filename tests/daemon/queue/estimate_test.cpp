// The wait estimate (daemon/queue/estimate.cpp): what a ticket and the screens are told, from
// the tickets ahead, the staffed windows and their share of time for the service, what each
// window is doing now, the learned service times and the windows' strategies.
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "tests/daemon/queue/queue_test_support.hpp"

using namespace hk::queue;
using namespace hk::queue::test;

namespace {

constexpr Millis kSecond = 1000;

// A hall of services A (prefix A) and B (prefix B) and the windows given: id, services,
// strategy.
struct WindowSpec {
    std::string id;
    std::vector<std::string> serves;
    StrategyKind kind = StrategyKind::fifo;
};

HallDefinition hall_of(std::initializer_list<WindowSpec> windows) {
    HallDefinition hall;
    for (const auto* code : {"A", "B"}) {
        ServiceItem s;
        s.code = s.name_zh = s.name_en = s.prefix = code;
        hall.services.push_back(s);
    }
    for (const auto& spec : windows) {
        Window w;
        w.id = w.name = spec.id;
        for (const auto& service : spec.serves) {
            w.serves.push_back({service, 1});
        }
        w.strategy.kind = spec.kind;
        hall.windows.push_back(std::move(w));
    }
    return hall;
}

// An engine on such a hall with every window logged in at 08:00, and a clock.
struct Hall {
    Engine engine;
    Millis now = kMonday0800;

    explicit Hall(std::initializer_list<WindowSpec> windows) : engine(hall_of(windows)) {
        for (const auto& window : engine.state().hall.windows) {
            ok(engine.login(now, "test", window.id, "1000"));
        }
    }
    TicketId take(const std::string& service, TicketClass c = TicketClass::normal) {
        for (const auto& event : ok(engine.take(now, "kiosk", {service, Channel::walkin, c, {}}))) {
            if (const auto* issued = std::get_if<TicketIssued>(&event.body)) {
                return issued->id;
            }
        }
        FAIL("no ticket issued");
        return 0;
    }
    // The window calls its next ticket and the citizen is at the counter at once.
    void serve(const std::string& window) {
        ok(engine.call_next(now, "officer", window));
        ok(engine.start(now, "officer", window));
    }
    void finish(const std::string& window) { ok(engine.finish(now, "officer", window)); }
    // Estimates as of `now`: the state with the clock moved on, as replay's advance_clock does
    // (the state's clock is the time of its last event).
    Engine at_now() const {
        auto state = engine.state();
        apply(state, {now, "test", ClockAdvanced{}});
        return Engine(std::move(state));
    }
    Millis wait(TicketId id) const { return at_now().estimated_wait(id); }
    Millis wait_for(const std::string& service) const {
        return at_now().estimated_wait_for_service(service);
    }
};

// Estimates are whole milliseconds computed in floating point.
bool near(Millis actual, double expected) {
    return std::llabs(actual - static_cast<Millis>(expected)) <= 1;
}

}  // namespace

TEST_CASE("a ticket with nothing ahead and an idle window is called at once") {
    Hall hall({{"a", {"A"}}});
    CHECK(hall.wait_for("A") == 0);
    const auto id = hall.take("A");
    CHECK(hall.wait(id) == 0);
}

TEST_CASE("a ticket with nothing ahead waits until a window frees up") {
    Hall hall({{"a", {"A"}}});
    hall.take("A");
    hall.serve("a");  // five minutes expected (nothing measured yet)
    hall.now += kMinute;
    const auto id = hall.take("A");
    CHECK(hall.wait(id) == 4 * kMinute);
    // A transaction running past its expected length still has some way to go: half the mean.
    hall.now += 4 * kMinute;
    CHECK(hall.wait(id) == 5 * kMinute / 2);
    hall.now += 10 * kMinute;
    CHECK(hall.wait(id) == 5 * kMinute / 2);
    // The next ticket waits for that one to be called and served.
    CHECK(hall.wait_for("A") == 5 * kMinute / 2 + 5 * kMinute);
}

TEST_CASE("the time from call to counter is learned from the windows serving now") {
    Hall hall({{"a", {"A"}}});
    hall.take("A");
    ok(hall.engine.call_next(hall.now, "officer", "a"));
    hall.now += kMinute;  // the citizen walks up for a minute
    ok(hall.engine.start(hall.now, "officer", "a"));
    const auto id = hall.take("A");
    CHECK(hall.wait(id) == 5 * kMinute);
    // Each further ticket ahead costs the walk-up and the service.
    CHECK(hall.wait_for("A") == 5 * kMinute + 6 * kMinute);
}

TEST_CASE("service times are learned as a moving average") {
    Hall hall({{"a", {"A"}}});
    hall.take("A");
    hall.serve("a");
    hall.now += 10 * kMinute;
    hall.finish("a");
    hall.take("A");
    const auto second = hall.take("A");
    // Window a is idle: the first is called at once, the second after one measured service.
    CHECK(hall.wait(second) == 10 * kMinute);
    CHECK(hall.wait_for("A") == 20 * kMinute);

    hall.serve("a");
    hall.now += 5 * kMinute;
    hall.finish("a");
    // 0.8 × 10 + 0.2 × 5 minutes; window a is idle again and `second` is first in line.
    CHECK(hall.wait(second) == 0);
    CHECK(hall.wait_for("A") == 9 * kMinute);
}

TEST_CASE("more windows shorten the wait, and a window counts once") {
    Hall one({{"a", {"A"}}});
    Hall two({{"a1", {"A"}}, {"a2", {"A"}}});
    for (auto* hall : {&one, &two}) {
        for (int i = 0; i < 4; ++i) {
            hall->take("A");
        }
    }
    // Five calls: one window calls every five minutes; two call at once and then every 2.5.
    CHECK(one.wait_for("A") == 20 * kMinute);
    CHECK(two.wait_for("A") == 15 * kMinute / 2);
}

TEST_CASE("a shared window first serves its other service's earlier tickets") {
    // Window a serves only A; window ab also serves B, whose four tickets came first.
    Hall hall({{"a", {"A"}}, {"ab", {"A", "B"}}});
    for (int i = 0; i < 4; ++i) {
        hall.take("B");
    }
    for (int i = 0; i < 4; ++i) {
        hall.now += kSecond;
        hall.take("A");
    }
    // ab is busy with B for twenty minutes, so a alone serves A's four and then the new one.
    // Counting ab as a whole window for A would promise 7.5 minutes.
    CHECK(hall.wait_for("A") == 20 * kMinute);
}

TEST_CASE("a rare service on a shared window waits behind the busy service's earlier tickets") {
    // B is served only by window ab, which also helps window a with A's queue.
    Hall hall({{"a", {"A"}}, {"ab", {"A", "B"}}});
    for (int i = 0; i < 4; ++i) {
        hall.take("A");
    }
    hall.now += kSecond;
    const auto b = hall.take("B");
    CHECK(hall.engine.waiting_ahead(b) == 0);
    // ab gives A four fifths of its time (A's workload against B's), window a all of it, so ab
    // takes 0.8 / 1.8 of A's four tickets before B001.
    CHECK(near(hall.wait(b), 4 * (0.8 / 1.8) * 5 * kMinute));
}

TEST_CASE("paused windows count less than idle ones, logged-out windows not at all") {
    Hall hall({{"a1", {"A"}}, {"a2", {"A"}}});
    for (int i = 0; i < 4; ++i) {
        hall.take("A");
    }
    const auto both = hall.wait_for("A");
    CHECK(both == 15 * kMinute / 2);
    ok(hall.engine.pause(hall.now, "officer", "a2", "break"));
    // A paused window is taken as back after one service time.
    const auto paused = hall.wait_for("A");
    CHECK(paused == 10 * kMinute);
    ok(hall.engine.resume(hall.now, "officer", "a2"));
    CHECK(hall.wait_for("A") == both);
    ok(hall.engine.logout(hall.now, "officer", "a2"));
    CHECK(hall.wait_for("A") == 20 * kMinute);
}

TEST_CASE("green-channel tickets go ahead under class_priority, not under fifo") {
    Hall priority({{"a", {"A"}, StrategyKind::class_priority}});
    Hall fifo({{"a", {"A"}, StrategyKind::fifo}});
    for (auto* hall : {&priority, &fifo}) {
        hall->take("A");
        hall->serve("a");  // busy for five minutes
    }
    const auto normal = priority.take("A");
    const auto green = priority.take("A", TicketClass::green);
    const auto fifo_normal = fifo.take("A");
    const auto fifo_green = fifo.take("A", TicketClass::green);
    // The green ticket is next at the class_priority window, and the normal one behind it.
    CHECK(priority.wait(green) == 5 * kMinute);
    CHECK(priority.wait(normal) == 10 * kMinute);
    CHECK(fifo.wait(fifo_normal) == 5 * kMinute);
    CHECK(fifo.wait(fifo_green) == 10 * kMinute);
}

TEST_CASE("a normal ticket expects later priority arrivals to go ahead under class_priority") {
    Hall priority({{"a", {"A"}, StrategyKind::class_priority}});
    Hall fifo({{"a", {"A"}, StrategyKind::fifo}});
    TicketId last_priority = 0;
    TicketId last_fifo = 0;
    for (auto* hall : {&priority, &fifo}) {
        hall->take("A");
        hall->serve("a");
        // Three of the eight recent arrivals are green channel.
        for (int i = 0; i < 3; ++i) {
            hall->now += kMinute;
            hall->take("A", TicketClass::green);
            hall->now += kMinute;
            hall->take("A");
        }
        hall->now += kMinute;
        (hall == &priority ? last_priority : last_fifo) = hall->take("A");
    }
    // Same tickets ahead and windows, but new green tickets will overtake it at window a.
    CHECK(priority.wait(last_priority) > fifo.wait(last_fifo));
}

TEST_CASE("a ticket's estimate falls as the queue moves") {
    Hall hall({{"a", {"A"}}, {"b", {"A"}}});
    TicketId last = 0;
    for (int i = 0; i < 6; ++i) {
        last = hall.take("A");
    }
    hall.serve("a");
    hall.serve("b");
    // Three ahead, two windows busy for five minutes each: called after two more rounds.
    auto previous = hall.wait(last);
    CHECK(previous == 10 * kMinute);
    hall.now += 4 * kMinute;
    CHECK(hall.wait(last) < previous);
    hall.now -= 4 * kMinute;
    // Every three minutes a window finishes and calls the next ticket.
    for (const auto* window : {"a", "b", "a"}) {
        hall.now += 3 * kMinute;
        hall.finish(window);
        hall.serve(window);
        const auto now = hall.wait(last);
        CHECK(now < previous);
        CHECK(now > 0);
        previous = now;
    }
    hall.now += 3 * kMinute;
    hall.finish("b");
    hall.serve("b");  // calls it
    CHECK(hall.wait(last) == 0);
}

TEST_CASE("the estimate is a function of the state") {
    Hall hall({{"a", {"A"}, StrategyKind::counted_ratio}, {"ab", {"A", "B"}}});
    hall.take("B");
    hall.take("A");
    hall.serve("ab");
    hall.now += 2 * kMinute;
    hall.take("A", TicketClass::vip);
    const auto id = hall.take("A");
    const Engine copy(hall.engine.state());
    CHECK(copy.estimated_wait(id) == hall.wait(id));
    CHECK(copy.estimated_wait_for_service("B") == hall.wait_for("B"));
}

TEST_CASE("only waiting tickets have an estimate") {
    Hall hall({{"a", {"A"}}});
    const auto id = hall.take("A");
    hall.serve("a");
    CHECK(hall.wait(id) == 0);
    CHECK(hall.wait(9999) == 0);
}

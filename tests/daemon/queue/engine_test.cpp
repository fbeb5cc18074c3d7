// The queue engine's operations, one behaviour per test, on a small hall with a fake clock.
#include "tests/daemon/queue/queue_test_support.hpp"

using namespace hk::queue;
using namespace hk::queue::test;

namespace {

// An engine with every window logged in at 08:00.
struct Hall {
    Engine engine{small_hall()};
    Millis now = kMonday0800;

    Hall() {
        for (const auto& window : engine.state().hall.windows) {
            ok(engine.login(now, "test", window.id, "1000" + window.id));
        }
    }
    std::string take(const std::string& service, TicketClass c = TicketClass::normal,
                     const std::string& identity = {}) {
        now += kMinute;
        return issued_number(
            ok(engine.take(now, "kiosk", {service, Channel::walkin, c, identity})));
    }
    std::string call(const std::string& window) {
        now += kMinute;
        return called_number(engine, ok(engine.call_next(now, "officer", window)));
    }
    [[nodiscard]] const Ticket& ticket(const std::string& number) const {
        const auto* t = engine.state().find_by_number(number);
        REQUIRE(t != nullptr);
        return *t;
    }
    [[nodiscard]] const WindowStatus& window(const std::string& id) const {
        return engine.state().windows.at(id);
    }
};

}  // namespace

TEST_CASE("tickets are numbered per service with prefix and width") {
    Hall hall;
    CHECK(hall.take("RE") == "A001");
    CHECK(hall.take("RE") == "A002");
    CHECK(hall.take("TAX") == "B001");
}

TEST_CASE("an unknown service cannot be ticketed") {
    Hall hall;
    CHECK(refused(hall.engine.take(hall.now, "kiosk", {"NOPE"})) == QueueErrc::unknown_service);
}

TEST_CASE("a service no staffed window serves cannot be ticketed") {
    Engine engine(small_hall());
    CHECK(refused(engine.take(kMonday0800, "kiosk", {"RE"})) == QueueErrc::service_closed);
    CHECK(engine.closed_reason(*engine.state().hall.find_service("RE"), kMonday0800) ==
          "no_window");
    ok(engine.login(kMonday0800, "t", "w2", "1001"));
    CHECK(engine.closed_reason(*engine.state().hall.find_service("RE"), kMonday0800).empty());
    CHECK(issued_number(ok(engine.take(kMonday0800, "kiosk", {"RE"}))) == "A001");
}

TEST_CASE("a service outside its issuing hours cannot be ticketed") {
    Hall hall;
    const auto evening = kMonday0800 + kMinute * 60 * 10;  // 18:00
    CHECK(refused(hall.engine.take(evening, "kiosk", {"SOC"})) == QueueErrc::service_closed);
    CHECK(hall.engine.closed_reason(*hall.engine.state().hall.find_service("SOC"), evening) ==
          "outside_hours");
}

TEST_CASE("the daily quota is enforced with a clear error") {
    Hall hall;
    for (int i = 0; i < 5; ++i) {
        hall.take("SOC");
    }
    const auto& soc = *hall.engine.state().hall.find_service("SOC");
    CHECK(hall.engine.closed_reason(soc, hall.now) == "daily_limit");
    // The next day the quota starts again.
    CHECK(hall.engine.closed_reason(soc, hall.now + kMinute * 60 * 24) != "daily_limit");
    const auto refusal = hall.engine.take(hall.now, "kiosk", {"SOC"});
    CHECK(refused(refusal) == QueueErrc::quota_exhausted);
    CHECK_THAT(refusal.error().message, Catch::Contains("5"));
}

TEST_CASE("one waiting ticket per ID per service") {
    Hall hall;
    hall.take("RE", TicketClass::normal, "id-hash-1");
    CHECK(refused(hall.engine.take(hall.now, "kiosk",
                                   {"RE", Channel::idcard, TicketClass::normal, "id-hash-1"})) ==
          QueueErrc::duplicate_ticket);
    CHECK(hall.take("TAX", TicketClass::normal, "id-hash-1") == "B001");  // other service: fine
}

TEST_CASE("fifo calls the earliest ticket across the window's services") {
    Hall hall;
    hall.take("TAX");
    hall.take("RE");
    CHECK(hall.call("w1") == "B001");
    CHECK(hall.window("w1").state == WindowState::calling);
}

TEST_CASE("class priority calls green channel before VIP before normal") {
    Hall hall;
    hall.take("RE");
    hall.take("RE", TicketClass::vip);
    hall.take("RE", TicketClass::green);
    const auto first = hall.call("w2");
    CHECK(first == "A003");
    ok(hall.engine.finish(hall.now, "o", "w2"));
    CHECK(hall.call("w2") == "A002");
    ok(hall.engine.finish(hall.now, "o", "w2"));
    CHECK(hall.call("w2") == "A001");
}

TEST_CASE("counted ratio calls two normal tickets then one priority ticket") {
    Hall hall;
    for (int i = 0; i < 3; ++i) {
        hall.take("SOC");
    }
    hall.take("SOC", TicketClass::green);  // C004
    hall.take("SOC");                      // C005
    std::vector<std::string> order;
    for (int i = 0; i < 4; ++i) {
        order.push_back(hall.call("w3"));
        ok(hall.engine.finish(hall.now, "o", "w3"));
    }
    CHECK(order == std::vector<std::string>{"C001", "C002", "C004", "C003"});
}

TEST_CASE("the explanation names the strategy and the tickets the call beat") {
    Hall hall;
    hall.take("RE");
    hall.take("RE", TicketClass::green);
    hall.now += kMinute;
    const auto events = ok(hall.engine.call_next(hall.now, "o", "w2"));
    const auto& called = std::get<TicketCalled>(events.back().body);
    CHECK(called.explanation.strategy == StrategyKind::class_priority);
    CHECK(called.explanation.beaten == std::vector<std::string>{"A001"});
    CHECK_FALSE(called.explanation.rule.empty());
}

TEST_CASE("nothing waiting is a clear refusal") {
    Hall hall;
    CHECK(refused(hall.engine.call_next(hall.now, "o", "w1")) == QueueErrc::nothing_waiting);
}

TEST_CASE("a window calls only one ticket at a time") {
    Hall hall;
    hall.take("RE");
    hall.take("RE");
    hall.call("w1");
    CHECK(refused(hall.engine.call_next(hall.now, "o", "w1")) == QueueErrc::window_busy);
}

TEST_CASE("two windows sharing one screen each hold their own number") {
    Hall hall;
    hall.take("TAX");
    hall.take("TAX");
    const auto left = hall.call("w5");
    const auto right = hall.call("w6");
    CHECK(left != right);
    CHECK(hall.window("w5").current.has_value());
    CHECK(hall.window("w6").current.has_value());
}

TEST_CASE("recall is capped") {
    Hall hall;
    hall.take("RE");
    hall.call("w1");
    ok(hall.engine.recall(hall.now, "o", "w1"));
    ok(hall.engine.recall(hall.now, "o", "w1"));
    CHECK(refused(hall.engine.recall(hall.now, "o", "w1")) == QueueErrc::recall_limit);
}

TEST_CASE("call_specific needs a reason and calls exactly that number") {
    Hall hall;
    hall.take("RE");
    hall.take("RE");
    CHECK(refused(hall.engine.call_specific(hall.now, "o", "w1", "A002", "")) ==
          QueueErrc::reason_required);
    const auto events = ok(hall.engine.call_specific(hall.now, "o", "w1", "A002", "老人优先"));
    CHECK(called_number(hall.engine, events) == "A002");
    CHECK(std::get<TicketCalled>(events.back().body).specific);
    CHECK(hall.ticket("A001").state == TicketState::waiting);
}

TEST_CASE("call_specific refuses a ticket that is not waiting") {
    Hall hall;
    hall.take("RE");
    hall.call("w1");
    CHECK(refused(hall.engine.call_specific(hall.now, "o", "w2", "A001", "reason")) ==
          QueueErrc::wrong_ticket_state);
}

TEST_CASE("a no-show is requeued behind the configured number of tickets") {
    Hall hall;
    for (int i = 0; i < 4; ++i) {
        hall.take("RE");  // A001..A004
    }
    hall.call("w2");  // A001
    ok(hall.engine.no_show(hall.now, "o", "w2"));
    CHECK(hall.ticket("A001").state == TicketState::waiting);
    CHECK(hall.ticket("A001").no_shows == 1);
    // requeue_after = 2: A002, A003, then A001, then A004
    std::vector<std::string> order;
    for (int i = 0; i < 4; ++i) {
        order.push_back(hall.call("w2"));
        ok(hall.engine.finish(hall.now, "o", "w2"));
    }
    CHECK(order == std::vector<std::string>{"A002", "A003", "A001", "A004"});
}

TEST_CASE("a ticket is abandoned at the configured number of no-shows") {
    Hall hall;
    hall.take("RE");
    hall.call("w2");
    ok(hall.engine.no_show(hall.now, "o", "w2"));
    hall.call("w2");
    ok(hall.engine.no_show(hall.now, "o", "w2"));
    CHECK(hall.ticket("A001").state == TicketState::abandoned);
    CHECK(hall.window("w2").state == WindowState::idle);
}

TEST_CASE("a ticket being served cannot be a no-show") {
    Hall hall;
    hall.take("RE");
    hall.call("w2");
    ok(hall.engine.start(hall.now, "o", "w2"));
    CHECK(refused(hall.engine.no_show(hall.now, "o", "w2")) == QueueErrc::wrong_ticket_state);
}

TEST_CASE("transfer to another service's queue front or back") {
    Hall hall;
    hall.take("TAX");  // B001
    hall.take("TAX");  // B002
    hall.take("RE");   // A001
    hall.call("w2");   // A001 at w2
    ok(hall.engine.transfer(hall.now, "o", "w2", {"TAX", "", true}));
    CHECK(hall.ticket("A001").service == "TAX");
    CHECK(hall.call("w5") == "A001");  // front

    ok(hall.engine.transfer(hall.now, "o", "w5", {"RE", "", false}));
    hall.take("RE");                   // A002 after the transferred ticket
    CHECK(hall.call("w2") == "A001");  // back of an empty RE queue: first
}

TEST_CASE("transfer to a named window is called only by that window") {
    Hall hall;
    hall.take("RE");
    hall.call("w1");
    ok(hall.engine.transfer(hall.now, "o", "w1", {"", "w4", false}));
    CHECK(refused(hall.engine.call_next(hall.now, "o", "w2")) == QueueErrc::nothing_waiting);
    CHECK(hall.call("w4") == "A001");
}

TEST_CASE("a held ticket is called back the same day") {
    Hall hall;
    hall.take("RE");
    hall.take("RE");
    hall.call("w1");
    ok(hall.engine.hold(hall.now, "o", "w1"));
    CHECK(hall.ticket("A001").state == TicketState::held);
    CHECK(hall.call("w1") == "A002");  // the held ticket is not in the queue
    ok(hall.engine.finish(hall.now, "o", "w1"));
    CHECK(refused(hall.engine.call_back(hall.now, "o", "w1", "A002")) ==
          QueueErrc::wrong_ticket_state);
    const auto events = ok(hall.engine.call_back(hall.now, "o", "w1", "A001"));
    CHECK(called_number(hall.engine, events) == "A001");
}

TEST_CASE("a held ticket is called back by the window that held it or one serving it") {
    Hall hall;
    hall.take("RE");
    hall.call("w1");
    ok(hall.engine.hold(hall.now, "o", "w1"));
    // w3 serves only SOC: it cannot take over an RE ticket.
    CHECK(refused(hall.engine.call_back(hall.now, "o", "w3", "A001")) == QueueErrc::bad_argument);
    CHECK(hall.ticket("A001").state == TicketState::held);
    // w2 serves RE, so it may call the held ticket back.
    const auto events = ok(hall.engine.call_back(hall.now, "o", "w2", "A001"));
    CHECK(called_number(hall.engine, events) == "A001");
    CHECK(hall.ticket("A001").window == "w2");
}

TEST_CASE("pause keeps waiting tickets and shows a message, resume reopens the window") {
    Hall hall;
    hall.take("RE");
    ok(hall.engine.pause(hall.now, "o", "w2", "暂停服务，请稍候"));
    CHECK(hall.window("w2").state == WindowState::paused);
    CHECK(hall.window("w2").pause_message == "暂停服务，请稍候");
    CHECK(hall.ticket("A001").state == TicketState::waiting);
    CHECK(hall.take("RE") == "A002");  // a paused window is still staffed
    ok(hall.engine.resume(hall.now, "o", "w2"));
    CHECK(hall.window("w2").state == WindowState::idle);
    CHECK(hall.call("w2") == "A001");
}

TEST_CASE("a window with a ticket cannot pause") {
    Hall hall;
    hall.take("RE");
    hall.call("w2");
    CHECK(refused(hall.engine.pause(hall.now, "o", "w2", "")) == QueueErrc::window_busy);
}

TEST_CASE("finish frees the window and measures the service time") {
    Hall hall;
    hall.take("RE");
    hall.call("w2");
    ok(hall.engine.start(hall.now, "o", "w2"));
    hall.now += 7 * kMinute;
    const auto events = ok(hall.engine.finish(hall.now, "o", "w2"));
    CHECK(std::get<ServiceFinished>(events.back().body).service_ms == 7 * kMinute);
    CHECK(hall.ticket("A001").state == TicketState::finished);
    CHECK(hall.window("w2").state == WindowState::idle);
    CHECK(hall.engine.state().services.at("RE").mean_service_ms == 7.0 * kMinute);
}

TEST_CASE("evaluation takes 1 to 5 and needs a reason for 1 and 2") {
    Hall hall;
    hall.take("RE");
    hall.call("w2");
    ok(hall.engine.finish(hall.now, "o", "w2"));
    CHECK(refused(hall.engine.evaluate(hall.now, "pad", "A001", 6, "")) == QueueErrc::bad_argument);
    CHECK(refused(hall.engine.evaluate(hall.now, "pad", "A001", 2, "")) ==
          QueueErrc::reason_required);
    ok(hall.engine.evaluate(hall.now, "pad", "A001", 2, "等待时间太长"));
    CHECK(hall.ticket("A001").state == TicketState::evaluated);
    CHECK(refused(hall.engine.evaluate(hall.now, "pad", "A001", 5, "")) ==
          QueueErrc::wrong_ticket_state);
}

TEST_CASE("a waiting ticket can be abandoned and leaves the queue") {
    Hall hall;
    hall.take("RE");
    hall.take("RE");
    ok(hall.engine.abandon(hall.now, "kiosk", "A001"));
    CHECK(hall.ticket("A001").state == TicketState::abandoned);
    CHECK(hall.call("w2") == "A002");
}

TEST_CASE("logout is refused while the window has a ticket") {
    Hall hall;
    hall.take("RE");
    hall.call("w2");
    CHECK(refused(hall.engine.logout(hall.now, "o", "w2")) == QueueErrc::window_busy);
    ok(hall.engine.finish(hall.now, "o", "w2"));
    ok(hall.engine.logout(hall.now, "o", "w2"));
    CHECK(hall.window("w2").state == WindowState::logged_out);
    CHECK(refused(hall.engine.call_next(hall.now, "o", "w2")) == QueueErrc::window_not_open);
}

TEST_CASE("rollover closes tickets in every unfinished state and restarts numbering") {
    Hall hall;
    hall.take("RE");   // A001 waiting
    hall.take("RE");   // A002 called
    hall.take("RE");   // A003 serving
    hall.take("TAX");  // B001 held
    hall.take("TAX");  // B002 finished
    ok(hall.engine.call_specific(hall.now, "o", "w1", "B001", "r"));
    ok(hall.engine.hold(hall.now, "o", "w1"));
    ok(hall.engine.call_specific(hall.now, "o", "w5", "B002", "r"));
    ok(hall.engine.finish(hall.now, "o", "w5"));
    ok(hall.engine.call_specific(hall.now, "o", "w2", "A002", "r"));
    ok(hall.engine.call_specific(hall.now, "o", "w4", "A003", "r"));
    ok(hall.engine.start(hall.now, "o", "w4"));

    const auto tomorrow = kMonday0800 + kMinute * 60 * 24;
    const auto events = ok(hall.engine.rollover(tomorrow, "system"));
    REQUIRE(events.size() == 1);
    const auto& rolled = std::get<DayRolledOver>(events[0].body);
    CHECK(rolled.closed.size() == 4);  // A001, A002, A003, B001; B002 was finished
    CHECK(hall.engine.state().tickets.empty());
    CHECK(hall.engine.state().waiting.empty());
    CHECK_FALSE(hall.window("w4").current.has_value());

    hall.now = tomorrow;
    CHECK(hall.take("RE") == "A001");
}

TEST_CASE("the first operation of a new day rolls the old day over first") {
    Hall hall;
    hall.take("RE");
    const auto tomorrow = kMonday0800 + kMinute * 60 * 24;
    const auto events = ok(hall.engine.take(tomorrow, "kiosk", {"RE"}));
    REQUIRE(events.size() == 2);
    CHECK(std::holds_alternative<DayRolledOver>(events[0].body));
    CHECK(std::get<TicketIssued>(events[1].body).number == "A001");
}

TEST_CASE("a refused operation changes nothing") {
    Hall hall;
    hall.take("RE");
    const auto before = hall.engine.state().events_applied;
    CHECK_FALSE(hall.engine.recall(hall.now, "o", "w1").has_value());
    CHECK_FALSE(hall.engine.evaluate(hall.now, "o", "A001", 5, "").has_value());
    CHECK(hall.engine.state().events_applied == before);
}

TEST_CASE("replaying the events rebuilds the same queue") {
    Hall hall;
    Events log;
    auto record = [&](QueueResult<Events> r) {
        auto events = ok(std::move(r));
        log.insert(log.end(), events.begin(), events.end());
    };
    Engine fresh(small_hall());
    for (const auto& window : fresh.state().hall.windows) {
        record(hall.engine.logout(hall.now, "t", window.id));
        record(hall.engine.login(hall.now, "t", window.id, "2000"));
    }
    record(hall.engine.take(hall.now + 1, "k", {"RE"}));
    record(hall.engine.take(hall.now + 2, "k", {"RE", Channel::walkin, TicketClass::green}));
    record(hall.engine.take(hall.now + 3, "k", {"TAX"}));
    record(hall.engine.call_next(hall.now + 4, "o", "w2"));
    record(hall.engine.no_show(hall.now + 5, "o", "w2"));
    record(hall.engine.call_next(hall.now + 6, "o", "w1"));
    record(hall.engine.transfer(hall.now + 7, "o", "w1", {"TAX", "", true}));

    QueueState replayed = fresh.state();
    // The fresh engine's state only lacks what the live hall did before `log` began: the
    // initial logins, which the log re-does.
    for (const auto& event : log) {
        apply(replayed, event);
    }
    const auto& live = hall.engine.state();
    REQUIRE(replayed.tickets.size() == live.tickets.size());
    for (const auto& [id, ticket] : live.tickets) {
        const auto& other = replayed.tickets.at(id);
        CHECK(other.number == ticket.number);
        CHECK(other.state == ticket.state);
        CHECK(other.service == ticket.service);
        CHECK(other.queue_key == ticket.queue_key);
    }
    CHECK(replayed.waiting == live.waiting);
}

TEST_CASE("estimated wait grows with the queue and shrinks with open windows") {
    Hall hall;
    const auto empty = hall.engine.estimated_wait_for_service("SOC");
    hall.take("SOC");
    hall.take("SOC");
    const auto two = hall.engine.estimated_wait_for_service("SOC");
    CHECK(empty == 0);
    CHECK(two == kMinute * 5 * 2);  // default 5 minutes each, one window (w3)
    const auto* second = hall.engine.state().find_by_number("C002");
    CHECK(hall.engine.waiting_ahead(second->id) == 1);
    CHECK(hall.engine.estimated_wait(second->id) == 5 * kMinute);
}

TEST_CASE("an operation refused in a new hall day does not roll the day over") {
    // The rollover is applied before the operation's checks; a refusal used to keep it in memory
    // while returning no events, so the log never had it and a replay diverged.
    Hall hall;
    hall.take("RE");  // A001, still waiting at midnight
    const auto& state = hall.engine.state();
    const auto day = state.day;
    const auto applied = state.events_applied;
    const auto tomorrow = kMonday0800 + kMinute * 60 * 24;

    CHECK(refused(hall.engine.call_next(tomorrow, "o", "w2")) == QueueErrc::nothing_waiting);
    CHECK(refused(hall.engine.evaluate(tomorrow, "pad", "A001", 9, "")) == QueueErrc::bad_argument);
    CHECK(state.events_applied == applied);
    CHECK(state.day == day);
    CHECK(hall.ticket("A001").state == TicketState::waiting);

    // The next accepted operation returns the rollover with its own event.
    const auto events = ok(hall.engine.take(tomorrow, "kiosk", {"TAX"}));
    REQUIRE(events.size() == 2);
    CHECK(std::get<DayRolledOver>(events[0].body).closed.size() == 1);
    CHECK(std::get<TicketIssued>(events[1].body).number == "B001");
}

TEST_CASE("a phone number is kept only masked") {
    CHECK(mask_phone("13812345678") == "138****5678");
    CHECK(mask_phone("+86 138-1234-5678") == "138****5678");
    CHECK(mask_phone("+852 6123 4567") == "852****4567");
    CHECK(mask_phone("8765432") == "***5432");
    CHECK_FALSE(mask_phone("12345").has_value());             // too short
    CHECK_FALSE(mask_phone("1234567890123456").has_value());  // too long
    CHECK(mask_phone("138a2345678").error() ==
          "a phone number holds only digits, a leading '+', spaces and dashes");

    Hall hall;
    const auto events = ok(hall.engine.take(
        hall.now, "kiosk", {"RE", Channel::phone, TicketClass::normal, "", "13812345678"}));
    CHECK(std::get<TicketIssued>(events.back().body).phone_masked == "138****5678");
    CHECK(hall.ticket("A001").phone_masked == "138****5678");
    CHECK(refused(hall.engine.take(hall.now, "kiosk",
                                   {"RE", Channel::phone, TicketClass::normal, "", "call me"})) ==
          QueueErrc::bad_argument);
}

// Appointments: booking rules, check-in windows, and calling in the booked slot.
#include "tests/daemon/queue/queue_test_support.hpp"

using namespace hk::queue;
using namespace hk::queue::test;

namespace {

constexpr Millis kHour = 60 * kMinute;

struct Hall {
    Engine engine{small_hall()};
    Hall() {
        for (const auto& window : engine.state().hall.windows) {
            ok(engine.login(kMonday0800, "t", window.id, "1000"));
        }
    }
    // A 09:00-09:30 slot for RE.
    Appointment appointment(std::string id, std::string identity, std::string code) {
        Appointment a;
        a.id = std::move(id);
        a.service = "RE";
        a.slot_start = kMonday0800 + kHour;
        a.slot_end = a.slot_start + 30 * kMinute;
        a.identity_hash = std::move(identity);
        a.code = std::move(code);
        a.source = "local";
        return a;
    }
};

}  // namespace

TEST_CASE("check-in by ID hash inside the window issues an appointment ticket") {
    Hall hall;
    ok(hall.engine.book_appointment(kMonday0800, "portal", hall.appointment("ap1", "id-1", "C1")));
    const auto at = kMonday0800 + 40 * kMinute;  // 08:40: inside 30 minutes early
    const auto events = ok(hall.engine.check_in(at, "kiosk", "id-1", ""));
    const auto& issued = std::get<TicketIssued>(events.back().body);
    CHECK(issued.ticket_class == TicketClass::appointment);
    CHECK(issued.channel == Channel::appointment);
    CHECK(issued.appointment_id == "ap1");
    CHECK(hall.engine.state().appointments.at("ap1").ticket == issued.id);
}

TEST_CASE("check-in needs a staffed window but not issuing hours or quotas") {
    Engine engine{small_hall()};
    ok(engine.login(kMonday0800, "t", "w1", "1000"));  // serves RE and TAX, not SOC
    Appointment soc;
    soc.id = "ap-soc";
    soc.service = "SOC";                       // issuing 08:00-17:00, daily quota 5
    soc.slot_start = kMonday0800 + 9 * kHour;  // 17:00-17:30: after issuing hours
    soc.slot_end = soc.slot_start + 30 * kMinute;
    soc.identity_hash = "id-9";
    soc.code = "S9";
    soc.source = "portal";
    ok(engine.book_appointment(kMonday0800, "portal", soc));
    const auto at = soc.slot_start + 5 * kMinute;
    CHECK(refused(engine.check_in(at, "kiosk", "id-9", "")) == QueueErrc::service_closed);
    CHECK_FALSE(engine.state().appointments.at("ap-soc").ticket.has_value());
    ok(engine.login(at, "t", "w3", "1001"));
    // Walk-ins are refused after issuing hours; the appointment still checks in.
    CHECK(refused(engine.take(at, "kiosk", {"SOC"})) == QueueErrc::service_closed);
    const auto events = ok(engine.check_in(at, "kiosk", "id-9", ""));
    CHECK(std::get<TicketIssued>(events.back().body).ticket_class == TicketClass::appointment);
}

TEST_CASE("an appointment's phone is masked at booking and carried to its ticket") {
    Hall hall;
    auto booking = hall.appointment("ap1", "id-1", "C1");
    booking.phone_masked = "13912345678";  // as the platform sends it
    ok(hall.engine.book_appointment(kMonday0800, "portal", booking));
    CHECK(hall.engine.state().appointments.at("ap1").phone_masked == "139****5678");
    const auto events = ok(hall.engine.check_in(kMonday0800 + kHour, "kiosk", "", "C1"));
    CHECK(std::get<TicketIssued>(events.back().body).phone_masked == "139****5678");
    booking = hall.appointment("ap2", "id-2", "C2");
    booking.phone_masked = "not a phone";
    CHECK(refused(hall.engine.book_appointment(kMonday0800, "portal", booking)) ==
          QueueErrc::bad_argument);
}

TEST_CASE("check-in by appointment code works without an ID card") {
    Hall hall;
    ok(hall.engine.book_appointment(kMonday0800, "app", hall.appointment("ap1", "id-1", "C123")));
    ok(hall.engine.check_in(kMonday0800 + kHour, "kiosk", "", "C123"));
}

TEST_CASE("check-in too early is refused with a clear code") {
    Hall hall;
    ok(hall.engine.book_appointment(kMonday0800, "app", hall.appointment("ap1", "id-1", "C1")));
    CHECK(refused(hall.engine.check_in(kMonday0800 + 10 * kMinute, "kiosk", "id-1", "")) ==
          QueueErrc::appointment_not_due);
}

TEST_CASE("check-in too late is refused, within the late margin the ticket joins walk-in order") {
    Hall hall;
    ok(hall.engine.book_appointment(kMonday0800, "app", hall.appointment("ap1", "id-1", "C1")));
    ok(hall.engine.book_appointment(kMonday0800, "app", hall.appointment("ap2", "id-2", "C2")));
    const auto slot_end = kMonday0800 + kHour + 30 * kMinute;
    const auto late = ok(hall.engine.check_in(slot_end + 10 * kMinute, "kiosk", "id-1", ""));
    CHECK(std::get<TicketIssued>(late.back().body).ticket_class == TicketClass::normal);
    CHECK(refused(hall.engine.check_in(slot_end + 20 * kMinute, "kiosk", "id-2", "")) ==
          QueueErrc::appointment_not_due);
}

TEST_CASE("an unknown appointment is refused") {
    Hall hall;
    CHECK(refused(hall.engine.check_in(kMonday0800, "kiosk", "nobody", "")) ==
          QueueErrc::unknown_appointment);
}

TEST_CASE("one active appointment per ID per service") {
    Hall hall;
    ok(hall.engine.book_appointment(kMonday0800, "app", hall.appointment("ap1", "id-1", "C1")));
    CHECK(refused(hall.engine.book_appointment(kMonday0800, "app",
                                               hall.appointment("ap2", "id-1", "C2"))) ==
          QueueErrc::appointment_conflict);
}

TEST_CASE("a checked-in appointment is called ahead of walk-ins in its slot") {
    Hall hall;
    ok(hall.engine.book_appointment(kMonday0800, "app", hall.appointment("ap1", "id-1", "C1")));
    const auto t = kMonday0800 + 50 * kMinute;                   // 08:50
    ok(hall.engine.take(t, "kiosk", {"RE"}));                    // A001 walk-in first
    ok(hall.engine.check_in(t + kMinute, "kiosk", "id-1", ""));  // A002 appointment
    // w4 (appointment_slot, 10 minutes early): at 08:52 the 09:00 slot is due.
    const auto events = ok(hall.engine.call_next(t + 2 * kMinute, "o", "w4"));
    CHECK(called_number(hall.engine, events) == "A002");
}

TEST_CASE("an appointment not yet due waits while walk-ins are called") {
    Hall hall;
    ok(hall.engine.book_appointment(kMonday0800, "app", hall.appointment("ap1", "id-1", "C1")));
    const auto t = kMonday0800 + 31 * kMinute;  // 08:31: check-in open, slot not due until 08:50
    ok(hall.engine.check_in(t, "kiosk", "id-1", ""));    // A001 appointment
    ok(hall.engine.take(t + kMinute, "kiosk", {"RE"}));  // A002 walk-in
    auto events = ok(hall.engine.call_next(t + 2 * kMinute, "o", "w4"));
    CHECK(called_number(hall.engine, events) == "A002");
    ok(hall.engine.finish(t + 3 * kMinute, "o", "w4"));
    // Nothing else waits: the early appointment is served rather than leave the window idle.
    events = ok(hall.engine.call_next(t + 4 * kMinute, "o", "w4"));
    CHECK(called_number(hall.engine, events) == "A001");
}

TEST_CASE("a booking needs a valid slot and a known service") {
    Hall hall;
    auto bad = hall.appointment("ap1", "id-1", "C1");
    bad.slot_end = bad.slot_start;
    CHECK(refused(hall.engine.book_appointment(kMonday0800, "app", bad)) ==
          QueueErrc::bad_argument);
    auto unknown = hall.appointment("ap2", "id-1", "C1");
    unknown.service = "NOPE";
    CHECK(refused(hall.engine.book_appointment(kMonday0800, "app", unknown)) ==
          QueueErrc::unknown_service);
}

TEST_CASE("a booking the event log could not hold is refused") {
    Hall hall;
    auto long_code = hall.appointment("ap1", "id-1", std::string(300, 'x'));
    CHECK(refused(hall.engine.book_appointment(kMonday0800, "app", long_code)) ==
          QueueErrc::bad_argument);
    auto negative = hall.appointment("ap2", "id-1", "C1");
    negative.slot_start = -10 * kMinute;
    negative.slot_end = 0;
    CHECK(refused(hall.engine.book_appointment(kMonday0800, "app", negative)) ==
          QueueErrc::bad_argument);
}

// Tests of the queue event codec: every event type round-trips with and without its optional
// fields, the payloads are exactly the documented contract, and every class of bad stored
// event is rejected with a message naming the type and the field.
#include "daemon/queue/event_codec.hpp"

#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/queue/engine.hpp"

namespace {

using namespace hk::queue;
using namespace std::string_literals;

constexpr Millis kAt = 1'795'400'000'000;    // 2026-11-23, mid-morning in the hall
constexpr Millis kSlot = 1'795'402'800'000;  // an appointment slot later that morning

QueueEvent make(EventBody body, std::string actor = "system") {
    return QueueEvent{kAt, std::move(actor), std::move(body)};
}

Appointment full_appointment() {
    return Appointment{"APT-0001",  "real_estate", kSlot,    kSlot + 900'000,
                       "hmac:9f2c", "482913",      "wechat", 17,
                       true,        "139****5678"};
}

// An event and the payload it must encode to. (Not a std::pair: pair's default constructor
// would default-construct an EventBody, whose first alternative has uninitialised members.)
struct Sample {
    QueueEvent event;
    std::string payload;
};

// One event of every type with every optional field set, and the payload it must encode to:
// the contract of docs/queue-events.md.
std::vector<Sample> full_events() {
    return {
        {make(TicketIssued{42, "A042", "real_estate", Channel::appointment,
                           TicketClass::appointment, "hmac:9f2c", "APT-0001", kSlot, "138****5678"},
              "kiosk:k1"),
         R"({"id":42,"number":"A042","service":"real_estate","channel":"appointment",)"
         R"("ticket_class":"appointment","identity_hash":"hmac:9f2c","appointment_id":"APT-0001",)"
         R"("slot_start":1795402800000,"phone_masked":"138****5678","actor":"kiosk:k1"})"},
        {make(OfficerLoggedIn{"3", "1024"}, "window:3/officer:1024"),
         R"({"window":"3","officer":"1024","actor":"window:3/officer:1024"})"},
        {make(OfficerLoggedOut{"3"}), R"({"window":"3","actor":"system"})"},
        {make(TicketCalled{42, "3", true, "老人行动不便",
                           Explanation{StrategyKind::counted_ratio, "ratio 2:1", {"A040", "B007"}},
                           2, 1}),
         R"({"id":42,"window":"3","specific":true,"reason":"老人行动不便",)"
         R"("explanation":{"strategy":"counted_ratio","rule":"ratio 2:1","beaten":["A040","B007"]},)"
         R"("ratio_normal":2,"ratio_priority":1,"actor":"system"})"},
        {make(TicketRecalled{42, "3"}), R"({"id":42,"window":"3","actor":"system"})"},
        {make(ServiceStarted{42, "3"}), R"({"id":42,"window":"3","actor":"system"})"},
        {make(TicketNoShow{42, "3", true, -7}),
         R"({"id":42,"window":"3","abandoned":true,"queue_key":-7,"actor":"system"})"},
        {make(TicketTransferred{42, "3", "tax", "5", 9'000}),
         R"({"id":42,"from_window":"3","service":"tax","target_window":"5","queue_key":9000,)"
         R"("actor":"system"})"},
        {make(TicketHeld{42, "3"}), R"({"id":42,"window":"3","actor":"system"})"},
        {make(WindowPaused{"3", "暂停服务，请到5号窗口"}),
         R"({"window":"3","message":"暂停服务，请到5号窗口","actor":"system"})"},
        {make(WindowResumed{"3"}), R"({"window":"3","actor":"system"})"},
        {make(ServiceFinished{42, "3", 754'000}),
         R"({"id":42,"window":"3","service_ms":754000,"actor":"system"})"},
        {make(TicketEvaluated{42, 2, "waited too long"}, "evaluator:3"),
         R"({"id":42,"score":2,"reason":"waited too long","actor":"evaluator:3"})"},
        {make(TicketAbandoned{42}), R"({"id":42,"actor":"system"})"},
        {make(AppointmentBooked{full_appointment()}, "platform"),
         R"({"appointment":{"id":"APT-0001","service":"real_estate","slot_start":1795402800000,)"
         R"("slot_end":1795403700000,"identity_hash":"hmac:9f2c","phone_masked":"139****5678",)"
         R"("code":"482913",)"
         R"("source":"wechat","ticket":17,"cancelled":true},"actor":"platform"})"},
        {make(AppointmentCancelled{"APT-0001"}), R"({"id":"APT-0001","actor":"system"})"},
        {make(DayRolledOver{20'780, {40, 41, 43}}),
         R"({"new_day":20780,"closed":[40,41,43],"actor":"system"})"},
        {make(ClockAdvanced{}, "replay"), R"({"actor":"replay"})"},
        {make(TicketsClosed{{7, 8, 9}}), R"({"ids":[7,8,9],"actor":"system"})"},
    };
}

// The same types with every optional field empty, and what they encode to.
std::vector<Sample> minimal_events() {
    return {
        {make(TicketIssued{1, "A001", "tax", Channel::walkin, TicketClass::normal, "", "",
                           std::nullopt}),
         R"({"id":1,"number":"A001","service":"tax","channel":"walkin","ticket_class":"normal",)"
         R"("actor":"system"})"},
        {make(TicketCalled{1, "3", false, "", Explanation{}, 0, 0}),
         R"({"id":1,"window":"3","specific":false,"explanation":{"strategy":"fifo"},)"
         R"("ratio_normal":0,"ratio_priority":0,"actor":"system"})"},
        {make(TicketNoShow{1, "3", false, 0}),
         R"({"id":1,"window":"3","abandoned":false,"queue_key":0,"actor":"system"})"},
        {make(TicketTransferred{1, "3", "tax", "", 5}),
         R"({"id":1,"from_window":"3","service":"tax","queue_key":5,"actor":"system"})"},
        {make(WindowPaused{"3", ""}), R"({"window":"3","actor":"system"})"},
        {make(ServiceFinished{1, "3", 0}),
         R"({"id":1,"window":"3","service_ms":0,"actor":"system"})"},
        {make(TicketEvaluated{1, 5, ""}), R"({"id":1,"score":5,"actor":"system"})"},
        {make(
             AppointmentBooked{Appointment{"APT-2", "tax", 0, 0, "", "", "", std::nullopt, false}}),
         R"({"appointment":{"id":"APT-2","service":"tax","slot_start":0,"slot_end":0,)"
         R"("cancelled":false},"actor":"system"})"},
        {make(DayRolledOver{0, {}}), R"({"new_day":0,"actor":"system"})"},
        {make(ClockAdvanced{}, ""), R"({"actor":""})"},
        {make(TicketsClosed{{}}), R"({"ids":[],"actor":"system"})"},
    };
}

// Encodes, decodes and re-encodes: the decoded event must encode to the same payload.
void check_round_trip(const QueueEvent& event) {
    const auto encoded = encode_event(event);
    INFO(encoded.type << " " << encoded.payload);
    CHECK(encoded.type == event_type(event.body));
    const auto decoded = decode_event(encoded.type, event.at, encoded.payload);
    REQUIRE(decoded.has_value());
    CHECK(decoded->at == event.at);
    CHECK(decoded->actor == event.actor);
    CHECK(decoded->body.index() == event.body.index());
    CHECK(encode_event(*decoded) == encoded);
}

// The error decoding gives ("" when the event is accepted).
std::string decode_error(std::string_view type, std::string_view payload) {
    const auto decoded = decode_event(type, kAt, payload);
    return decoded ? std::string() : decoded.error();
}

std::string called(std::string_view fields) {
    return R"({"id":7,"window":"3","specific":false,"explanation":{"strategy":"fifo"},)"
           R"("ratio_normal":0,"ratio_priority":0,"actor":"system")" +
           std::string(fields) + "}";
}

}  // namespace

TEST_CASE("the event types are the documented names, in the order of EventBody") {
    const std::vector<std::string_view> expected{
        "queue.ticket_issued",         "queue.officer_logged_in",  "queue.officer_logged_out",
        "queue.ticket_called",         "queue.ticket_recalled",    "queue.service_started",
        "queue.ticket_no_show",        "queue.ticket_transferred", "queue.ticket_held",
        "queue.window_paused",         "queue.window_resumed",     "queue.service_finished",
        "queue.ticket_evaluated",      "queue.ticket_abandoned",   "queue.appointment_booked",
        "queue.appointment_cancelled", "queue.day_rolled_over",    "queue.clock_advanced",
        "queue.tickets_closed"};
    const auto types = queue_event_types();
    CHECK(std::vector<std::string_view>(types.begin(), types.end()) == expected);
    for (const auto& [event, payload] : full_events()) {
        CHECK(event_type(event.body) == expected.at(event.body.index()));
    }
}

TEST_CASE("the sample events cover every event type") {
    std::set<std::size_t> covered;
    for (const auto& [event, payload] : full_events()) {
        covered.insert(event.body.index());
    }
    CHECK(covered.size() == std::variant_size_v<EventBody>);
}

TEST_CASE("every event type with all optional fields set encodes to the contract") {
    for (const auto& [event, payload] : full_events()) {
        const auto encoded = encode_event(event);
        CHECK(encoded.type == event_type(event.body));
        CHECK(encoded.payload == payload);
    }
}

TEST_CASE("fields that are empty or unset are left out of the payload") {
    for (const auto& [event, payload] : minimal_events()) {
        CHECK(encode_event(event).payload == payload);
    }
}

TEST_CASE("every event type round-trips with all optional fields set") {
    for (const auto& [event, payload] : full_events()) {
        check_round_trip(event);
    }
}

TEST_CASE("every event type round-trips with its optional fields unset") {
    for (const auto& [event, payload] : minimal_events()) {
        check_round_trip(event);
    }
}

TEST_CASE("decoding restores the fields of the event") {
    const auto decoded = decode_event("queue.ticket_called", 1234, full_events()[3].payload);
    REQUIRE(decoded);
    CHECK(decoded->at == 1234);
    CHECK(decoded->actor == "system");
    const auto* called_body = std::get_if<TicketCalled>(&decoded->body);
    REQUIRE(called_body != nullptr);
    CHECK(called_body->id == 42);
    CHECK(called_body->window == "3");
    CHECK(called_body->specific);
    CHECK(called_body->reason == "老人行动不便");
    CHECK(called_body->explanation ==
          Explanation{StrategyKind::counted_ratio, "ratio 2:1", {"A040", "B007"}});
    CHECK(called_body->ratio_normal == 2);
    CHECK(called_body->ratio_priority == 1);

    const auto issued = decode_event("queue.ticket_issued", 0,
                                     R"({"id":1,"number":"A001","service":"tax",)"
                                     R"("channel":"walkin","ticket_class":"green","actor":"k"})");
    REQUIRE(issued);
    const auto& ticket = std::get<TicketIssued>(issued->body);
    CHECK(ticket.ticket_class == TicketClass::green);
    CHECK(ticket.identity_hash.empty());
    CHECK_FALSE(ticket.slot_start.has_value());
}

TEST_CASE("optional fields written explicitly empty decode as unset") {
    const auto decoded =
        decode_event("queue.ticket_transferred", 0,
                     R"({"id":1,"from_window":"3","service":"tax","target_window":"",)"
                     R"("queue_key":5,"actor":"system"})");
    REQUIRE(decoded);
    CHECK(std::get<TicketTransferred>(decoded->body).target_window.empty());
    const auto rolled =
        decode_event("queue.day_rolled_over", 0, R"({"new_day":3,"closed":[],"actor":"s"})");
    REQUIRE(rolled);
    CHECK(std::get<DayRolledOver>(rolled->body).closed.empty());
}

TEST_CASE("unknown fields are ignored, at the top and inside nested objects") {
    const auto decoded = decode_event(
        "queue.ticket_called", 0,
        R"({"id":7,"window":"3","specific":false,"queue_depth":{"a":[1,2,{"b":null}]},)"
        R"("explanation":{"strategy":"fifo","score":0.5},"ratio_normal":0,"ratio_priority":0,)"
        R"("actor":"system","v":2})");
    REQUIRE(decoded);
    CHECK(encode_event(*decoded).payload == called(""));
}

TEST_CASE("an unknown or foreign event type is rejected") {
    CHECK(decode_error("queue.ticket_teleported", "{}") ==
          "unknown queue event type 'queue.ticket_teleported'");
    CHECK(decode_error("node.started", "{}") == "'node.started' is not a queue event type");
    CHECK(decode_error("", "{}") == "'' is not a queue event type");
    CHECK_THAT(decode_error(std::string(300, 'x'), "{}"),
               Catch::StartsWith("'" + std::string(64, 'x') + "...'"));
    CHECK_FALSE(is_queue_event_type("queue.ticket_teleported"));
    CHECK_FALSE(is_queue_event_type("node.started"));
    CHECK_FALSE(is_queue_event_type("queue."));
    CHECK(is_queue_event_type("queue.ticket_issued"));
    CHECK(is_queue_event_type("queue.clock_advanced"));
}

TEST_CASE("a payload that is not a JSON object is rejected") {
    CHECK_THAT(decode_error("queue.clock_advanced", ""),
               Catch::StartsWith("queue.clock_advanced: payload is not valid JSON: "));
    CHECK_THAT(decode_error("queue.clock_advanced", R"({"actor":"s"} x)"),
               Catch::StartsWith("queue.clock_advanced: payload is not valid JSON: "));
    CHECK_THAT(decode_error("queue.clock_advanced", "{\"actor\":\"\xff\"}"),
               Catch::StartsWith("queue.clock_advanced: payload is not valid JSON: "));
    for (const auto* payload : {"[]", "null", "7", R"("actor")"}) {
        CHECK(decode_error("queue.clock_advanced", payload) ==
              "queue.clock_advanced: payload must be a JSON object");
    }
}

TEST_CASE("payloads over 64 KiB are rejected before parsing") {
    const std::string body = R"({"actor":"system"})";
    const auto padded = [&](std::size_t size) {
        return body + std::string(size - body.size(), ' ');
    };
    CHECK(decode_error("queue.clock_advanced", padded(kMaxEventPayloadBytes)).empty());
    CHECK(decode_error("queue.clock_advanced", padded(kMaxEventPayloadBytes + 1)) ==
          "queue.clock_advanced: payload is 65537 bytes, over the limit of 65536");
}

TEST_CASE("payloads nested deeper than the limit are rejected") {
    const auto nested = [](std::size_t depth) {
        return R"({"actor":"s","x":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') +
               "}";
    };
    CHECK(decode_error("queue.clock_advanced", nested(kMaxEventNestingDepth)).empty());
    CHECK(decode_error("queue.clock_advanced", nested(kMaxEventNestingDepth + 1)) ==
          "queue.clock_advanced: payload nests deeper than 16 levels");
    // Brackets inside strings do not count.
    CHECK(decode_error("queue.clock_advanced",
                       R"({"actor":"[[[[[[[[[[[[[[[[[[[[[[[[\"{{{{{{{{{{{{{{{{{{{{"})")
              .empty());
}

TEST_CASE("a missing required field is named") {
    CHECK(decode_error("queue.ticket_called", R"({"id":7,"actor":"s"})") ==
          "queue.ticket_called: missing 'window'");
    CHECK(decode_error("queue.clock_advanced", "{}") == "queue.clock_advanced: missing 'actor'");
    CHECK(decode_error("queue.ticket_called",
                       R"({"id":7,"window":"3","specific":false,"explanation":{},)"
                       R"("ratio_normal":0,"ratio_priority":0,"actor":"s"})") ==
          "queue.ticket_called: missing 'explanation.strategy'");
    CHECK(decode_error("queue.appointment_booked",
                       R"({"appointment":{"id":"A","service":"tax","slot_start":0,)"
                       R"("cancelled":false},"actor":"s"})") ==
          "queue.appointment_booked: missing 'appointment.slot_end'");
}

TEST_CASE("a field of the wrong JSON type is named with the type it must have") {
    CHECK(decode_error("queue.ticket_called",
                       R"({"id":7,"window":3,"specific":false,"explanation":{"strategy":"fifo"},)"
                       R"("ratio_normal":0,"ratio_priority":0,"actor":"s"})") ==
          "queue.ticket_called: 'window' must be a string");
    CHECK(decode_error("queue.ticket_called", called(R"(,"specific":1)")) ==
          "queue.ticket_called: 'specific' must be true or false");
    CHECK(decode_error("queue.ticket_no_show",
                       R"({"id":7,"window":"3","abandoned":"yes","queue_key":1,"actor":"s"})") ==
          "queue.ticket_no_show: 'abandoned' must be true or false");
    CHECK(decode_error("queue.ticket_called",
                       R"({"id":7,"window":"3","specific":false,"explanation":"fifo",)"
                       R"("ratio_normal":0,"ratio_priority":0,"actor":"s"})") ==
          "queue.ticket_called: 'explanation' must be an object");
    CHECK(decode_error("queue.day_rolled_over", R"({"new_day":1,"closed":7,"actor":"s"})") ==
          "queue.day_rolled_over: 'closed' must be an array of ticket ids");
    CHECK(decode_error("queue.clock_advanced", R"({"actor":null})") ==
          "queue.clock_advanced: 'actor' must be a string");
    // null is not "unset": optional fields are left out, never null.
    CHECK(decode_error("queue.window_paused", R"({"window":"3","message":null,"actor":"s"})") ==
          "queue.window_paused: 'message' must be a string");
}

TEST_CASE("integers must be JSON integers within int64 and the field's range") {
    const auto ticket_id_error = "queue.ticket_abandoned: 'id' must be a positive integer";
    for (const auto* id : {"0", "-1", "1.0", "1e2", "\"7\"", "true", "9223372036854775808",
                           "18446744073709551615"}) {
        INFO(id);
        CHECK(decode_error("queue.ticket_abandoned",
                           R"({"actor":"s","id":)" + std::string(id) + "}") == ticket_id_error);
    }
    CHECK(decode_error("queue.ticket_abandoned", R"({"actor":"s","id":1e400})") ==
          "queue.ticket_abandoned: payload is not valid JSON: number overflow parsing '1e400'");
    CHECK(decode_error("queue.ticket_abandoned", R"({"actor":"s","id":9223372036854775807})")
              .empty());
    CHECK(decode_error("queue.ticket_no_show",
                       R"({"id":7,"window":"3","abandoned":false,"queue_key":-9223372036854775808,)"
                       R"("actor":"s"})")
              .empty());
    CHECK(decode_error("queue.ticket_no_show",
                       R"({"id":7,"window":"3","abandoned":false,"queue_key":-9223372036854775809,)"
                       R"("actor":"s"})") ==
          "queue.ticket_no_show: 'queue_key' must be a 64-bit integer");
    CHECK(decode_error("queue.service_finished",
                       R"({"id":7,"window":"3","service_ms":-1,"actor":"s"})") ==
          "queue.service_finished: 'service_ms' must be a non-negative integer");
    CHECK(decode_error("queue.ticket_called", called(R"(,"ratio_normal":2147483648)")) ==
          "queue.ticket_called: 'ratio_normal' must be a non-negative 32-bit integer");
    CHECK(decode_error("queue.day_rolled_over", R"({"new_day":1,"closed":[3,0],"actor":"s"})") ==
          "queue.day_rolled_over: 'closed[1]' must be a positive integer");
    CHECK(decode_error("queue.appointment_booked",
                       R"({"appointment":{"id":"A","service":"tax","slot_start":0,"slot_end":1,)"
                       R"("ticket":0,"cancelled":false},"actor":"s"})") ==
          "queue.appointment_booked: 'appointment.ticket' must be a positive integer");
}

TEST_CASE("an evaluation score is 1 to 5") {
    for (const int score : {1, 5}) {
        CHECK(decode_error("queue.ticket_evaluated",
                           R"({"id":1,"actor":"s","score":)" + std::to_string(score) + "}")
                  .empty());
    }
    for (const auto* score : {"0", "6", "-3", "4.5"}) {
        CHECK(decode_error("queue.ticket_evaluated",
                           R"({"id":1,"actor":"s","score":)" + std::string(score) + "}") ==
              "queue.ticket_evaluated: 'score' must be an integer from 1 to 5");
    }
}

TEST_CASE("strings are at most 256 bytes, reasons and messages at most 500") {
    const auto paused = [](std::size_t window, std::size_t message) {
        return R"({"window":")" + std::string(window, 'w') + R"(","message":")" +
               std::string(message, 'm') + R"(","actor":"s"})";
    };
    CHECK(decode_error("queue.window_paused", paused(256, 500)).empty());
    CHECK(decode_error("queue.window_paused", paused(257, 1)) ==
          "queue.window_paused: 'window' must be at most 256 bytes");
    CHECK(decode_error("queue.window_paused", paused(1, 501)) ==
          "queue.window_paused: 'message' must be at most 500 bytes");
    // Bytes, not characters: 86 three-byte characters are 258 bytes.
    std::string chinese;
    for (int i = 0; i < 86; ++i) {
        chinese += "窗";
    }
    CHECK(decode_error("queue.window_resumed", R"({"window":")" + chinese + R"(","actor":"s"})") ==
          "queue.window_resumed: 'window' must be at most 256 bytes");
    CHECK(decode_error("queue.ticket_evaluated", R"({"id":1,"score":1,"actor":"s","reason":")" +
                                                     std::string(501, 'r') + "\"}") ==
          "queue.ticket_evaluated: 'reason' must be at most 500 bytes");
    CHECK(
        decode_error("queue.ticket_called", called(R"(,"explanation":{"strategy":"fifo","rule":")" +
                                                   std::string(501, 'r') + "\"}")) ==
        "queue.ticket_called: 'explanation.rule' must be at most 500 bytes");
    CHECK(decode_error("queue.clock_advanced", R"({"actor":")" + std::string(257, 'a') + "\"}") ==
          "queue.clock_advanced: 'actor' must be at most 256 bytes");
}

TEST_CASE("enums must be one of their names") {
    CHECK(decode_error("queue.ticket_issued",
                       R"({"id":1,"number":"A001","service":"tax","channel":"fax",)"
                       R"("ticket_class":"normal","actor":"s"})") ==
          "queue.ticket_issued: 'channel' must be one of walkin, idcard, phone, appointment, "
          "priority_code, remote, sticker");
    CHECK(decode_error("queue.ticket_issued",
                       R"({"id":1,"number":"A001","service":"tax","channel":"walkin",)"
                       R"("ticket_class":2,"actor":"s"})") ==
          "queue.ticket_issued: 'ticket_class' must be one of normal, appointment, green, vip");
    CHECK(decode_error("queue.ticket_called", called(R"(,"explanation":{"strategy":"FIFO"})")) ==
          "queue.ticket_called: 'explanation.strategy' must be one of fifo, class_priority, "
          "counted_ratio, appointment_slot, longest_wait, service_weight");
}

TEST_CASE("an explanation names at most 5 beaten tickets, as strings") {
    CHECK(decode_error("queue.ticket_called", called(R"(,"explanation":{"strategy":"fifo",)"
                                                     R"("beaten":["A1","A2","A3","A4","A5"]})"))
              .empty());
    CHECK(decode_error("queue.ticket_called",
                       called(R"(,"explanation":{"strategy":"fifo",)"
                              R"("beaten":["A1","A2","A3","A4","A5","A6"]})")) ==
          "queue.ticket_called: 'explanation.beaten' must be an array of at most 5 strings");
    CHECK(decode_error("queue.ticket_called",
                       called(R"(,"explanation":{"strategy":"fifo","beaten":["A1",2]})")) ==
          "queue.ticket_called: 'explanation.beaten[1]' must be a string");
}

TEST_CASE("the first bad field is the one reported") {
    CHECK(decode_error("queue.ticket_recalled", R"({"id":0,"window":5})") ==
          "queue.ticket_recalled: 'id' must be a positive integer");
}

TEST_CASE("a later duplicate key wins, as in any JSON reader that keeps one") {
    const auto decoded =
        decode_event("queue.window_resumed", 0, R"({"window":"1","window":"2","actor":"s"})");
    REQUIRE(decoded);
    CHECK(std::get<WindowResumed>(decoded->body).window == "2");
}

// The decoder parses with simdjson first and gives what simdjson rejects to nlohmann-json; either
// way the result is the same (builds with assertions also check every decode against nlohmann).
TEST_CASE("JSON that only one of the decoder's two parsers reads decodes all the same") {
    const auto window_of = [](std::string_view payload) {
        const auto decoded = decode_event("queue.window_resumed", kAt, payload);
        return decoded ? std::get<WindowResumed>(decoded->body).window : decoded.error();
    };
    // A byte order mark, and a NUL after the document: nlohmann reads both.
    CHECK(window_of("\xEF\xBB\xBF{\"window\":\"1\",\"actor\":\"s\"}") == "1");
    CHECK(window_of("{\"window\":\"1\",\"actor\":\"s\"}\0"s) == "1");
    // Numbers beyond 64 bits in a field nobody reads, and nesting at the limit.
    CHECK(window_of(
              R"({"window":"1","x":[18446744073709551616,-9223372036854775809],"actor":"s"})") ==
          "1");
    CHECK(window_of(R"({"window":"1","x":)" + std::string(kMaxEventNestingDepth - 1, '[') + "0" +
                    std::string(kMaxEventNestingDepth - 1, ']') + R"(,"actor":"s"})") == "1");
    // Escapes, surrogate pairs included, and the last of duplicate keys in a nested object.
    CHECK(window_of(R"({"window":"\u7a97\ud83d\ude00\/","actor":"s"})") ==
          "\xE7\xAA\x97\xF0\x9F\x98\x80/");
    const auto called_event = decode_event(
        "queue.ticket_called", kAt,
        called(R"(,"explanation":{"strategy":"fifo","beaten":["1"],"beaten":["2","3"]})"));
    REQUIRE(called_event);
    CHECK(std::get<TicketCalled>(called_event->body).explanation.beaten ==
          std::vector<std::string>{"2", "3"});
    // -0 is the integer 0 to both.
    const auto no_show =
        decode_event("queue.ticket_no_show", kAt,
                     R"({"id":7,"window":"3","abandoned":false,"queue_key":-0,"actor":"s"})");
    REQUIRE(no_show);
    CHECK(std::get<TicketNoShow>(no_show->body).queue_key == 0);
}

TEST_CASE("encoding replaces invalid UTF-8 instead of failing") {
    const auto encoded = encode_event(make(WindowPaused{"3", "bad \xff byte"}));
    CHECK(encoded.payload ==
          "{\"window\":\"3\",\"message\":\"bad \xEF\xBF\xBD byte\","
          "\"actor\":\"system\"}");
    const auto decoded = decode_event(encoded.type, kAt, encoded.payload);
    REQUIRE(decoded);
    CHECK(std::get<WindowPaused>(decoded->body).message == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("control characters are escaped and come back unchanged") {
    const auto message = "line\none\ttab \x01 nul\0end"s;
    const auto encoded = encode_event(make(WindowPaused{"3", message}));
    CHECK(encoded.payload == R"({"window":"3","message":"line\none\ttab \u0001 nul\u0000end",)"
                             R"("actor":"system"})");
    const auto decoded = decode_event(encoded.type, kAt, encoded.payload);
    REQUIRE(decoded);
    CHECK(std::get<WindowPaused>(decoded->body).message == message);
}

TEST_CASE("enum names round-trip and unknown names are rejected") {
    for (const auto value : {Channel::walkin, Channel::idcard, Channel::phone, Channel::appointment,
                             Channel::priority_code, Channel::remote, Channel::sticker}) {
        CHECK(parse_channel(to_string(value)) == value);
    }
    for (const auto value :
         {TicketClass::normal, TicketClass::appointment, TicketClass::green, TicketClass::vip}) {
        CHECK(parse_ticket_class(to_string(value)) == value);
    }
    for (const auto value : {TicketState::waiting, TicketState::called, TicketState::serving,
                             TicketState::held, TicketState::finished, TicketState::evaluated,
                             TicketState::abandoned, TicketState::closed}) {
        CHECK(parse_ticket_state(to_string(value)) == value);
    }
    for (const auto value :
         {WindowState::logged_out, WindowState::idle, WindowState::calling, WindowState::serving,
          WindowState::paused, WindowState::attendance_anomaly}) {
        CHECK(parse_window_state(to_string(value)) == value);
    }
    for (const auto value : {StrategyKind::fifo, StrategyKind::class_priority,
                             StrategyKind::counted_ratio, StrategyKind::appointment_slot,
                             StrategyKind::longest_wait, StrategyKind::service_weight}) {
        CHECK(parse_strategy_kind(to_string(value)) == value);
    }
    CHECK(to_string(Channel::priority_code) == "priority_code");
    CHECK(to_string(TicketClass::green) == "green");
    CHECK(to_string(TicketState::closed) == "closed");
    CHECK(to_string(WindowState::attendance_anomaly) == "attendance_anomaly");
    CHECK(to_string(StrategyKind::counted_ratio) == "counted_ratio");
    CHECK_FALSE(parse_channel("Walkin").has_value());
    CHECK_FALSE(parse_ticket_class("").has_value());
    CHECK_FALSE(parse_ticket_state("open").has_value());
    CHECK_FALSE(parse_window_state("busy").has_value());
    CHECK_FALSE(parse_strategy_kind("random").has_value());
}

TEST_CASE("values outside an enumeration have no name") {
    CHECK(to_string(static_cast<Channel>(200)).empty());
    CHECK(to_string(static_cast<StrategyKind>(99)).empty());
}

TEST_CASE("a rollover of thousands of open tickets is split into events the log can read back") {
    HallDefinition hall;
    ServiceItem service;
    service.code = "RE";
    service.prefix = "A";
    service.number_width = 4;
    hall.services = {service};
    Window window;
    window.id = "1";
    window.serves = {{"RE", 1}};
    hall.windows = {window};
    Engine engine(hall);
    std::vector<QueueEvent> log;
    const auto keep = [&](QueueResult<Events> result) {
        REQUIRE(result);
        log.insert(log.end(), result->begin(), result->end());
        return *result;
    };
    constexpr Millis kMorning = 1'795'392'000'000;  // 08:00 hall time
    keep(engine.login(kMorning, "t", "1", "1000"));
    constexpr std::size_t kOpen = 4500;
    for (std::size_t i = 0; i < kOpen; ++i) {
        keep(engine.take(kMorning, "kiosk", {"RE"}));
    }
    const auto events = keep(engine.rollover(kMorning + 24 * 3'600'000LL, "system"));
    REQUIRE(events.size() == 3);  // 2,000 + 2,000 in TicketsClosed, 500 in DayRolledOver
    CHECK(std::get<TicketsClosed>(events[0].body).ids.size() == kMaxClosedPerEvent);
    CHECK(std::get<TicketsClosed>(events[1].body).ids.size() == kMaxClosedPerEvent);
    CHECK(std::get<DayRolledOver>(events[2].body).closed.size() == 500);

    // Every event fits the log and reads back; the log replays to the live state.
    QueueState replayed = Engine(hall).state();
    for (const auto& event : log) {
        const auto encoded = encode_event(event);
        REQUIRE(encoded.payload.size() <= kMaxEventPayloadBytes);
        const auto decoded = decode_event(encoded.type, event.at, encoded.payload);
        REQUIRE(decoded);
        apply(replayed, *decoded);
    }
    CHECK(engine.state().tickets.empty());  // all closed, then dropped with the old day
    CHECK(replayed.tickets.empty());
    CHECK(replayed.day == engine.state().day);
    CHECK(replayed.waiting == engine.state().waiting);
    CHECK(replayed.services.at("RE").next_number == 1);
}

// The Local API's request checks: every body either becomes exactly one queue operation or is
// refused with the status and code docs/api.md promises, never half-read.
#include "daemon/api/routes.hpp"

#include <catch2/catch.hpp>

namespace hk::api {
namespace {

using nlohmann::json;

template <class T>
ApiError refused(const ApiResult<T>& result) {
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

TEST_CASE("bodies must be JSON objects") {
    CHECK(parse_object(R"({"service":"SOC"})")->at("service") == "SOC");
    CHECK(refused(parse_object("{\"service\":")) ==
          ApiError{400, "bad_request", "the body is not valid JSON"});
    CHECK(refused(parse_object("[1,2]")).message == "the body must be a JSON object");
    CHECK(refused(parse_object("")).code == "bad_request");
}

TEST_CASE("a ticket request becomes a take, wrong types, values and fields are refused") {
    CHECK(*ticket_request(json{{"service", "SOC"}}) ==
          json{{"op", "take"}, {"service", "SOC"}, {"channel", "walkin"}});
    CHECK(
        *ticket_request(json{{"service", "SOC"}, {"channel", "phone"}, {"phone", "13812345678"}}) ==
        json{{"op", "take"}, {"service", "SOC"}, {"channel", "phone"}, {"phone", "13812345678"}});
    CHECK(refused(ticket_request(json::object())) ==
          ApiError{400, "bad_request", "field \"service\" is required"});
    CHECK(refused(ticket_request(json{{"service", 7}})).message ==
          "field \"service\" must be a string");
    CHECK(refused(ticket_request(json{{"service", ""}})).code == "bad_argument");
    CHECK(refused(ticket_request(json{{"service", std::string(33, 'S')}})).code == "bad_argument");
    CHECK(refused(ticket_request(json{{"service", "SOC\n"}})).code == "bad_argument");
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"channel", "idcard"}})).message ==
          "field \"channel\" must be one of walkin, phone, priority_code, id_card");
    // Priority classes need a verified code, not a kiosk's say-so.
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"class", "vip"}})).code ==
          "bad_argument");
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"phone", "1381234567x"}})).message ==
          "field \"phone\" must be 11 digits");
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"servce", "x"}})).message ==
          "unknown field \"servce\"");
}

TEST_CASE("each ticket channel needs its own field and no other") {
    CHECK(*ticket_request(json{{"service", "SOC"}, {"channel", "id_card"}, {"card", "ab12"}}) ==
          json{{"op", "take"}, {"service", "SOC"}, {"channel", "idcard"}, {"card", "ab12"}});
    CHECK(*ticket_request(
              json{{"service", "SOC"}, {"channel", "priority_code"}, {"priority_code", "2468"}}) ==
          json{{"op", "take"},
               {"service", "SOC"},
               {"channel", "priority_code"},
               {"priority_code", "2468"}});
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"channel", "id_card"}})) ==
          ApiError{400, "bad_request", "channel \"id_card\" needs the field \"card\""});
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"channel", "phone"}})).message ==
          "channel \"phone\" needs the field \"phone\"");
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"channel", "priority_code"}})).message ==
          "channel \"priority_code\" needs the field \"priority_code\"");
    // A card or code on a walk-in ticket is a mistake the kiosk must hear about.
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"card", "ab12"}})) ==
          ApiError{400, "bad_argument", "field \"card\" does not go with channel \"walkin\""});
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"phone", "13812345678"}})).message ==
          "field \"phone\" does not go with channel \"walkin\"");
    CHECK(refused(ticket_request(json{{"service", "SOC"},
                                      {"channel", "phone"},
                                      {"phone", "13812345678"},
                                      {"priority_code", "2468"}}))
              .message == "field \"priority_code\" does not go with channel \"phone\"");
    CHECK(refused(ticket_request(json{{"service", "SOC"}, {"channel", "id_card"}, {"card", 5}}))
              .code == "bad_request");
}

TEST_CASE("a card wait names a reader and a timeout, both optional") {
    const auto plain = card_wait_request(json::object());
    REQUIRE(plain);
    CHECK(plain->reader.empty());
    CHECK(plain->timeout_ms == 30'000);
    const auto named = card_wait_request(json{{"reader", "kiosk-reader"}, {"timeout_s", 5}});
    REQUIRE(named);
    CHECK(named->reader == "kiosk-reader");
    CHECK(named->timeout_ms == 5'000);
    CHECK(refused(card_wait_request(json{{"timeout_s", 31}})) ==
          ApiError{400, "bad_argument", "field \"timeout_s\" must be from 1 to 30"});
    CHECK(refused(card_wait_request(json{{"timeout_s", 0}})).code == "bad_argument");
    CHECK(refused(card_wait_request(json{{"timeout_s", "5"}})).code == "bad_request");
    CHECK(refused(card_wait_request(json{{"reader", 1}})).code == "bad_request");
    CHECK(refused(card_wait_request(json{{"wait", 1}})).message == "unknown field \"wait\"");
}

TEST_CASE("check-in and evaluation requests") {
    CHECK(*check_in_request(json{{"code", "APPT-0042"}}) ==
          json{{"op", "check_in"}, {"code", "APPT-0042"}});
    CHECK(*check_in_request(json{{"card", "ab12"}}) == json{{"op", "check_in"}, {"card", "ab12"}});
    CHECK(refused(check_in_request(json::object())) ==
          ApiError{400, "bad_request", "give either \"code\" or \"card\""});
    CHECK(refused(check_in_request(json{{"code", "APPT-0042"}, {"card", "ab12"}})).message ==
          "give either \"code\" or \"card\"");
    CHECK(refused(check_in_request(json{{"identity_hash", "x"}})).code == "bad_request");
    CHECK(*evaluation_request(json{{"ticket", "A001"}, {"score", 5}}) ==
          json{{"op", "evaluate"}, {"number", "A001"}, {"score", 5}});
    CHECK(*evaluation_request(json{{"ticket", "A001"}, {"score", 1}, {"reason", "等太久"}}) ==
          json{{"op", "evaluate"}, {"number", "A001"}, {"score", 1}, {"reason", "等太久"}});
    CHECK(refused(evaluation_request(json{{"ticket", "A001"}, {"score", 6}})).code ==
          "bad_argument");
    CHECK(refused(evaluation_request(json{{"ticket", "A001"}, {"score", "5"}})).code ==
          "bad_request");
    CHECK(refused(evaluation_request(json{{"ticket", "A001"}, {"score", 4.5}})).code ==
          "bad_request");
    CHECK(refused(evaluation_request(
                      json{{"ticket", "A001"}, {"score", 2}, {"reason", std::string(501, 'x')}}))
              .code == "bad_argument");
}

TEST_CASE("counter actions act on the session's window only") {
    CHECK(*counter_request("call-next", json::object(), "3") ==
          json{{"op", "call_next"}, {"window", "3"}});
    // A window in the body is an unknown field: the session decides the window.
    CHECK(refused(counter_request("call-next", json{{"window", "4"}}, "3")).message ==
          "unknown field \"window\"");
    CHECK(
        *counter_request("call-specific", json{{"number", "A007"}, {"reason", "老人优先"}}, "3") ==
        json{{"op", "call_specific"}, {"window", "3"}, {"number", "A007"}, {"reason", "老人优先"}});
    CHECK(refused(counter_request("call-specific", json{{"number", "A007"}}, "3")).message ==
          "field \"reason\" is required");
    CHECK(*counter_request("transfer", json{{"to_service", "TAX"}, {"to_front", true}}, "3") ==
          json{{"op", "transfer"}, {"window", "3"}, {"to_service", "TAX"}, {"to_front", true}});
    CHECK(refused(counter_request("transfer", json{{"to_front", "yes"}}, "3")).code ==
          "bad_request");
    CHECK(*counter_request("pause", json{{"message", "午休，13:30 恢复"}}, "3") ==
          json{{"op", "pause"}, {"window", "3"}, {"message", "午休，13:30 恢复"}});
    CHECK(refused(counter_request("pause", json{{"message", std::string(201, 'x')}}, "3")).code ==
          "bad_argument");
    CHECK(*counter_request("call-back", json{{"number", "A002"}}, "3") ==
          json{{"op", "call_back"}, {"window", "3"}, {"number", "A002"}});
    CHECK(refused(counter_request("explode", json::object(), "3")) ==
          ApiError{404, "not_found", "no such counter action"});
}

TEST_CASE("logins need 工号, PIN and window as strings") {
    const auto login = login_request(json{{"officer", "1024"}, {"pin", "246810"}, {"window", "3"}});
    REQUIRE(login);
    CHECK(login->officer == "1024");
    CHECK(login->window == "3");
    CHECK_FALSE(login_request(json{{"officer", "1024"}, {"pin", 246810}, {"window", "3"}}));
    CHECK_FALSE(login_request(json{{"officer", "1024"}, {"window", "3"}}));
}

TEST_CASE("queue refusals map to HTTP statuses") {
    CHECK(status_for("unknown_ticket") == 404);
    CHECK(status_for("unknown_service") == 404);
    CHECK(status_for("bad_argument") == 400);
    CHECK(status_for("reason_required") == 400);
    CHECK(status_for("service_closed") == 409);
    CHECK(status_for("window_busy") == 409);
    CHECK(status_for("internal") == 500);
}

}  // namespace
}  // namespace hk::api

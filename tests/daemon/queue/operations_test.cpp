// Queue operations as JSON: what replay scripts and the daemon's queue commands send.
#include "daemon/queue/operations.hpp"

#include <nlohmann/json.hpp>

#include "tests/daemon/queue/queue_test_support.hpp"

using namespace hk::queue;
using namespace hk::queue::test;
using nlohmann::json;

namespace {

struct Script {
    Engine engine{small_hall()};
    Events events;
    json run(const char* text) {
        return run_operation(engine, kMonday0800, "test", json::parse(text), events);
    }
};

}  // namespace

TEST_CASE("take answers the ticket, the tickets ahead and the estimated wait") {
    Script s;
    REQUIRE(s.run(R"({"op":"login","window":"w2","officer":"1024"})")["ok"] == true);
    s.run(R"({"op":"take","service":"RE"})");
    const auto answer = s.run(R"({"op":"take","service":"RE","class":"green"})");
    CHECK(answer["ok"] == true);
    CHECK(answer["ticket"] == "A002");
    CHECK(answer["waiting_ahead"] == 1);
    CHECK(answer["estimated_wait_s"] == 0);
    CHECK(s.engine.state().find_by_number("A002")->ticket_class == TicketClass::green);
}

TEST_CASE("call_next answers the ticket, window and why") {
    Script s;
    s.run(R"({"op":"login","window":"w2","officer":"1024"})");
    s.run(R"({"op":"take","service":"RE"})");
    s.run(R"({"op":"take","service":"RE","class":"green"})");
    const auto answer = s.run(R"({"op":"call_next","window":"w2"})");
    CHECK(answer["ticket"] == "A002");
    CHECK(answer["window"] == "w2");
    CHECK(answer["strategy"] == "class_priority");
    CHECK(answer["beaten"] == json::array({"A001"}));
}

TEST_CASE("an engine refusal is answered with its code and message") {
    Script s;
    const auto answer = s.run(R"({"op":"take","service":"RE"})");
    CHECK(answer["ok"] == false);
    CHECK(answer["error"] == "service_closed");
    CHECK_FALSE(answer["message"].get<std::string>().empty());
    CHECK(s.events.empty());
}

TEST_CASE("bad requests name the field and change nothing") {
    Script s;
    const struct {
        const char* op;
        const char* message;
    } cases[] = {
        {R"({"service":"RE"})", "'op' is required"},
        {R"({"op":"fly"})", "unknown op 'fly'"},
        {R"({"op":"take"})", "'service' is required"},
        {R"({"op":"take","service":7})", "'service' must be a string"},
        {R"({"op":"take","service":"RE","class":"gold"})", "'class' has an unknown value 'gold'"},
        {R"({"op":"evaluate","number":"A001","score":"five"})", "'score' must be an integer"},
        {R"({"op":"transfer","window":"w1","to_front":"yes"})", "'to_front' must be true or false"},
    };
    for (const auto& c : cases) {
        const auto answer = s.run(c.op);
        CHECK(answer["ok"] == false);
        CHECK(answer["error"] == "bad_request");
        CHECK(answer["message"] == c.message);
    }
    CHECK(s.engine.state().events_applied == 0);
    const auto not_object = run_operation(s.engine, kMonday0800, "t", json::array(), s.events);
    CHECK(not_object["error"] == "bad_request");
}

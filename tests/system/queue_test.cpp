// The queue inside the real daemon: operations over the control socket, answered only once
// durable, and the queue rebuilt from the log after a restart.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/control/client.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

void write_hall(DaemonHarness& hall) {
    hk::test::write_file(hall.dir() / "hall.toml", hk::test::kAllDayHall);
    hall.write_config("[node]\nid = \"queue-node\"\n[queue]\nhall_file = \"" +
                      (hall.dir() / "hall.toml").string() + "\"\n");
}

json queue(const DaemonHarness& hall, const json& operation) {
    auto client = hk::control::Client::connect(hall.socket(), 0ms);
    REQUIRE(client);
    auto answer = client->call("queue", operation, 10s);
    REQUIRE(answer);
    return *answer;
}

}  // namespace

TEST_CASE("queue operations run in the daemon and survive a restart") {
    DaemonHarness hall;
    write_hall(hall);
    hall.start_ready();
    queue(hall, {{"op", "login"}, {"window", "1"}, {"officer", "1024"}});
    CHECK(queue(hall, {{"op", "take"}, {"service", "RE"}})["ticket"] == "A001");
    CHECK(queue(hall, {{"op", "take"}, {"service", "RE"}})["ticket"] == "A002");
    CHECK(queue(hall, {{"op", "call_next"}, {"window", "1"}})["ticket"] == "A001");
    REQUIRE(hall.stop() == 0);

    hall.start_ready();
    const auto status = json::parse(hall.hallctl({"--json", "status"}).out);
    CHECK(status["queue"]["waiting"] == 1);
    CHECK(status["queue"]["windows_staffed"] == 1);
    CHECK(queue(hall, {{"op", "take"}, {"service", "RE"}})["ticket"] == "A003");
    CHECK(hall.stop() == 0);
}

TEST_CASE("a refused queue operation is an error answer naming the reason") {
    DaemonHarness hall;
    write_hall(hall);
    hall.start_ready();
    auto client = hk::control::Client::connect(hall.socket(), 0ms);
    REQUIRE(client);
    const auto refused = client->call("queue", {{"op", "take"}, {"service", "RE"}}, 10s);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == "service_closed");  // nobody is logged in
    const auto bad = client->call("queue", {{"op", "take"}}, 10s);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "bad_request");
    CHECK_THAT(bad.error().message, Catch::Contains("service"));
    CHECK(hall.stop() == 0);
}

TEST_CASE("a bad hall file stops the daemon at start with exit code 78") {
    DaemonHarness hall;
    hk::test::write_file(hall.dir() / "hall.toml", "[[services]]\ncode = \"RE\"\n");
    hall.write_config("[queue]\nhall_file = \"" + (hall.dir() / "hall.toml").string() + "\"\n");
    auto& process = hall.start();
    CHECK(process.wait_exit(hk::test::kDeadline) == 78);
    CHECK_THAT(hall.log(), Catch::Contains("hall.toml"));
}

TEST_CASE("hallctl queue runs an operation on the live hall") {
    DaemonHarness hall;
    write_hall(hall);
    hall.start_ready();
    CHECK(hall.hallctl({"queue", R"({"op":"login","window":"1","officer":"1024"})"}).exit_code ==
          0);
    const auto taken = hall.hallctl({"queue", R"({"op":"take","service":"RE"})"});
    CHECK(taken.exit_code == 0);
    CHECK_THAT(taken.out, Catch::Contains("ticket A001"));
    const auto machine = hall.hallctl({"--json", "queue", R"({"op":"call_next","window":"1"})"});
    REQUIRE(machine.exit_code == 0);
    CHECK(json::parse(machine.out)["ticket"] == "A001");
    CHECK(hall.hallctl({"queue", "not json"}).exit_code == 64);
    CHECK(hall.hallctl({"queue", R"({"op":"take","service":"NOPE"})"}).exit_code == 1);
    CHECK(hall.stop() == 0);
}

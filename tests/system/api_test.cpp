// The Local API through the real daemon: the hall and board snapshots, a ticket taken over
// HTTP and seen on the event stream without personal data, bad requests refused with the
// documented status, and the screens' files served.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/daemon/api/api_test_support.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using nlohmann::json;

namespace {

std::uint16_t api_port(const DaemonHarness& hall) {
    const auto status = json::parse(hall.hallctl({"--json", "status"}).out);
    REQUIRE(status["api"].is_object());
    return status["api"]["port"].get<std::uint16_t>();
}

}  // namespace

TEST_CASE("tickets are taken over the local API and streamed to the screens") {
    DaemonHarness hall;
    hk::test::write_file(hall.dir() / "hall.toml", hk::test::kAllDayHall);
    std::filesystem::create_directories(hall.dir() / "ui");
    hk::test::write_file(hall.dir() / "ui" / "index.html", "<!doctype html><title>hall</title>");
    hall.write_config("[node]\nid = \"api-node\"\n[queue]\nhall_file = \"" +
                      (hall.dir() / "hall.toml").string() +
                      "\"\n[api]\nenabled = true\nport = 0\nui_dir = \"ui\"\n");
    hall.start_ready();
    const auto port = api_port(hall);
    REQUIRE(hall.hallctl({"queue", R"({"op":"login","window":"1","officer":"1024"})"}).exit_code ==
            0);

    const auto before = hk::test::exchange(port, "GET", "/api/v1/board").json();
    hk::test::StreamClient stream(
        port, "/api/v1/stream?after=" + std::to_string(before["seq"].get<std::uint64_t>()));

    const auto taken =
        hk::test::exchange(port, "POST", "/api/v1/tickets",
                           R"({"service":"RE","channel":"phone","phone":"13812345678"})");
    REQUIRE(taken.status == 201);
    CHECK(taken.json()["ticket"] == "A001");
    CHECK(taken.json()["waiting_ahead"] == 0);

    const auto issued = stream.read();
    CHECK(issued["type"] == "queue.ticket_issued");
    CHECK(issued["seq"] == before["seq"].get<std::uint64_t>() + 1);
    CHECK(issued["payload"]["ticket"] == "A001");
    CHECK(issued["payload"]["service"] == "RE");
    CHECK_FALSE(issued["payload"].contains("phone_masked"));
    CHECK(issued.dump().find("5678") == std::string::npos);

    const auto services = hk::test::exchange(port, "GET", "/api/v1/hall").json()["services"];
    REQUIRE(services.size() == 1);
    CHECK(services[0]["open"] == true);
    CHECK(services[0]["waiting"] == 1);

    REQUIRE(hall.hallctl({"queue", R"({"op":"call_next","window":"1"})"}).exit_code == 0);
    const auto called = stream.read();
    CHECK(called["type"] == "queue.ticket_called");
    CHECK(called["payload"]["ticket"] == "A001");
    const auto board = hk::test::exchange(port, "GET", "/api/v1/board").json();
    REQUIRE_FALSE(board["calls"].empty());
    CHECK(board["calls"][0]["ticket"] == "A001");
    CHECK(board["calls"][0]["window"] == "1");

    // Refusals: the status and code of docs/api.md, and nothing taken.
    CHECK(hk::test::exchange(port, "POST", "/api/v1/tickets", R"({"service":)").status == 400);
    CHECK(hk::test::exchange(port, "POST", "/api/v1/tickets", R"({"service":"RE","x":1})")
              .error_code() == "bad_request");
    CHECK(hk::test::exchange(port, "POST", "/api/v1/tickets", R"({"service":"NOPE"})").status ==
          404);
    CHECK(hk::test::exchange(port, "POST", "/api/v1/tickets", "service=RE", "text/plain").status ==
          415);
    CHECK(hk::test::exchange(port, "POST", "/api/v1/evaluations", R"({"ticket":"A001","score":9})")
              .status == 400);
    CHECK(hk::test::exchange(port, "GET", "/api/v1/nothing").status == 404);
    const auto after = hk::test::exchange(port, "GET", "/api/v1/hall").json()["services"];
    CHECK(after[0]["waiting"] == 0);  // A001 was called; nothing else was taken

    // The screens' files.
    const auto page = hk::test::exchange(port, "GET", "/hall");
    CHECK(page.status == 200);
    CHECK(page.body.find("<title>hall</title>") != std::string::npos);
    CHECK(hall.stop() == 0);
}

TEST_CASE("the local API is off by default and a port in use stops the start") {
    DaemonHarness hall;
    hall.write_config("[node]\nid = \"api-node\"\n");
    hall.start_ready();
    CHECK(json::parse(hall.hallctl({"--json", "status"}).out)["api"].is_null());
    CHECK(hall.stop() == 0);

    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor taken(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    hall.write_config("[node]\nid = \"api-node\"\n[api]\nenabled = true\nport = " +
                      std::to_string(taken.local_endpoint().port()) + "\n");
    const auto refused =
        hk::test::run_hallkeeperd({"--config", hall.config_file().string(), "--state-dir",
                                   hall.state_dir().string(), "--socket", hall.socket().string()});
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("the local API cannot start: cannot listen on 127.0.0.1:") !=
          std::string::npos);
}

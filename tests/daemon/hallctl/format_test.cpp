// Tests of hallctl's rendering of daemon answers: durations, sizes, status and command lists,
// including answers that are malformed (they come from outside).
#include "daemon/hallctl/format.hpp"

#include <algorithm>
#include <limits>

#include <catch2/catch.hpp>

namespace {

using namespace hk::hallctl;
using nlohmann::json;

json full_status() {
    return json::parse(R"({
        "version": "0.1.0",
        "node": {"id": "demo-hall-ctl", "hall": "demo-hall", "role": "controller"},
        "pid": 4242,
        "started_at_ms": 1700000000000,
        "uptime_ms": 192000,
        "state_dir": "/var/lib/hallkeeper",
        "store": {"path": "/var/lib/hallkeeper/hallkeeper.db", "size_bytes": 98304,
                  "schema_version": 2},
        "previous_run": {"clean": true, "stopped_ms": 1699999990000},
        "config": {"source": "/etc/hallkeeper/hallkeeper.toml"}
    })");
}

}  // namespace

TEST_CASE("durations under a minute are shown in seconds, rounded down") {
    CHECK(format_duration(0) == "0s");
    CHECK(format_duration(999) == "0s");
    CHECK(format_duration(59'999) == "59s");
}

TEST_CASE("durations under an hour are shown in minutes and seconds") {
    CHECK(format_duration(60'000) == "1m 0s");
    CHECK(format_duration(192'000) == "3m 12s");
    CHECK(format_duration(3'599'999) == "59m 59s");
}

TEST_CASE("durations of hours and days are shown in their two largest units") {
    CHECK(format_duration(3'600'000) == "1h 0m");
    CHECK(format_duration(2 * 3'600'000 + 5 * 60'000 + 59'000) == "2h 5m");
    CHECK(format_duration(4 * 86'400'000ULL + 3 * 3'600'000ULL) == "4d 3h");
    CHECK(format_duration(std::numeric_limits<std::uint64_t>::max()) == "213503982334d 14h");
}

TEST_CASE("sizes under a KiB are shown in bytes") {
    CHECK(format_size(0) == "0 B");
    CHECK(format_size(1023) == "1023 B");
}

TEST_CASE("larger sizes are shown in binary units with one decimal") {
    CHECK(format_size(1024) == "1.0 KiB");
    CHECK(format_size(98'304) == "96.0 KiB");
    CHECK(format_size(1'572'864) == "1.5 MiB");
    CHECK(format_size(5ULL << 30U) == "5.0 GiB");
    CHECK(format_size(std::numeric_limits<std::uint64_t>::max()) == "16.0 EiB");
}

TEST_CASE("a size that rounds up to 1024 of a unit is shown in the next unit") {
    CHECK(format_size(1'048'575) == "1.0 MiB");
    CHECK(format_size(1'048'000) == "1023.4 KiB");
}

TEST_CASE("control characters are made harmless for the terminal") {
    CHECK(printable("ok\x1b[2Jgone\n\x7f") == "ok?[2Jgone??");
    CHECK(printable("h\u00e4ll") == "h\u00e4ll");
}

TEST_CASE("a complete status is rendered as a headline and aligned rows") {
    CHECK(render_status(full_status()) ==
          "hallkeeperd 0.1.0 \u2014 node demo-hall-ctl (controller) in hall demo-hall\n"
          "pid        4242\n"
          "uptime     3m 12s\n"
          "state      /var/lib/hallkeeper\n"
          "store      /var/lib/hallkeeper/hallkeeper.db, 96.0 KiB, schema 2\n"
          "last stop  clean\n"
          "config     /etc/hallkeeper/hallkeeper.toml\n");
}

TEST_CASE("a first run and an unclean last stop are told apart") {
    auto status = full_status();
    status["previous_run"] = nullptr;
    CHECK_THAT(render_status(status), Catch::Contains("last stop  none (first run)\n"));
    status["previous_run"] = {{"clean", false}, {"stopped_ms", 1}};
    CHECK_THAT(render_status(status), Catch::Contains("last stop  unclean (crashed or killed)\n"));
}

TEST_CASE("missing or mistyped status fields are shown as question marks") {
    auto status = full_status();
    status.erase("node");
    status["pid"] = -1;
    status["uptime_ms"] = "long";
    status["store"] = {{"path", 7}};
    status["previous_run"] = {{"clean", "yes"}};
    status.erase("config");
    CHECK(render_status(status) ==
          "hallkeeperd 0.1.0\n"
          "pid        ?\n"
          "uptime     ?\n"
          "state      /var/lib/hallkeeper\n"
          "store      ?\n"
          "last stop  ?\n");
}

TEST_CASE("a status that is not an object at all is rendered without failing") {
    for (const auto& junk : {json(nullptr), json(3), json::array({1, 2}), json("status")}) {
        CHECK_THAT(render_status(junk), Catch::StartsWith("hallkeeperd ?\npid        ?\n"));
    }
}

TEST_CASE("terminal escapes in status strings are neutralised") {
    auto status = full_status();
    status["node"]["id"] = "evil\x1b]0;pwned\x07";
    CHECK_THAT(render_status(status), Catch::Contains("node evil?]0;pwned? (controller)"));
}

TEST_CASE("the command list aligns summaries after the longest name") {
    const auto help = json::parse(R"({"commands":[
        {"name":"events.list","summary":"Recent events"},
        {"name":"help","summary":"List the commands"}]})");
    CHECK(render_command_list(help) ==
          "events.list  Recent events\n"
          "help         List the commands\n");
}

TEST_CASE("a malformed command list is rendered without failing") {
    CHECK(render_command_list(json::object()) == "no commands\n");
    CHECK(render_command_list(json{{"commands", {1, "x", {{"summary", "no name"}}}}}) ==
          "no commands\n");
    CHECK(render_command_list(json{{"commands", {{{"name", "a"}}}}}) == "a  ?\n");
}

TEST_CASE("render_events prints one line per event with its sequence, type and payload") {
    const auto result = nlohmann::json::parse(R"({"events":[
        {"node":"n","seq":1,"at_ms":0,"type":"node.started","payload":{"run":1}},
        {"node":"n","seq":2,"at_ms":0,"type":"maintenance.note","payload":{"text":"换了打印纸"}}]})");
    const auto text = hk::hallctl::render_events(result);
    CHECK(std::count(text.begin(), text.end(), '\n') == 2);
    CHECK_THAT(text, Catch::Contains("node.started"));
    CHECK_THAT(text, Catch::Contains("换了打印纸"));
}

TEST_CASE("render_events survives malformed results") {
    using nlohmann::json;
    CHECK(hk::hallctl::render_events(json::object()) == "no events\n");
    CHECK(hk::hallctl::render_events(json{{"events", 5}}) == "no events\n");
    const auto text = hk::hallctl::render_events(json{{"events", {json{{"seq", "x"}}, 7}}});
    CHECK(std::count(text.begin(), text.end(), '\n') == 2);
}

TEST_CASE("render_note names the event the note became") {
    CHECK(hk::hallctl::render_note(nlohmann::json{{"seq", 42}}) == "note recorded as event 42\n");
    CHECK(hk::hallctl::render_note(nlohmann::json::array()) == "note recorded\n");
}

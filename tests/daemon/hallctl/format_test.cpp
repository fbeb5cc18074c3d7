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

// ---------------------------------------------------------------------------------------------
// explain, stats and alerts.

namespace {

// 2026-01-05 08:30 in China (+08:00).
constexpr std::int64_t kMonday0830 = 1'767'573'000'000;
constexpr std::int64_t kMinuteMs = 60'000;

json called_ticket() {
    return json{{"ticket", "A001"},
                {"service", "SOC"},
                {"class", "normal"},
                {"channel", "idcard"},
                {"state", "serving"},
                {"window", "5"},
                {"issued_at_ms", kMonday0830},
                {"called_at_ms", kMonday0830 + 13 * kMinuteMs},
                {"serving_at_ms", kMonday0830 + 14 * kMinuteMs},
                {"recalls", 0},
                {"no_shows", 1},
                {"utc_offset_minutes", 480},
                {"calls",
                 {{{"at_ms", kMonday0830 + 10 * kMinuteMs},
                   {"window", "2"},
                   {"actor", "window:2/officer:1002"},
                   {"specific", false},
                   {"strategy", "counted_ratio"},
                   {"rule", "按比例 (ratio 2:1)"},
                   {"beaten", {"A002", "B001"}}},
                  {{"at_ms", kMonday0830 + 13 * kMinuteMs},
                   {"window", "5"},
                   {"actor", "hallctl"},
                   {"specific", true},
                   {"reason", "老人行动不便"},
                   {"rule", "选呼 (called by number, with a reason)"}}}}};
}

}  // namespace

TEST_CASE("hall times are shown at the hall's offset, not the machine's time zone") {
    CHECK(format_hall_time(kMonday0830, 480) == "2026-01-05 08:30:00");
    CHECK(format_hall_time(kMonday0830 + 59'999, 480) == "2026-01-05 08:30:59");
    CHECK(format_hall_time(0, -300) == "1969-12-31 19:00:00");
}

TEST_CASE("statistics times are minutes and seconds, with hours when they reach one") {
    CHECK(format_minutes(0) == "0:00");
    CHECK(format_minutes(65'999) == "1:05");
    CHECK(format_minutes(3'599'999) == "59:59");
    CHECK(format_minutes(3'600'000) == "1:00:00");
    CHECK(format_minutes(3'723'000) == "1:02:03");
}

TEST_CASE("explain shows the ticket, its times and every call with why it was made") {
    CHECK(render_explain(called_ticket()) ==
          "ticket     A001\n"
          "service    SOC\n"
          "class      normal\n"
          "channel    idcard\n"
          "state      serving, window 5\n"
          "issued     2026-01-05 08:30:00\n"
          "called     2026-01-05 08:43:00\n"
          "serving    2026-01-05 08:44:00\n"
          "no-shows   1\n"
          "calls      2\n"
          "  1  2026-01-05 08:40:00  window 2  strategy counted_ratio\n"
          "     rule   按比例 (ratio 2:1)\n"
          "     beat   A002, B001\n"
          "     by     window:2/officer:1002\n"
          "  2  2026-01-05 08:43:00  window 5  chosen by the officer (选呼/回呼)\n"
          "     reason 老人行动不便\n"
          "     rule   选呼 (called by number, with a reason)\n"
          "     by     hallctl\n");
}

TEST_CASE("explain says so when a ticket has not been called, and how many are ahead") {
    const json waiting{{"ticket", "A003"},
                       {"service", "SOC"},
                       {"class", "green"},
                       {"channel", "walkin"},
                       {"state", "waiting"},
                       {"waiting_ahead", 1},
                       {"issued_at_ms", kMonday0830},
                       {"utc_offset_minutes", 480},
                       {"recalls", 0},
                       {"no_shows", 0},
                       {"calls", json::array()}};
    CHECK(render_explain(waiting) ==
          "ticket     A003\n"
          "service    SOC\n"
          "class      green\n"
          "channel    walkin\n"
          "state      waiting\n"
          "ahead      1 ticket\n"
          "issued     2026-01-05 08:30:00\n"
          "calls      none: not called yet (尚未叫号)\n");
}

TEST_CASE("a call that beat nobody says so") {
    auto ticket = called_ticket();
    ticket["calls"][0]["beaten"] = json::array();
    CHECK_THAT(render_explain(ticket),
               Catch::Contains("     beat   nobody: no other ticket was eligible\n"));
}

TEST_CASE("a malformed explain answer is rendered with question marks, escapes neutralised") {
    CHECK(render_explain(json::object()) ==
          "ticket     ?\nservice    ?\nclass      ?\nchannel    ?\nstate      ?\ncalls      ?\n");
    auto ticket = called_ticket();
    ticket["calls"][1]["reason"] = "evil\x1b[2J";
    ticket["calls"][0]["beaten"] = {7};
    ticket["calls"][0]["at_ms"] = "soon";
    const auto text = render_explain(ticket);
    CHECK_THAT(text, Catch::Contains("     reason evil?[2J\n"));
    CHECK_THAT(text, Catch::Contains("     beat   ?\n"));
    CHECK_THAT(text, Catch::Contains("  1  ?  window 2"));
}

TEST_CASE("statistics are a table with a row per group and the total") {
    const json report = json::parse(R"({"day":"2026-01-05","by":"window","total":{
        "issued":12,"served":9,"no_shows":1,"abandoned":1,"closed":0,"open":1,
        "wait_ms":{"count":11,"mean":245000,"median":180000,"p90":722000,"max":3725000},
        "service_ms":{"count":9,"mean":600000,"median":540000,"p90":900000,"max":1200000},
        "evaluations":{"count":5,"scores":[1,0,0,2,2],"satisfaction":0.8}},
      "groups":[{"key":"2","issued":9,"served":9,"no_shows":0,"abandoned":0,"closed":0,"open":0,
        "wait_ms":{"count":9,"mean":245000,"median":180000,"p90":722000,"max":3725000},
        "service_ms":{"count":9,"mean":600000,"median":540000,"p90":900000,"max":1200000},
        "evaluations":{"count":5,"scores":[1,0,0,2,2],"satisfaction":0.8}},
        {"key":null,"issued":3,"served":0,"no_shows":1,"abandoned":1,"closed":0,"open":1,
        "wait_ms":{"count":0,"mean":null,"median":null,"p90":null,"max":null},
        "service_ms":{"count":0,"mean":null,"median":null,"p90":null,"max":null},
        "evaluations":{"count":0,"scores":[0,0,0,0,0],"satisfaction":null}}]})");
    CHECK(render_stats(report) ==
          "2026-01-05, by window; times in minutes:seconds\n"
          "        tickets                                      wait                      "
          "    service time                 evaluations\n"
          "window  issued  served  no-show  left  closed  open  mean  median    p90     "
          " max   mean  median    p90    max  rated  1  2  3  4  5  4-5\n"
          "2            9       9        0     0       0     0  4:05    3:00  12:02 "
          " 1:02:05  10:00    9:00  15:00  20:00      5  1  0  0  2  2  80%\n"
          "(none)       3       0        1     1       0     1     -       -      -       "
          " -      -       -      -      -      0  0  0  0  0  0    -\n"
          "total       12       9        1     1       0     1  4:05    3:00  12:02 "
          " 1:02:05  10:00    9:00  15:00  20:00      5  1  0  0  2  2  80%\n");
}

TEST_CASE("statistics of a whole day are one total row") {
    const auto text = render_stats(json{{"day", "2026-01-05"}, {"by", "day"}, {"total", {}}});
    CHECK_THAT(text, Catch::StartsWith("2026-01-05, whole day; times in minutes:seconds\n"));
    CHECK_THAT(text, Catch::Contains("\nday    issued"));
    CHECK_THAT(text,
               Catch::EndsWith("\ntotal       ?       ?        ?     ?       ?     ?     -       -"
                               "    -    -     -       -    -    -      ?  ?  ?  ?  ?  ?    -\n"));
}

TEST_CASE("alerts are listed one a line with their thresholds") {
    const json answer{
        {"alerts",
         {{{"kind", "max_wait"}, {"subject", "SOC"}, {"message", "SOC 最久等候 (SOC: waited)"}},
          {{"kind", "idle_window"}, {"subject", "2"}, {"message", "2号窗口空闲 (window 2 idle)"}}}},
        {"thresholds",
         {{"max_wait_minutes", 30}, {"max_queue_length", 0}, {"idle_window_minutes", 5}}}};
    CHECK(render_alerts(answer) ==
          "max_wait      SOC 最久等候 (SOC: waited)\n"
          "idle_window   2号窗口空闲 (window 2 idle)\n"
          "limits: wait 30 min, queue length off, idle window 5 min\n");
}

TEST_CASE("no alerts is said in words") {
    CHECK(render_alerts(json{{"alerts", json::array()}}) == "no alerts\n");
    CHECK(render_alerts(json::array()) == "no alerts\n");
}

TEST_CASE("the status counts the queue's alerts when the daemon sends them") {
    auto status = full_status();
    status["queue"] = {{"alerts", json::array()}};
    CHECK_THAT(render_status(status), Catch::EndsWith("alerts     none\n"));
    status["queue"]["alerts"] = {json::object(), json::object()};
    CHECK_THAT(render_status(status), Catch::EndsWith("alerts     2 (hallctl alerts)\n"));
}

// `hallctl replay`: scripts run on the demo hall in simulated time, the clock rules, malformed
// input, determinism, and the real binary's exit codes.
#include "daemon/hallctl/replay.hpp"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/config/hall_file.hpp"
#include "daemon/hallctl/commands.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using hk::hallctl::ReplayClock;
using hk::hallctl::ReplayOptions;
using nlohmann::json;

constexpr int kChinaOffset = 480;

ReplayClock monday_0800() {
    return {*hk::hallctl::parse_local_time("2026-01-05T08:00", kChinaOffset), kChinaOffset};
}

std::string replay_text(const std::string& script, ReplayClock clock = monday_0800()) {
    std::istringstream in(script);
    std::ostringstream out;
    static_cast<void>(hk::hallctl::replay(hk::config::demo_hall(), clock, in, out));
    return out.str();
}

// The answers of a script, one per output line.
std::vector<json> replay_answers(const std::string& script, ReplayClock clock = monday_0800()) {
    std::istringstream lines(replay_text(script, clock));
    std::vector<json> answers;
    for (std::string line; std::getline(lines, line);) {
        answers.push_back(json::parse(line));
    }
    return answers;
}

// The answer to script line `line`.
json answer_to(const std::vector<json>& answers, int line) {
    for (const auto& answer : answers) {
        if (answer.at("line") == line) {
            return answer;
        }
    }
    FAIL("no answer to line " << line);
    return {};
}

// A call's answer without its explanation sentence, which is for people and may be reworded.
json without_rule(json answer) {
    CHECK_FALSE(answer.at("rule").get<std::string>().empty());
    answer.erase("rule");
    return answer;
}

// A morning at the demo hall (packaging/demo-hall.toml): windows 1 (service_weight: GEN ×3,
// SOC, MED), 2 (counted_ratio 2:1: SOC, MED), 3 (appointment_slot: RE), 4 (class_priority:
// HH, GEN), 5 (longest_wait: SOC, MED, HH). Tickets are issued from 08:30. The appointment's
// slot is 09:00-09:30 on 2026-01-05 (+08:00).
const std::string kMorning = R"({"op":"login","window":"1","officer":"1001"}
{"op":"login","window":"2","officer":"1002"}
{"op":"login","window":"3","officer":"1003"}
{"op":"login","window":"4","officer":"1004"}
{"op":"take","service":"SOC"}
{"at":"08:30","op":"take","service":"SOC"}
{"at":"08:31","op":"take","service":"SOC","class":"green","channel":"idcard","identity_hash":"h-grandma"}
{"at":"08:32","op":"take","service":"MED"}
{"op":"take","service":"SOC","channel":"idcard","identity_hash":"h-grandma"}
{"at":"08:33","op":"take","service":"SOC"}
{"op":"take","service":"HH","class":"vip"}
{"op":"take","service":"HH"}
{"at":"08:34","op":"take","service":"HH","class":"green"}
{"op":"take","service":"GEN"}
{"op":"take","service":"RE"}
{"op":"book","id":"apt-1","service":"RE","slot_start_ms":1767574800000,"slot_end_ms":1767576600000,"identity_hash":"h-apt","code":"739251","source":"wechat"}
{"at":"08:40","op":"call_next","window":"2"}
{"op":"call_next","window":"4"}
{"op":"call_next","window":"1"}
{"op":"recall","window":"2"}
{"op":"recall","window":"2"}
{"op":"recall","window":"2"}
{"op":"recall","window":"2"}
{"at":"08:42","op":"no_show","window":"2"}
{"op":"call_next","window":"2"}
{"op":"start","window":"2"}
{"op":"check_in","code":"739251"}
{"at":"08:50","op":"call_next","window":"3"}
{"op":"start","window":"3"}
{"op":"start","window":"4"}
{"op":"transfer","window":"4","to_service":"GEN","to_window":"1","to_front":true}
{"op":"hold","window":"1"}
{"op":"call_next","window":"1"}
{"at":"08:55","op":"finish","window":"2"}
{"op":"evaluate","number":"B001","score":2}
{"op":"evaluate","number":"B001","score":5}
{"op":"finish","window":"1"}
{"op":"call_back","window":"1","number":"E001"}
{"op":"pause","window":"2","message":"系统维护，请稍候"}
{"op":"pause","window":"2","message":"again"}
{"op":"resume","window":"2"}
{"op":"call_next","window":"2"}
{"op":"login","window":"5","officer":"1005"}
{"op":"call_specific","window":"5","number":"D002"}
{"op":"call_specific","window":"5","number":"D002","reason":"老人行动不便"}
{"op":"logout","window":"5"}
{"op":"abandon","number":"C001"}
{"op":"advance_clock","minutes":30}
{"op":"advance_clock","to":"08:00"}
{"op":"rollover"}
{"at":"08:30","op":"take","service":"SOC"}
)";

}  // namespace

TEST_CASE("a morning at the demo hall, answered line by line") {
    const auto answers = replay_answers(kMorning);
    REQUIRE(answers.size() == 51);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        CHECK(answers[i].at("line") == i + 1);
    }
    // Logins at the start time; tickets are issued from 08:30 only.
    CHECK(answer_to(answers, 1) ==
          json{{"line", 1}, {"at", "2026-01-05T08:00"}, {"ok", true}, {"op", "login"}});
    CHECK(answer_to(answers, 5) ==
          json{{"line", 5},
               {"at", "2026-01-05T08:00"},
               {"ok", false},
               {"op", "take"},
               {"error", "service_closed"},
               {"message",
                "service 'SOC' is not open now (no staffed window, or outside issuing "
                "hours)"}});
    CHECK(answer_to(answers, 6) == json{{"line", 6},
                                        {"at", "2026-01-05T08:30"},
                                        {"ok", true},
                                        {"op", "take"},
                                        {"ticket", "A001"},
                                        {"service", "SOC"},
                                        {"waiting_ahead", 0},
                                        {"estimated_wait_s", 0}});
    // One ahead, but windows 1 and 2 serve SOC and both are free.
    CHECK(answer_to(answers, 7) == json{{"line", 7},
                                        {"at", "2026-01-05T08:31"},
                                        {"ok", true},
                                        {"op", "take"},
                                        {"ticket", "A002"},
                                        {"service", "SOC"},
                                        {"waiting_ahead", 1},
                                        {"estimated_wait_s", 0}});
    CHECK(answer_to(answers, 9).at("error") == "duplicate_ticket");
    CHECK(answer_to(answers, 13).at("ticket") == "D003");
    CHECK(answer_to(answers, 15).at("ticket") == "C001");
    CHECK(answer_to(answers, 16) ==
          json{{"line", 16}, {"at", "2026-01-05T08:34"}, {"ok", true}, {"op", "book"}});

    // Three windows, three strategies.
    CHECK(without_rule(answer_to(answers, 17)) == json{{"line", 17},
                                                       {"at", "2026-01-05T08:40"},
                                                       {"ok", true},
                                                       {"op", "call_next"},
                                                       {"ticket", "A001"},
                                                       {"window", "2"},
                                                       {"strategy", "counted_ratio"},
                                                       {"beaten", {"A002", "B001", "A003"}}});
    CHECK(without_rule(answer_to(answers, 18)) == json{{"line", 18},
                                                       {"at", "2026-01-05T08:40"},
                                                       {"ok", true},
                                                       {"op", "call_next"},
                                                       {"ticket", "D003"},
                                                       {"window", "4"},
                                                       {"strategy", "class_priority"},
                                                       {"beaten", {"D001", "D002", "E001"}}});
    // GEN's weight 3 × 7 minutes beats SOC's 1 × 10 and MED's 1 × 9.
    CHECK(without_rule(answer_to(answers, 19)) == json{{"line", 19},
                                                       {"at", "2026-01-05T08:40"},
                                                       {"ok", true},
                                                       {"op", "call_next"},
                                                       {"ticket", "E001"},
                                                       {"window", "1"},
                                                       {"strategy", "service_weight"},
                                                       {"beaten", {"A002", "B001"}}});

    // Three recalls, then the cap.
    for (int line = 20; line <= 22; ++line) {
        CHECK(answer_to(answers, line).at("ok") == true);
    }
    CHECK(answer_to(answers, 23).at("error") == "recall_limit");
    // The no-show goes to the back (fewer than three wait behind it) and is called last.
    CHECK(answer_to(answers, 24) == json{{"line", 24},
                                         {"at", "2026-01-05T08:42"},
                                         {"ok", true},
                                         {"op", "no_show"},
                                         {"ticket", "A001"},
                                         {"abandoned", false}});
    CHECK(without_rule(answer_to(answers, 25)).at("beaten") == json{"A002", "A003", "A001"});
    CHECK(answer_to(answers, 25).at("ticket") == "B001");

    // The appointment checked in at 08:42 is called at 08:50 (ten minutes before its slot),
    // ahead of the earlier walk-in C001.
    CHECK(answer_to(answers, 27) == json{{"line", 27},
                                         {"at", "2026-01-05T08:42"},
                                         {"ok", true},
                                         {"op", "check_in"},
                                         {"ticket", "C002"},
                                         {"service", "RE"},
                                         {"waiting_ahead", 1},
                                         {"estimated_wait_s", 480}});
    CHECK(without_rule(answer_to(answers, 28)) == json{{"line", 28},
                                                       {"at", "2026-01-05T08:50"},
                                                       {"ok", true},
                                                       {"op", "call_next"},
                                                       {"ticket", "C002"},
                                                       {"window", "3"},
                                                       {"strategy", "appointment_slot"},
                                                       {"beaten", {"C001"}}});

    // D003 is transferred to window 1, which holds E001 and calls SOC's A002 (GEN's D003 has
    // waited a minute × 3, A002 twenty minutes × 1).
    CHECK(answer_to(answers, 31).at("ok") == true);
    CHECK(answer_to(answers, 32).at("ok") == true);
    CHECK(answer_to(answers, 33).at("ticket") == "A002");
    CHECK(answer_to(answers, 33).at("beaten") == json{"D003"});

    // B001 served from 08:42 to 08:55; A002 finished straight from its call at 08:50.
    CHECK(answer_to(answers, 34) == json{{"line", 34},
                                         {"at", "2026-01-05T08:55"},
                                         {"ok", true},
                                         {"op", "finish"},
                                         {"ticket", "B001"},
                                         {"service_s", 780}});
    CHECK(answer_to(answers, 35).at("error") == "reason_required");
    CHECK(answer_to(answers, 36).at("ok") == true);
    CHECK(answer_to(answers, 37).at("service_s") == 300);
    CHECK(answer_to(answers, 38).at("ticket") == "E001");
    CHECK(answer_to(answers, 38).at("window") == "1");

    // Pause and resume; with two normal tickets called and no priority one waiting, the
    // counted_ratio window goes on with normal tickets.
    CHECK(answer_to(answers, 39).at("ok") == true);
    CHECK(answer_to(answers, 40).at("error") == "window_not_open");
    CHECK(answer_to(answers, 41).at("ok") == true);
    CHECK(answer_to(answers, 42).at("ticket") == "A003");
    CHECK(answer_to(answers, 42).at("beaten") == json{"A001"});

    CHECK(answer_to(answers, 44).at("error") == "reason_required");
    CHECK(answer_to(answers, 45).at("ticket") == "D002");
    CHECK(answer_to(answers, 45).at("window") == "5");
    CHECK(answer_to(answers, 46).at("error") == "window_busy");
    CHECK(answer_to(answers, 47).at("ok") == true);

    // Past midnight: rollover closes the seven unfinished tickets and numbering restarts.
    CHECK(answer_to(answers, 48) == json{{"line", 48},
                                         {"at", "2026-01-05T09:25"},
                                         {"from", "2026-01-05T08:55"},
                                         {"ok", true},
                                         {"op", "advance_clock"}});
    CHECK(answer_to(answers, 49).at("at") == "2026-01-06T08:00");
    CHECK(answer_to(answers, 50) == json{{"line", 50},
                                         {"at", "2026-01-06T08:00"},
                                         {"ok", true},
                                         {"op", "rollover"},
                                         {"closed", 7}});
    CHECK(answer_to(answers, 51).at("ticket") == "A001");
    CHECK(answer_to(answers, 51).at("at") == "2026-01-06T08:30");
}

TEST_CASE("the first operation of a new day rolls the day over by itself") {
    const auto answers = replay_answers(R"({"op":"login","window":"2","officer":"1002"}
{"at":"08:30","op":"take","service":"SOC"}
{"at":"2026-01-06T08:30","op":"take","service":"SOC"}
{"op":"rollover"}
)");
    REQUIRE(answers.size() == 4);
    CHECK(answers[1].at("ticket") == "A001");
    CHECK(answers[2].at("ticket") == "A001");
    CHECK(answers[2].at("closed") == 1);
    CHECK(answers[3] ==
          json{{"line", 4}, {"at", "2026-01-06T08:30"}, {"ok", true}, {"op", "rollover"}});
}

TEST_CASE("'at' sets the clock forward only") {
    const auto answers = replay_answers(R"({"at":"09:15","op":"rollover"}
{"at":"09:15","op":"rollover"}
{"at":"09:00","op":"rollover"}
{"at":"2026-01-05T08:59","op":"rollover"}
{"at":"2026-01-07T10:00","op":"rollover"}
{"at":"11:30","op":"rollover"}
{"at":"9:30","op":"rollover"}
{"at":"24:00","op":"rollover"}
{"at":"2026-02-30T08:00","op":"rollover"}
{"at":930,"op":"rollover"}
{"at":null,"op":"rollover"}
)");
    REQUIRE(answers.size() == 11);
    CHECK(answers[0].at("at") == "2026-01-05T09:15");
    CHECK(answers[1].at("ok") == true);  // the same time is not going back
    CHECK(answers[2] == json{{"line", 3},
                             {"at", "2026-01-05T09:15"},
                             {"ok", false},
                             {"op", "rollover"},
                             {"error", "bad_request"},
                             {"message",
                              "'at' 2026-01-05T09:00 is before the clock "
                              "(2026-01-05T09:15); the clock never goes back"}});
    CHECK(answers[3].at("error") == "bad_request");
    CHECK(answers[4].at("at") == "2026-01-07T10:00");
    CHECK(answers[5].at("at") == "2026-01-07T11:30");  // HH:MM is on the clock's current day
    for (std::size_t i = 6; i < 10; ++i) {
        CHECK(answers[i].at("message") == "'at' must be HH:MM or YYYY-MM-DDTHH:MM");
        CHECK(answers[i].at("at") == "2026-01-07T11:30");
    }
    CHECK(answers[10].at("ok") == true);
}

TEST_CASE("advance_clock moves by minutes or to the next time of day") {
    const auto answers = replay_answers(R"({"op":"advance_clock","minutes":1}
{"op":"advance_clock","minutes":10080}
{"op":"advance_clock","to":"17:30"}
{"op":"advance_clock","to":"17:30"}
{"op":"advance_clock","to":"00:00"}
{"at":"06:00","op":"advance_clock","minutes":90}
{"op":"advance_clock","minutes":0}
{"op":"advance_clock","minutes":10081}
{"op":"advance_clock","minutes":1.5}
{"op":"advance_clock","to":"7:30"}
{"op":"advance_clock"}
{"op":"advance_clock","minutes":5,"to":"10:00"}
{"at":"07:00","op":"advance_clock","minutes":5}
)");
    REQUIRE(answers.size() == 13);
    CHECK(answers[0] == json{{"line", 1},
                             {"at", "2026-01-05T08:01"},
                             {"from", "2026-01-05T08:00"},
                             {"ok", true},
                             {"op", "advance_clock"}});
    CHECK(answers[1].at("at") == "2026-01-12T08:01");
    CHECK(answers[2].at("at") == "2026-01-12T17:30");
    CHECK(answers[3].at("at") == "2026-01-13T17:30");  // always forward: the next 17:30
    CHECK(answers[4].at("at") == "2026-01-14T00:00");
    CHECK(answers[5].at("at") == "2026-01-14T07:30");  // "at" first, then the advance
    CHECK(answers[6].at("message") == "'minutes' must be an integer from 1 to 10080");
    CHECK(answers[7].at("message") == "'minutes' must be an integer from 1 to 10080");
    CHECK(answers[8].at("message") == "'minutes' must be an integer from 1 to 10080");
    CHECK(answers[9].at("message") == "'to' must be HH:MM");
    CHECK(answers[10].at("message") == "advance_clock needs either 'minutes' or 'to'");
    CHECK(answers[11].at("message") == "advance_clock needs either 'minutes' or 'to'");
    CHECK(answers[12].at("error") == "bad_request");
    for (std::size_t i = 6; i < answers.size(); ++i) {
        CHECK(answers[i].at("ok") == false);
        CHECK(answers[i].at("op") == "advance_clock");
        CHECK(answers[i].at("at") == "2026-01-14T07:30");
        CHECK_FALSE(answers[i].contains("from"));
    }
}

TEST_CASE("the clock stops at the end of year 9999") {
    const auto start = *hk::hallctl::parse_local_time("9999-12-31T23:00", kChinaOffset);
    const auto answers = replay_answers(R"({"op":"advance_clock","minutes":59}
{"op":"advance_clock","minutes":1}
{"op":"advance_clock","to":"00:00"}
)",
                                        {start, kChinaOffset});
    REQUIRE(answers.size() == 3);
    CHECK(answers[0].at("at") == "9999-12-31T23:59");
    CHECK(answers[1].at("message") == "advance_clock would move the clock past 9999-12-31T23:59");
    CHECK(answers[2].at("ok") == false);
}

TEST_CASE("malformed lines are answered bad_request and replay goes on") {
    const std::string long_line =
        R"({"op":"take","service":")" + std::string(hk::hallctl::kMaxScriptLineBytes, 'x') + "\"}";
    const auto answers = replay_answers(
        "\xEF\xBB\xBF{\"op\":\"rollover\"}\r\n"
        "\n"
        "  \t \n"
        "{\"op\":\n"
        "[1,2]\n"
        "\"take\"\n" +
        long_line + "\n" +
        "{\"op\":\"take\",\"service\":\"\xFF\"}\n"
        "{\"op\":\"fly\"}\n"
        "{\"op\":\"take\"}\n"
        "{\"op\":\"rollover\"}");  // no final newline
    REQUIRE(answers.size() == 9);
    CHECK(answers[0] ==
          json{{"line", 1}, {"at", "2026-01-05T08:00"}, {"ok", true}, {"op", "rollover"}});
    CHECK(answers[1].at("line") == 4);  // blank lines are counted but not answered
    CHECK(answers[1].at("error") == "bad_request");
    CHECK(answers[1].at("message").get<std::string>().starts_with("line is not valid JSON: "));
    CHECK(answers[2] == json{{"line", 5},
                             {"at", "2026-01-05T08:00"},
                             {"ok", false},
                             {"error", "bad_request"},
                             {"message", "line is not a JSON object"}});
    CHECK(answers[3].at("message") == "line is not a JSON object");
    CHECK(answers[4] == json{{"line", 7},
                             {"at", "2026-01-05T08:00"},
                             {"ok", false},
                             {"error", "bad_request"},
                             {"message", "line is longer than 65536 bytes"}});
    CHECK(answers[5].at("message").get<std::string>().starts_with("line is not valid JSON: "));
    CHECK(answers[6].at("message") == "unknown op 'fly'");
    CHECK(answers[7].at("message") == "'service' is required");
    CHECK(answers[8].at("line") == 11);
    CHECK(answers[8].at("ok") == true);
}

TEST_CASE("a line of exactly the limit is parsed") {
    auto line = std::string(R"({"op":"rollover","pad":")");
    line += std::string(hk::hallctl::kMaxScriptLineBytes - line.size() - 2, 'x') + "\"}";
    REQUIRE(line.size() == hk::hallctl::kMaxScriptLineBytes);
    const auto answers = replay_answers(line + "\r\n");
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].at("ok") == true);
}

TEST_CASE("the same script gives the same answers") {
    const auto first = replay_text(kMorning);
    CHECK(first == replay_text(kMorning));
    CHECK(std::count(first.begin(), first.end(), '\n') == 51);
}

TEST_CASE("clock options: UTC offsets and local times") {
    using hk::hallctl::format_local_time;
    using hk::hallctl::parse_local_time;
    using hk::hallctl::parse_utc_offset;
    CHECK(parse_utc_offset("+08:00") == 480);
    CHECK(parse_utc_offset("-05:30") == -330);
    CHECK(parse_utc_offset("+14:00") == 840);
    CHECK_FALSE(parse_utc_offset("+14:01"));
    CHECK_FALSE(parse_utc_offset("08:00"));
    CHECK_FALSE(parse_utc_offset("+8:00"));
    CHECK_FALSE(parse_utc_offset("+08:60"));
    CHECK_FALSE(parse_utc_offset(""));

    // 2026-01-05T08:00 at +08:00 is 00:00 UTC.
    CHECK(parse_local_time("2026-01-05T08:00", 480) == 1'767'571'200'000);
    CHECK(parse_local_time("2026-01-05T08:00", -300) == 1'767'618'000'000);
    CHECK(format_local_time(1'767'571'200'000, 480) == "2026-01-05T08:00");
    CHECK(format_local_time(1'767'571'200'000, -300) == "2026-01-04T19:00");
    CHECK(format_local_time(*parse_local_time("2028-02-29T23:59", 345), 345) == "2028-02-29T23:59");
    CHECK_FALSE(parse_local_time("2026-02-29T08:00", 480));
    CHECK_FALSE(parse_local_time("2026-01-05 08:00", 480));
    CHECK_FALSE(parse_local_time("2026-01-05T24:00", 480));
    CHECK_FALSE(parse_local_time("1999-12-31T08:00", 480));
    CHECK_FALSE(parse_local_time("2026-1-5T08:00", 480));
}

TEST_CASE("run_replay checks its options, the hall file and the script") {
    hk::test::TempDir dir("hk-replay");
    std::istringstream no_input;
    std::ostringstream out;
    std::ostringstream err;

    ReplayOptions options;
    options.script = "-";
    std::istringstream script(R"({"op":"login","window":"3","officer":"7"})");
    CHECK(hk::hallctl::run_replay(options, script, out, err) == hk::hallctl::kExitOk);
    CHECK(out.str() == R"({"at":"2026-01-05T08:00","line":1,"ok":true,"op":"login"})"
                       "\n");

    options.start = "2026-01-05T8:00";
    CHECK(hk::hallctl::run_replay(options, no_input, out, err) == hk::hallctl::kExitUsage);
    options.start = "2026-01-05T08:00";
    options.utc_offset = "UTC";
    CHECK(hk::hallctl::run_replay(options, no_input, out, err) == hk::hallctl::kExitUsage);
    options.utc_offset = "+08:00";

    options.script = (dir / "missing.jsonl").string();
    err.str("");
    CHECK(hk::hallctl::run_replay(options, no_input, out, err) == hk::hallctl::kExitNoInput);
    CHECK(err.str().starts_with("hallctl: cannot open the script "));
    options.script = dir.path().string();
    CHECK(hk::hallctl::run_replay(options, no_input, out, err) == hk::hallctl::kExitNoInput);

    hk::test::write_file(dir / "hall.toml", "[rules]\nmax_recalls = \"three\"\n");
    options.config = dir / "hall.toml";
    options.script = "-";
    err.str("");
    CHECK(hk::hallctl::run_replay(options, no_input, out, err) == hk::hallctl::kExitConfig);
    // Every problem, one a line.
    const auto errors = err.str();
    CHECK(std::count(errors.begin(), errors.end(), '\n') >= 2);
    CHECK(errors.find("rules.max_recalls") != std::string::npos);
}

// docs/queue-replay.md shows the example script's real output; this keeps it real.
TEST_CASE("the documented example replays as documented") {
    const auto script = hk::test::read_file(HK_DOCS_DIR "/examples/morning.jsonl");
    const auto answers = replay_answers(script);
    REQUIRE(answers.size() == 30);
    std::vector<int> refused;
    for (const auto& answer : answers) {
        if (answer.at("ok") == false) {
            refused.push_back(answer.at("line").get<int>());
        }
    }
    CHECK(refused == std::vector<int>{5, 9});  // too early, and a second ticket for one ID
    CHECK(answer_to(answers, 30).at("closed") == 5);

    const auto doc = hk::test::read_file(HK_DOCS_DIR "/queue-replay.md");
    std::istringstream output(replay_text(script));
    for (std::string line; std::getline(output, line);) {
        INFO("regenerate the example output in docs/queue-replay.md: " << line);
        CHECK(doc.find("    " + line + "\n") != std::string::npos);
    }
}

TEST_CASE("the hallctl binary replays without a daemon") {
    hk::test::TempDir dir("hk-replay");
    hk::test::write_file(dir / "morning.jsonl", kMorning);
    const auto ok = hk::test::run_command({HK_HALLCTL_PATH, "--socket", (dir / "no.sock").string(),
                                           "replay", "--script", (dir / "morning.jsonl").string(),
                                           "--start", "2026-01-05T08:00", "--utc-offset=+08:00"});
    CHECK(ok.exit_code == hk::hallctl::kExitOk);
    CHECK(ok.out == replay_text(kMorning));
    CHECK(ok.err.empty());

    const auto missing = hk::test::run_command(
        {HK_HALLCTL_PATH, "replay", "--script", (dir / "missing.jsonl").string()});
    CHECK(missing.exit_code == hk::hallctl::kExitNoInput);
    CHECK(missing.out.empty());

    hk::test::write_file(dir / "hall.toml", "[rules]\nbogus = 1\n");
    const auto bad_hall = hk::test::run_command(
        {HK_HALLCTL_PATH, "replay", "--config", (dir / "hall.toml").string(), "--script", "-"});
    CHECK(bad_hall.exit_code == hk::hallctl::kExitConfig);
    CHECK(bad_hall.err.find("rules.bogus") != std::string::npos);

    const auto usage = hk::test::run_command({HK_HALLCTL_PATH, "replay"});
    CHECK(usage.exit_code == hk::hallctl::kExitUsage);

    // Standard input is empty here: nothing to answer, and that is success.
    const auto empty = hk::test::run_command({HK_HALLCTL_PATH, "replay", "--script", "-"});
    CHECK(empty.exit_code == hk::hallctl::kExitOk);
    CHECK(empty.out.empty());
}

// ---------------------------------------------------------------------------------------------
// explain and --stats.

TEST_CASE("explain in a script says why a ticket was called, or that it was not yet") {
    const auto answers = replay_answers(R"({"op":"login","window":"2","officer":"1002"}
{"at":"08:30","op":"take","service":"SOC"}
{"at":"08:31","op":"take","service":"SOC","class":"green"}
{"op":"explain","number":"A001"}
{"at":"08:40","op":"call_next","window":"2"}
{"op":"explain","number":"A001"}
{"op":"login","window":"5","officer":"1005"}
{"op":"call_specific","window":"5","number":"A002","reason":"老人行动不便"}
{"op":"explain","number":"A002"}
{"op":"explain","number":"Z001"}
{"op":"explain"}
{"op":"advance_clock","to":"00:05"}
{"op":"explain","number":"A001"}
)");
    const auto issued = *hk::hallctl::parse_local_time("2026-01-05T08:30", kChinaOffset);
    CHECK(answer_to(answers, 4) == json{{"line", 4},
                                        {"at", "2026-01-05T08:31"},
                                        {"ok", true},
                                        {"op", "explain"},
                                        {"ticket", "A001"},
                                        {"service", "SOC"},
                                        {"class", "normal"},
                                        {"channel", "walkin"},
                                        {"state", "waiting"},
                                        {"waiting_ahead", 0},
                                        {"recalls", 0},
                                        {"no_shows", 0},
                                        {"issued_at_ms", issued},
                                        {"utc_offset_minutes", kChinaOffset},
                                        {"calls", json::array()}});
    const auto called = answer_to(answers, 6);
    CHECK(called.at("state") == "called");
    CHECK(called.at("window") == "2");
    CHECK(called.at("called_at_ms") == issued + std::int64_t{10} * 60'000);
    REQUIRE(called.at("calls").size() == 1);
    CHECK(without_rule(called.at("calls")[0]) == json{{"at_ms", issued + std::int64_t{10} * 60'000},
                                                      {"window", "2"},
                                                      {"actor", "replay"},
                                                      {"specific", false},
                                                      {"strategy", "counted_ratio"},
                                                      {"beaten", {"A002"}}});
    // A call the officer chose gives the reason, not a strategy.
    const auto chosen = answer_to(answers, 9).at("calls").at(0);
    CHECK(chosen.at("specific") == true);
    CHECK(chosen.at("reason") == "老人行动不便");
    CHECK_FALSE(chosen.contains("strategy"));
    CHECK_FALSE(chosen.contains("beaten"));
    CHECK(answer_to(answers, 10).at("error") == "unknown_ticket");
    CHECK(answer_to(answers, 10).at("message") == "no ticket Z001 today");
    CHECK(answer_to(answers, 11).at("error") == "bad_request");
    CHECK(answer_to(answers, 11).at("message") == "'number' is required");
    // After midnight yesterday's A001 is no longer today's, even before anything rolls over.
    CHECK(answer_to(answers, 13).at("error") == "unknown_ticket");
}

TEST_CASE("with statistics, replay ends with each day's statistics") {
    std::istringstream in(kMorning);
    std::ostringstream out;
    const auto summary = hk::hallctl::replay(hk::config::demo_hall(), monday_0800(), in, out,
                                             hk::queue::Grouping::service);
    CHECK(summary.operations == 51);
    std::vector<json> lines;
    std::istringstream text(out.str());
    for (std::string line; std::getline(text, line);) {
        lines.push_back(json::parse(line));
    }
    REQUIRE(lines.size() == 53);
    const auto& monday = lines[51];
    CHECK(monday.at("day") == "2026-01-05");
    CHECK(monday.at("by") == "service");
    const auto& total = monday.at("total");
    CHECK(total.at("issued") == 10);
    CHECK(total.at("served") == 2);
    CHECK(total.at("abandoned") == 1);  // C001
    CHECK(total.at("closed") == 7);     // what the rollover closed
    CHECK(total.at("open") == 0);
    CHECK(total.at("service_ms").at("max") == 780'000);
    CHECK(total.at("evaluations").at("scores") == json{0, 0, 0, 0, 1});
    std::vector<std::string> services;
    for (const auto& group : monday.at("groups")) {
        services.push_back(group.at("key"));
    }
    CHECK(services == std::vector<std::string>{"GEN", "HH", "MED", "RE", "SOC"});
    CHECK(lines[52].at("day") == "2026-01-06");
    CHECK(lines[52].at("total").at("open") == 1);
}

TEST_CASE("with statistics, a script without tickets reports the clock's day") {
    std::istringstream in(R"({"op":"advance_clock","to":"07:00"})");
    std::ostringstream out;
    static_cast<void>(hk::hallctl::replay(hk::config::demo_hall(), monday_0800(), in, out,
                                          hk::queue::Grouping::day));
    std::istringstream text(out.str());
    std::string answer;
    std::string statistics;
    std::getline(text, answer);
    std::getline(text, statistics);
    const auto report = json::parse(statistics);
    CHECK(report.at("day") == "2026-01-06");
    CHECK(report.at("total").at("issued") == 0);
    CHECK(report.at("groups").empty());
}

TEST_CASE("the hallctl binary prints the statistics with --stats, grouped by --by") {
    hk::test::TempDir dir("hk-replay");
    hk::test::write_file(dir / "morning.jsonl", kMorning);
    const auto script = (dir / "morning.jsonl").string();
    const auto grouped = hk::test::run_command(
        {HK_HALLCTL_PATH, "replay", "--script", script, "--stats", "--by", "window"});
    CHECK(grouped.exit_code == hk::hallctl::kExitOk);
    CHECK(grouped.out.starts_with(replay_text(kMorning)));
    const auto last = grouped.out.substr(grouped.out.rfind('\n', grouped.out.size() - 2) + 1);
    CHECK(json::parse(last).at("by") == "window");

    const auto no_stats =
        hk::test::run_command({HK_HALLCTL_PATH, "replay", "--script", script, "--by", "window"});
    CHECK(no_stats.exit_code == hk::hallctl::kExitUsage);
    const auto bad_grouping = hk::test::run_command(
        {HK_HALLCTL_PATH, "replay", "--script", script, "--stats", "--by", "weekday"});
    CHECK(bad_grouping.exit_code == hk::hallctl::kExitUsage);
    CHECK(bad_grouping.err.find("--by") != std::string::npos);
    CHECK(bad_grouping.out.empty());
}

// docs/queue-replay.md shows the statistics of the example script; this keeps them real.
TEST_CASE("the documented statistics of the example are real") {
    const auto script = hk::test::read_file(HK_DOCS_DIR "/examples/morning.jsonl");
    std::istringstream in(script);
    std::ostringstream out;
    static_cast<void>(hk::hallctl::replay(hk::config::demo_hall(), monday_0800(), in, out,
                                          hk::queue::Grouping::day));
    const auto text = out.str();
    const auto last = text.substr(text.rfind('\n', text.size() - 2) + 1);
    const auto doc = hk::test::read_file(HK_DOCS_DIR "/queue-replay.md");
    INFO("regenerate the statistics line in docs/queue-replay.md: " << last);
    CHECK(doc.find("    " + last) != std::string::npos);
}

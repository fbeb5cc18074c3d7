// Simulation scenarios: the text format, its errors with line numbers, and the runner playing
// steps on the loop in order, once or repeating.
#include "daemon/devices/scenario.hpp"

#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

namespace hk::devices {
namespace {

using std::chrono::milliseconds;

ScenarioError only_error(std::string_view text) {
    const auto parsed = parse_scenario(text);
    REQUIRE_FALSE(parsed.has_value());
    return parsed.error();
}

TEST_CASE("a scenario is steps of wait, device, action and arguments") {
    const auto steps = parse_scenario(
        "# a citizen takes a ticket with an ID card\n"
        "\n"
        "2s      id-reader-1  present_card  resident\n"
        "  1500ms id-reader-1 remove_card\r\n"
        "0ms scanner-1 scan \"A 2026 \\\"001\\\"\" x\\y\n");
    REQUIRE(steps.has_value());
    REQUIRE(steps->size() == 3);
    CHECK((*steps)[0] == ScenarioStep{.wait = milliseconds(2000),
                                      .device = "id-reader-1",
                                      .action = "present_card",
                                      .args = {"resident"},
                                      .line = 3});
    CHECK((*steps)[1].wait == milliseconds(1500));
    CHECK((*steps)[1].args.empty());
    CHECK((*steps)[1].line == 4);
    CHECK((*steps)[2].args == std::vector<std::string>{"A 2026 \"001\"", "x\\y"});
}

TEST_CASE("scenario errors say which line and what is wrong") {
    CHECK(to_string(only_error("2s printer-1\n")) ==
          "line 1: expected: WAIT DEVICE ACTION [ARGUMENTS...], e.g. 2s id-reader-1 "
          "present_card");
    CHECK(to_string(only_error("# ok\nsoon printer-1 refill\n")) ==
          "line 2: 'soon' is not a wait: write a whole number and ms, s, min or h, e.g. 500ms "
          "or 2s");
    CHECK(to_string(only_error("2h printer-1 refill\n")) == "line 1: wait 2h is longer than 1h");
    CHECK(to_string(only_error("1s Printer refill\n")) ==
          "line 1: 'Printer' is not a device id (a-z, 0-9, '_' and '-')");
    CHECK(to_string(only_error("1s p scan \"open\n")) == "line 1: a quoted argument is not closed");
    CHECK(to_string(only_error("1s p scan \"a\"b\n")) ==
          "line 1: a quoted argument must be followed by a space");
    CHECK(to_string(only_error("1s p scan a\"b\n")) ==
          "line 1: a quote may only start an argument");
    CHECK(to_string(only_error("1s p scan \"\\n\"\n")) ==
          "line 1: only \\\" and \\\\ may be escaped in quotes");
    CHECK(to_string(only_error("1s p scan \"a\x01\"\n")) ==
          "line 1: control characters are not allowed");
    CHECK(to_string(only_error("# nothing\n\n")) == "the scenario has no steps");
    CHECK(only_error(std::string(kMaxScenarioLineBytes + 1, 'x')).line == 1);
}

TEST_CASE("the runner plays steps in order after their waits, and reports failures") {
    boost::asio::io_context io;
    auto steps = parse_scenario("0ms a one\n1ms b two\n0ms c three\n");
    REQUIRE(steps);
    std::vector<std::string> performed;
    std::vector<std::string> failures;
    ScenarioRunner runner(
        io, *steps, false,
        [&](const ScenarioStep& step) -> std::expected<std::string, std::string> {
            performed.push_back(step.device + " " + step.action);
            if (step.action == "two") {
                return std::unexpected("refused");
            }
            return "done";
        },
        [&](const ScenarioStep& step, const std::expected<std::string, std::string>& outcome) {
            if (!outcome) {
                failures.push_back(std::to_string(step.line) + ": " + outcome.error());
            }
        });
    runner.start();
    CHECK(performed.empty());             // nothing runs inside start()
    io.run_for(std::chrono::seconds(5));  // returns as soon as the last step ran
    CHECK(performed == std::vector<std::string>{"a one", "b two", "c three"});
    CHECK(failures == std::vector<std::string>{"2: refused"});
    CHECK(runner.finished());
    CHECK(runner.steps_done() == 3);
}

TEST_CASE("a repeating runner starts over until stopped") {
    boost::asio::io_context io;
    auto steps = parse_scenario("1ms a one\n1ms a two\n");
    REQUIRE(steps);
    std::size_t count = 0;
    ScenarioRunner* self = nullptr;
    ScenarioRunner runner(io, *steps, true,
                          [&](const ScenarioStep&) -> std::expected<std::string, std::string> {
                              if (++count == 7) {
                                  self->stop();
                              }
                              return "ok";
                          },
                          {});
    self = &runner;
    runner.start();
    io.run_for(std::chrono::seconds(5));
    CHECK(count == 7);
    CHECK_FALSE(runner.finished());
}

}  // namespace
}  // namespace hk::devices

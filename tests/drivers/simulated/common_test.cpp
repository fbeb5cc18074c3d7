// What every simulated device does alike: start-up health, not_ready before it is online,
// unplug/replug/fail_next, stop cancelling outstanding operations exactly once, the
// deterministic failure rate, and the factory's checks. Also the shared pieces: timers that
// are never late-fired after a cancel, and the operation queue.
#include "drivers/simulated/common.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// The success/failure sequence of `count` self-tests run one after another.
std::vector<bool> self_test_sequence(Harness& harness, int count) {
    std::vector<bool> sequence;
    for (int i = 0; i < count; ++i) {
        const auto outcome = harness.complete<std::string>(
            [&](Completion<std::string> done) { harness.driver->self_test(std::move(done)); });
        if (!outcome.ok()) {
            CHECK(outcome.code() == "io_error");
        }
        sequence.push_back(outcome.ok());
    }
    return sequence;
}

TEST_CASE("every simulated device starts probing and is online after response_delay") {
    for (const auto device_class : kAllDeviceClasses) {
        INFO(to_string(device_class));
        Harness harness(device_class, {{"response_delay", ms(30)}});
        CHECK(harness.health.health().state == DeviceState::absent);
        CHECK(harness.state("link") == "stopped");
        CHECK_FALSE(harness.driver->describe().empty());

        const auto started = steady_clock::now();
        REQUIRE(harness.driver->start());
        CHECK(harness.health.health().state == DeviceState::probing);
        CHECK(harness.health.health().since_ms == kNow);
        CHECK(harness.state("link") == "probing");
        CHECK(harness.driver->start().error() == "already started");

        REQUIRE(harness.run_until(
            [&] { return harness.health.health().state != DeviceState::probing; }));
        CHECK(steady_clock::now() - started >= milliseconds(30));
        CHECK(harness.health.health().state == DeviceState::online);
        CHECK(harness.health.health().fault.empty());
        CHECK(harness.state("link") == "online");
    }
}

TEST_CASE("operations of a device that is not online fail with not_ready, later") {
    for (const auto device_class : kAllDeviceClasses) {
        INFO(to_string(device_class));
        Harness harness(device_class, {{"response_delay", ms(1000)}});
        auto before_start = harness.complete<std::string>(
            [&](auto done) { harness.driver->self_test(std::move(done)); });
        CHECK(before_start.code() == "not_ready");
        CHECK(before_start.result().error().detail == "the device is not started");

        REQUIRE(harness.driver->start());
        auto probing = harness.complete<std::string>(
            [&](auto done) { harness.driver->self_test(std::move(done)); });
        CHECK(probing.code() == "not_ready");
        CHECK(probing.result().error().detail == "the device is still starting");
    }
}

TEST_CASE("unplug takes a device offline, fails its operations, replug brings it back") {
    for (const auto device_class : kAllDeviceClasses) {
        INFO(to_string(device_class));
        Harness harness(device_class, {{"response_delay", ms(20)}});
        harness.start_online();

        Outcome<std::string> outstanding;
        harness.driver->self_test(outstanding.callback());
        REQUIRE(harness.act("unplug") == "unplugged");
        CHECK(harness.health.health().state == DeviceState::offline);
        CHECK(harness.health.health().fault == "disconnected");
        CHECK(harness.state("link") == "unplugged");
        CHECK(outstanding.calls() == 0);
        REQUIRE(harness.run_until([&] { return outstanding.done(); }));
        CHECK(outstanding.code() == "disconnected");

        const auto refused = harness.complete<std::string>(
            [&](auto done) { harness.driver->self_test(std::move(done)); });
        CHECK(refused.code() == "not_ready");
        CHECK(refused.result().error().detail == "the device is unplugged");

        CHECK(harness.act("replug") == "plugged back in: online after 20ms");
        CHECK(harness.health.health().state == DeviceState::probing);
        CHECK(harness.health.counters().reconnects == 1);
        REQUIRE(harness.run_until(
            [&] { return harness.health.health().state == DeviceState::online; }));
        const auto again = harness.complete<std::string>(
            [&](auto done) { harness.driver->self_test(std::move(done)); });
        CHECK(again.ok());
        CHECK(outstanding.calls() == 1);
    }
}

TEST_CASE("unplug and replug refuse arguments and the wrong state") {
    Harness harness(DeviceClass::speaker);
    CHECK(harness.act("unplug").error() == "the device is not started");
    CHECK(harness.act("replug").error() == "the device is not unplugged");
    harness.start_online();
    CHECK(harness.act("replug").error() == "the device is not unplugged");
    CHECK(harness.act("unplug", {"now"}).error() == "unplug takes no arguments");
    CHECK(harness.act("replug", {"now"}).error() == "replug takes no arguments");
    REQUIRE(harness.act("unplug"));
    CHECK(harness.act("unplug").error() == "the device is already unplugged");
    CHECK(harness.health.counters().reconnects == 0);
}

TEST_CASE("fail_next makes exactly the next N operations fail with io_error") {
    for (const auto device_class : kAllDeviceClasses) {
        INFO(to_string(device_class));
        Harness harness(device_class);
        harness.start_online();
        CHECK(harness.act("fail_next", {"2"}) == "the next 2 operations fail with io_error");
        CHECK(harness.state("fail_next") == "2");
        CHECK(self_test_sequence(harness, 3) == std::vector<bool>{false, false, true});
        CHECK(harness.health.counters().io_errors == 2);
        CHECK(harness.state("fail_next") == "0");
        // A failed operation does not change the health.
        CHECK(harness.health.health().state == DeviceState::online);

        REQUIRE(harness.act("fail_next", {"1"}));
        REQUIRE(harness.act("fail_next", {"0"}));  // cleared
        CHECK(self_test_sequence(harness, 1) == std::vector<bool>{true});
    }
}

TEST_CASE("fail_next refuses anything but one number from 0 to 1000000") {
    Harness harness(DeviceClass::evaluator);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {}, {"x"}, {"-1"}, {"+1"}, {"1000001"}, {"1", "2"}, {" 1"}, {"1.5"}}) {
        INFO(fmt::format("{}", fmt::join(args, ",")));
        CHECK(harness.act("fail_next", args).error() ==
              "fail_next takes one number from 0 to 1000000");
    }
    CHECK(harness.state("fail_next") == "0");
}

TEST_CASE("unknown actions are refused with the device's list of actions") {
    Harness harness(DeviceClass::ticket_printer);
    CHECK(harness.act("explode").error() ==
          "unknown action 'explode'; actions: refill, set_paper, open_cover, close_cover, "
          "unplug, replug, fail_next");
    Harness display(DeviceClass::window_display);
    CHECK(display.act("refill").error() ==
          "unknown action 'refill'; actions: unplug, replug, fail_next");
    for (const auto device_class : kAllDeviceClasses) {
        Harness any(device_class);
        const auto actions = any.sim().simulation_actions();
        REQUIRE(actions.size() >= 3);
        CHECK(actions[actions.size() - 3].name == "unplug");
        for (const auto& action : actions) {
            CHECK_FALSE(action.help.empty());
        }
        const auto state = any.sim().simulation_state();
        REQUIRE(state.size() >= 2);
        CHECK(state[state.size() - 2].first == "link");
        CHECK(state.back().first == "fail_next");
    }
}

TEST_CASE("stop cancels outstanding operations exactly once and leaves nothing running") {
    for (const auto device_class : kAllDeviceClasses) {
        INFO(to_string(device_class));
        Harness harness(device_class);
        harness.start_online();
        std::vector<Outcome<std::string>> outcomes(2);
        for (auto& outcome : outcomes) {
            harness.driver->self_test(outcome.callback());
        }
        harness.driver->stop();
        for (const auto& outcome : outcomes) {
            CHECK(outcome.calls() == 0);  // not inline, even when stopping
        }
        CHECK(harness.health.health().state == DeviceState::absent);
        CHECK(harness.state("link") == "stopped");
        REQUIRE(harness.drain());  // nothing keeps the loop busy after stop
        for (const auto& outcome : outcomes) {
            CHECK(outcome.calls() == 1);
        }
        CHECK(outcomes[0].code() == "cancelled");
        // The second waited in the queue (cancelled) or was refused at once (busy: cameras).
        CHECK((outcomes[1].code() == "cancelled" || outcomes[1].code() == "busy"));

        harness.driver->stop();  // stopping again changes nothing
        REQUIRE(harness.drain());
        CHECK(outcomes[0].calls() == 1);
    }
}

TEST_CASE("a device stopped while probing never goes online") {
    Harness harness(DeviceClass::hall_screen, {{"response_delay", ms(10)}});
    REQUIRE(harness.driver->start());
    harness.driver->stop();
    REQUIRE(harness.drain());
    CHECK(harness.health.health().state == DeviceState::absent);
    CHECK(harness.state("link") == "stopped");
}

TEST_CASE("a stopped device can be started again") {
    Harness harness(DeviceClass::window_display);
    harness.start_online();
    harness.driver->stop();
    harness.start_online();
    const auto outcome = harness.complete<std::string>(
        [&](auto done) { harness.driver->self_test(std::move(done)); });
    CHECK(outcome.ok());
}

TEST_CASE("destroying a running device completes its outstanding operations as cancelled") {
    Harness quick(DeviceClass::speaker);
    quick.start_online();
    Outcome<void> said;
    quick.device<Speaker>().say({.text = "A001"}, said.callback());
    quick.driver.reset();
    CHECK(said.calls() == 0);
    REQUIRE(quick.drain());
    CHECK(said.calls() == 1);
    CHECK(said.code() == "cancelled");
}

TEST_CASE("failure_rate_percent fails a deterministic share of operations for a seed") {
    const auto run = [](std::int64_t rate, std::int64_t seed) {
        Harness harness(DeviceClass::window_display,
                        {{"failure_rate_percent", int_value(rate)}, {"seed", int_value(seed)}});
        harness.start_online();
        auto sequence = self_test_sequence(harness, 40);
        const auto failures = std::ranges::count(sequence, false);
        CHECK(harness.health.counters().io_errors == static_cast<std::uint64_t>(failures));
        return sequence;
    };
    const auto first = run(50, 7);
    CHECK(run(50, 7) == first);  // the same seed, the same failures
    CHECK(run(50, 8) != first);  // another seed, others
    const auto failures = std::ranges::count(first, false);
    CHECK(failures > 5);
    CHECK(failures < 35);
    CHECK(std::ranges::count(run(0, 7), false) == 0);
    CHECK(std::ranges::count(run(100, 7), false) == 40);
}

TEST_CASE("the factory checks the parameters and fills in the defaults") {
    const auto* printer = simulated_drivers().find("simulated_ticket_printer");
    REQUIRE(printer != nullptr);
    boost::asio::io_context io;
    HealthTracker health;
    DriverContext context{.io = io, .health = health, .emit = {}, .now_ms = [] { return kNow; }};

    auto unknown = printer->factory(
        DeviceConfig{.id = "p", .params = {{"paper_size", int_value(3)}}}, context);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error() == "driver 'simulated_ticket_printer' has no parameter 'paper_size'");

    auto out_of_range = printer->factory(
        DeviceConfig{.id = "p", .params = {{"paper_capacity", int_value(9000)}}}, context);
    REQUIRE_FALSE(out_of_range);
    CHECK(contains(out_of_range.error(), "parameter 'paper_capacity': expected an integer"));

    auto wrong_type = printer->factory(
        DeviceConfig{.id = "p", .params = {{"paper_capacity", text_value("300")}}}, context);
    CHECK_FALSE(wrong_type);

    auto defaults = printer->factory(DeviceConfig{.id = "p"}, context);
    REQUIRE(defaults);
    auto* sim = as<SimulationControl>(**defaults);
    REQUIRE(sim != nullptr);
    CHECK(sim->simulation_state().front() ==
          std::pair<std::string, std::string>{"paper_left", "500"});
}

TEST_CASE("the simulated drivers are production drivers with a seed") {
    for (const auto device_class : kAllDeviceClasses) {
        const auto manifest = simulated::manifest(device_class);
        INFO(manifest.name);
        CHECK(validate(manifest).empty());
        CHECK(manifest.maturity == Maturity::production);
        REQUIRE(manifest.parameter("seed") != nullptr);
        CHECK(manifest.parameter("failure_rate_percent") != nullptr);
    }
    CHECK(simulated::manifest(DeviceClass::speaker).parameter("char_time") != nullptr);
}

// ---- The shared pieces ------------------------------------------------------------------------

TEST_CASE("a cancelled timer never runs, even when its expiry is already queued") {
    boost::asio::io_context io;
    simulated::Timers timers(io);
    std::vector<std::string> ran;
    simulated::Timers::Id second = 0;
    // Both expire at once; whichever runs first cancels the other, whose expiry may already
    // be queued on the loop.
    const auto first = timers.after(milliseconds(0), [&] {
        ran.emplace_back("first");
        timers.cancel(second);
    });
    second = timers.after(milliseconds(0), [&] {
        ran.emplace_back("second");
        timers.cancel(first);
    });
    CHECK(timers.pending(first));
    io.run();
    CHECK(ran.size() == 1);
    CHECK_FALSE(timers.pending(first));
    CHECK_FALSE(timers.pending(second));
}

TEST_CASE("no timer or post runs after the timer set is destroyed") {
    boost::asio::io_context io;
    int ran = 0;
    {
        simulated::Timers timers(io);
        static_cast<void>(timers.after(milliseconds(0), [&] { ++ran; }));
        timers.post([&] { ++ran; });
    }
    io.run();
    CHECK(ran == 0);
}

TEST_CASE("the operation queue runs one at a time, in order, and fails the rest at once") {
    boost::asio::io_context io;
    simulated::Timers timers(io);
    simulated::OpQueue queue(io, timers);
    std::vector<std::string> log;
    const auto push = [&](const std::string& name) {
        queue.push<int>(
            name, [] { return milliseconds(1); },
            [&log, name]() -> std::expected<int, DeviceError> {
                log.push_back("perform " + name);
                return 1;
            },
            [&log, name](std::expected<int, DeviceError> result) {
                log.push_back((result ? "done " : "failed " + result.error().code + " ") + name);
            });
    };
    push("a");
    push("b");
    push("c");
    CHECK(queue.current_label() == "a");
    CHECK(queue.waiting() == 2);
    while (log.size() < 2) {
        io.run_one();
    }
    CHECK(log == std::vector<std::string>{"perform a", "done a"});
    queue.fail_all(DeviceError{"cancelled", "stop"});
    CHECK_FALSE(queue.busy());
    io.run();
    CHECK(log == std::vector<std::string>{"perform a", "done a", "failed cancelled b",
                                          "failed cancelled c"});
}

TEST_CASE("parse_integer takes exact decimal numbers in range only") {
    using simulated::parse_integer;
    CHECK(parse_integer("12", 0, 100) == 12);
    CHECK(parse_integer("-3", -5, 5) == -3);
    CHECK_FALSE(parse_integer("", 0, 100));
    CHECK_FALSE(parse_integer("+1", 0, 100));
    CHECK_FALSE(parse_integer("1e2", 0, 1000));
    CHECK_FALSE(parse_integer("101", 0, 100));
    CHECK_FALSE(parse_integer("99999999999999999999", 0, 100));
}

}  // namespace
}  // namespace hk::drivers::test

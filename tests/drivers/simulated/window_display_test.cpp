// The simulated window display: lines cut to the display's columns with CJK counting two, at
// most its lines kept, invalid text refused without changing anything, brightness, the test
// pattern.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

struct Display {
    explicit Display(ParameterValues params = {})
        : harness(DeviceClass::window_display, std::move(params)) {
        harness.start_online();
    }
    Outcome<void> show(std::vector<std::string> lines) {
        return harness.complete<void>([&](Completion<void> done) {
            harness.device<WindowDisplay>().show({.lines = lines}, std::move(done));
        });
    }
    Outcome<void> brightness(int percent) {
        return harness.complete<void>([&](Completion<void> done) {
            harness.device<WindowDisplay>().set_brightness(percent, std::move(done));
        });
    }
    Harness harness;
};

TEST_CASE("shown lines are cut to the columns, CJK characters taking two") {
    Display display({{"columns", int_value(8)}, {"lines", int_value(2)}});
    REQUIRE(display.show({"A001 请到3号窗口", "请到3号"}).ok());
    CHECK(display.harness.state("line1") == "A001 请");  // 请 ends at column 7, 到 would end at 9
    CHECK(display.harness.state("line2") == "请到3号");  // exactly 7 columns
    CHECK(display.harness.driver->describe() == "simulated window display, 2 lines of 8 columns");
}

TEST_CASE("the display keeps at most its lines, missing lines are blank") {
    Display display({{"lines", int_value(2)}});
    REQUIRE(display.show({"one", "two", "three"}).ok());
    CHECK(display.harness.state("line1") == "one");
    CHECK(display.harness.state("line2") == "two");
    REQUIRE(display.show({"only"}).ok());
    CHECK(display.harness.state("line1") == "only");
    CHECK(display.harness.state("line2").empty());
}

TEST_CASE("invalid UTF-8 or control characters are refused and change nothing") {
    Display display;
    REQUIRE(display.show({"A001", "3号窗口"}).ok());
    const auto invalid = display.show({"ok", "\xE7\xAA"});
    CHECK(invalid.code() == "invalid_request");
    CHECK(invalid.result().error().detail == "line 2 is not valid UTF-8");
    const auto control = display.show({"A\n002"});
    CHECK(control.code() == "invalid_request");
    CHECK(control.result().error().detail == "line 1 has a control character");
    CHECK(display.harness.state("line1") == "A001");
    CHECK(display.harness.state("line2") == "3号窗口");
}

TEST_CASE("brightness is 0 to 100") {
    Display display;
    CHECK(display.harness.state("brightness") == "100");
    REQUIRE(display.brightness(0).ok());
    CHECK(display.harness.state("brightness") == "0");
    REQUIRE(display.brightness(100).ok());
    for (const int bad : {-1, 101}) {
        const auto refused = display.brightness(bad);
        CHECK(refused.code() == "invalid_request");
    }
    CHECK(display.harness.state("brightness") == "100");
}

TEST_CASE("the display's self-test shows a test pattern") {
    Display display({{"columns", int_value(6)}, {"lines", int_value(3)}});
    const auto tested = display.harness.complete<std::string>(
        [&](auto done) { display.harness.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(*tested.result() == "showed a test pattern on 3 lines of 6 columns");
    CHECK(display.harness.state("line1") == "测测测");
    CHECK(display.harness.state("line2") == "012345");
    CHECK(display.harness.state("line3") == "测测测");
}

TEST_CASE("the display's changes happen in order, unplug and stop fail those under way") {
    Display display;
    auto& device = display.harness.device<WindowDisplay>();
    Outcome<void> first;
    Outcome<void> second;
    device.show({.lines = {"first"}}, first.callback());
    device.show({.lines = {"second"}}, second.callback());
    REQUIRE(display.harness.run_until([&] { return second.done(); }));
    CHECK(first.ok());
    CHECK(display.harness.state("line1") == "second");

    Outcome<void> lost;
    device.set_brightness(10, lost.callback());
    REQUIRE(display.harness.act("unplug"));
    Outcome<void> refused;
    device.show({.lines = {"third"}}, refused.callback());
    display.harness.driver->stop();
    REQUIRE(display.harness.drain());
    CHECK(lost.code() == "disconnected");
    CHECK(refused.code() == "not_ready");
    CHECK(display.harness.state("brightness") == "100");
}

}  // namespace
}  // namespace hk::drivers::test

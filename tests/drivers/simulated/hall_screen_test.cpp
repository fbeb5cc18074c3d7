// The simulated hall screen: boards paged by `rows`, pages turned by the page timer and by
// next_page, a new board starting at its first page, the test board.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

HallBoard board(int rows) {
    HallBoard built{.title = "政务服务中心", .rows = {}, .notice = "请保管好随身物品"};
    for (int i = 1; i <= rows; ++i) {
        built.rows.push_back({.ticket = fmt::format("A{:03}", i),
                              .window = std::to_string(i % 5 + 1),
                              .state = i == 1 ? "calling" : "serving"});
    }
    return built;
}

struct Screen {
    explicit Screen(ParameterValues params = {})
        : harness(DeviceClass::hall_screen, std::move(params)) {
        harness.start_online();
    }
    Outcome<void> show(const HallBoard& shown) {
        return harness.complete<void>([&](Completion<void> done) {
            harness.device<HallScreen>().show(shown, std::move(done));
        });
    }
    Harness harness;
};

TEST_CASE("a board is shown in pages of rows") {
    Screen screen({{"rows", int_value(2)}});
    REQUIRE(screen.show(board(5)).ok());
    auto& h = screen.harness;
    CHECK(h.state("title") == "政务服务中心");
    CHECK(h.state("page") == "1/3");
    CHECK(h.state("rows") == "A001 2 calling; A002 3 serving");
    CHECK(h.state("notice") == "请保管好随身物品");
    REQUIRE(h.act("next_page") == "page 2/3");
    CHECK(h.state("rows") == "A003 4 serving; A004 5 serving");
    REQUIRE(h.act("next_page") == "page 3/3");
    CHECK(h.state("rows") == "A005 1 serving");
    REQUIRE(h.act("next_page") == "page 1/3");
}

TEST_CASE("an empty board is one empty page") {
    Screen screen;
    CHECK(screen.harness.state("page") == "1/1");
    REQUIRE(screen.show(HallBoard{.title = "大厅"}).ok());
    CHECK(screen.harness.state("page") == "1/1");
    CHECK(screen.harness.state("rows").empty());
    CHECK(screen.harness.act("next_page") == "page 1/1");
}

TEST_CASE("pages turn every page_interval") {
    Screen screen({{"rows", int_value(2)}, {"page_interval", ms(2000)}});  // the shortest
    REQUIRE(screen.show(board(4)).ok());
    const auto shown = std::chrono::steady_clock::now();
    auto& h = screen.harness;
    REQUIRE(h.run_until([&] { return h.state("page") == "2/2"; }));
    CHECK(std::chrono::steady_clock::now() - shown >= std::chrono::milliseconds(2000));
}

TEST_CASE("a new board starts at its first page") {
    Screen screen({{"rows", int_value(2)}});
    REQUIRE(screen.show(board(6)).ok());
    REQUIRE(screen.harness.act("next_page"));
    REQUIRE(screen.show(board(3)).ok());
    CHECK(screen.harness.state("page") == "1/2");
}

TEST_CASE("next_page refuses arguments and an unplugged screen") {
    Screen screen;
    CHECK(screen.harness.act("next_page", {"2"}).error() == "next_page takes no arguments");
    REQUIRE(screen.harness.act("unplug"));
    CHECK(screen.harness.act("next_page").error() == "the device is unplugged");
}

TEST_CASE("the screen's self-test shows a test board filling a page") {
    Screen screen({{"rows", int_value(3)}});
    const auto tested = screen.harness.complete<std::string>(
        [&](auto done) { screen.harness.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(*tested.result() == "showed a test board of 3 rows");
    CHECK(screen.harness.state("title") == "综合屏自检");
    CHECK(screen.harness.state("rows") == "T001 1 test; T002 2 test; T003 3 test");
    CHECK(screen.harness.state("page") == "1/1");
}

TEST_CASE("stop ends the page timer and cancels a board under way") {
    Screen screen({{"rows", int_value(1)}});
    REQUIRE(screen.show(board(3)).ok());
    Outcome<void> pending;
    screen.harness.device<HallScreen>().show(board(2), pending.callback());
    screen.harness.driver->stop();
    REQUIRE(screen.harness.drain());  // no page timer left running
    CHECK(pending.code() == "cancelled");
    CHECK(screen.harness.state("page") == "1/3");
}

}  // namespace
}  // namespace hk::drivers::test

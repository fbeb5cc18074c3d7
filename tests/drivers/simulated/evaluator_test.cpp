// The simulated evaluator: welcome, rating requests and idle shown in order, keys that rate
// the pending ticket or are plain key presses, ratings that time out, bad keys refused.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

const ServiceSession kSession{
    .ticket = "A001", .window = "3", .officer_name = "测试员", .officer_id = "1001"};

struct Pad {
    explicit Pad(ParameterValues params = {}) : harness(DeviceClass::evaluator, std::move(params)) {
        harness.start_online();
    }
    Outcome<void> welcome(ServiceSession session = kSession) {
        return harness.complete<void>([&](Completion<void> done) {
            harness.device<Evaluator>().welcome(session, std::move(done));
        });
    }
    Outcome<void> request_rating(ServiceSession session = kSession) {
        return harness.complete<void>([&](Completion<void> done) {
            harness.device<Evaluator>().request_rating(session, std::move(done));
        });
    }
    Outcome<void> idle() {
        return harness.complete<void>(
            [&](Completion<void> done) { harness.device<Evaluator>().idle(std::move(done)); });
    }
    Harness harness;
};

TEST_CASE("welcome shows 欢迎光临 with the officer's number, not the name") {
    Pad pad;
    CHECK(pad.welcome().ok());
    CHECK(pad.harness.state("screen") == "欢迎光临 工号 1001");
    CHECK(pad.harness.state("pending").empty());
    for (const auto& [name, value] : pad.harness.sim().simulation_state()) {
        CHECK(value.find("测试员") == std::string::npos);
    }
    CHECK(pad.welcome({.ticket = "A002"}).ok());
    CHECK(pad.harness.state("screen") == "欢迎光临");
}

TEST_CASE("a key pressed while a rating is pending rates that ticket") {
    Pad pad;
    REQUIRE(pad.request_rating().ok());
    CHECK(pad.harness.state("screen") == "您好，请对我的服务进行评价");
    CHECK(pad.harness.state("pending") == "A001");
    REQUIRE(pad.harness.act("press", {"4"}) == "A001 rated 4");
    CHECK(pad.harness.state("screen") == "谢谢您的评价");
    CHECK(pad.harness.state("pending").empty());
    REQUIRE(pad.harness.run_until([&] { return !pad.harness.events.empty(); }));
    const auto ratings = pad.harness.events_of<events::RatingGiven>();
    REQUIRE(ratings.size() == 1);
    CHECK(ratings[0].ticket == "A001");
    CHECK(ratings[0].rating == 4);
}

TEST_CASE("a key pressed with no rating pending is a plain key press") {
    Pad pad;
    REQUIRE(pad.harness.act("press", {"2"}) == "key 2 pressed");
    REQUIRE(pad.harness.run_until([&] { return !pad.harness.events.empty(); }));
    const auto keys = pad.harness.events_of<events::KeyPressed>();
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].key == 2);
}

TEST_CASE("press refuses keys the pad does not have") {
    Pad pad({{"buttons", int_value(3)}});
    for (const auto& args :
         std::vector<std::vector<std::string>>{{}, {"0"}, {"4"}, {"x"}, {"1", "2"}, {"-1"}}) {
        CHECK(pad.harness.act("press", args).error() == "press takes a key from 1 to 3");
    }
    REQUIRE(pad.harness.act("unplug"));
    CHECK(pad.harness.act("press", {"1"}).error() == "the device is unplugged");
    REQUIRE(pad.harness.drain());
    CHECK(pad.harness.events.empty());
}

TEST_CASE("nobody rating within rating_timeout is RatingTimedOut") {
    Pad pad({{"rating_timeout", ms(5000)}});  // the shortest the manifest allows
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(pad.request_rating().ok());
    REQUIRE(pad.harness.run_until([&] { return !pad.harness.events.empty(); }));
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(5000));
    const auto timeouts = pad.harness.events_of<events::RatingTimedOut>();
    REQUIRE(timeouts.size() == 1);
    CHECK(timeouts[0].ticket == "A001");
    CHECK(pad.harness.state("pending").empty());
    CHECK(pad.harness.state("screen").empty());
}

TEST_CASE("walk_away times the pending rating out at once") {
    Pad pad;
    CHECK(pad.harness.act("walk_away").error() == "no rating is pending");
    REQUIRE(pad.request_rating().ok());
    CHECK(pad.harness.act("walk_away", {"now"}).error() == "walk_away takes no arguments");
    REQUIRE(pad.harness.act("walk_away") == "the rating of A001 timed out");
    REQUIRE(pad.harness.run_until([&] { return !pad.harness.events.empty(); }));
    CHECK(pad.harness.events_of<events::RatingTimedOut>().size() == 1);
    // The rating timer is gone too: nothing else happens.
    pad.harness.driver->stop();
    REQUIRE(pad.harness.drain());
    CHECK(pad.harness.events.size() == 1);
}

TEST_CASE("idle drops a pending rating without an event") {
    Pad pad;
    REQUIRE(pad.request_rating().ok());
    REQUIRE(pad.idle().ok());
    CHECK(pad.harness.state("pending").empty());
    CHECK(pad.harness.state("screen").empty());
    REQUIRE(pad.harness.act("press", {"1"}) == "key 1 pressed");
    pad.harness.driver->stop();
    REQUIRE(pad.harness.drain());
    CHECK(pad.harness.events_of<events::RatingGiven>().empty());
    CHECK(pad.harness.events_of<events::RatingTimedOut>().empty());
}

TEST_CASE("a rating request needs a ticket") {
    Pad pad;
    const auto refused = pad.request_rating({.window = "3"});
    CHECK(refused.code() == "invalid_request");
}

TEST_CASE("the pad's screens change in the order asked, each after response_delay") {
    Pad pad({{"response_delay", ms(5)}});
    std::vector<std::string> order;
    auto& evaluator = pad.harness.device<Evaluator>();
    const auto note = [&](const std::string& what) {
        return [&order, what](std::expected<void, DeviceError> done) {
            REQUIRE(done);
            order.push_back(what);
        };
    };
    evaluator.welcome(kSession, note("welcome"));
    evaluator.request_rating(kSession, note("rating"));
    evaluator.idle(note("idle"));
    REQUIRE(pad.harness.run_until([&] { return order.size() == 3; }));
    CHECK(order == std::vector<std::string>{"welcome", "rating", "idle"});
    CHECK(pad.harness.state("pending").empty());
}

TEST_CASE("unplugging the pad fails its screen changes and forgets the rating") {
    Pad pad;
    REQUIRE(pad.request_rating().ok());
    Outcome<void> welcome;
    pad.harness.device<Evaluator>().welcome(kSession, welcome.callback());
    REQUIRE(pad.harness.act("unplug"));
    REQUIRE(pad.harness.run_until([&] { return welcome.done(); }));
    CHECK(welcome.code() == "disconnected");
    CHECK(pad.harness.state("pending").empty());
    pad.harness.driver->stop();
    REQUIRE(pad.harness.drain());
    CHECK(pad.harness.events.empty());
}

TEST_CASE("the pad's self-test checks the screen and keys") {
    Pad pad({{"buttons", int_value(5)}});
    const auto tested = pad.harness.complete<std::string>(
        [&](auto done) { pad.harness.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(*tested.result() == "screen and 5 keys ok");
}

}  // namespace
}  // namespace hk::drivers::test

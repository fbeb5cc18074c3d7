// The simulated speaker: announcements in order, never overlapping, each as long as its
// characters and repetitions make it; volume on its own path; bad announcements refused.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct SpeakerDevice {
    explicit SpeakerDevice(ParameterValues params = {})
        : harness(DeviceClass::speaker, std::move(params)) {
        harness.start_online();
    }
    Outcome<void> say(Announcement announcement) {
        return harness.complete<void>([&](Completion<void> done) {
            harness.device<Speaker>().say(announcement, std::move(done));
        });
    }
    Outcome<void> volume(int percent) {
        return harness.complete<void>([&](Completion<void> done) {
            harness.device<Speaker>().set_volume(percent, std::move(done));
        });
    }
    Harness harness;
};

TEST_CASE("an announcement takes response_delay + char_time x characters x repeat") {
    SpeakerDevice speaker({{"char_time", ms(10)}, {"repeat", int_value(2)}});
    auto started = steady_clock::now();
    REQUIRE(speaker.say({.text = "A001"}).ok());  // 4 characters, the configured 2 times
    CHECK(steady_clock::now() - started >= milliseconds(80));
    CHECK(speaker.harness.state("spoken") == "1");

    started = steady_clock::now();
    REQUIRE(speaker.say({.text = "请A001", .repeat = 1}).ok());  // 5 characters once
    CHECK(steady_clock::now() - started >= milliseconds(50));
    CHECK(speaker.harness.state("spoken") == "2");
}

TEST_CASE("announcements complete in order and never overlap") {
    SpeakerDevice speaker({{"char_time", ms(5)}, {"repeat", int_value(1)}});
    auto& h = speaker.harness;
    auto& device = h.device<Speaker>();
    const std::vector<std::string> texts = {"请A001号", "请A002号到3号窗口", "A3"};
    struct Done {
        std::string text;
        steady_clock::time_point at;
        std::string speaking_then;
    };
    std::vector<Done> done;
    const auto started = steady_clock::now();
    for (const auto& text : texts) {
        device.say({.text = text}, [&, text](std::expected<void, DeviceError> said) {
            REQUIRE(said);
            done.push_back({text, steady_clock::now(), h.state("speaking")});
        });
    }
    CHECK(h.state("speaking") == texts[0]);
    CHECK(h.state("queued") == "2");
    REQUIRE(h.run_until([&] { return done.size() == 3; }));
    REQUIRE(done.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(done[i].text == texts[i]);
    }
    // Each starts only when the one before has finished: 5 ms a character, no overlap.
    CHECK(done[0].at - started >= milliseconds(5 * 6));
    CHECK(done[1].at - done[0].at >= milliseconds(5 * 11));
    CHECK(done[2].at - done[1].at >= milliseconds(5 * 2));
    // When one completes, the next is the one speaking (or nothing is, at the end).
    CHECK(done[0].speaking_then == texts[1]);
    CHECK(done[1].speaking_then == texts[2]);
    CHECK(done[2].speaking_then.empty());
    CHECK(h.state("spoken") == "3");
    CHECK(h.state("queued") == "0");
}

TEST_CASE("the volume is set without waiting for the announcements") {
    SpeakerDevice speaker({{"char_time", ms(2000)}});
    auto& h = speaker.harness;
    Outcome<void> long_call;
    h.device<Speaker>().say({.text = "请A001号到3号窗口办理"}, long_call.callback());
    REQUIRE(speaker.volume(40).ok());
    CHECK(long_call.calls() == 0);
    CHECK(h.state("volume") == "40");
    for (const int bad : {-1, 101}) {
        CHECK(speaker.volume(bad).code() == "invalid_request");
    }
    CHECK(h.state("volume") == "40");
    h.driver->stop();
    REQUIRE(h.drain());
    CHECK(long_call.code() == "cancelled");
    CHECK(h.state("spoken") == "0");
}

TEST_CASE("bad announcements are refused") {
    SpeakerDevice speaker;
    CHECK(speaker.say({.text = ""}).code() == "invalid_request");
    CHECK(speaker.say({.text = "\xE8\xAF"}).code() == "invalid_request");
    CHECK(speaker.say({.text = "A\n001"}).code() == "invalid_request");
    CHECK(speaker.say({.text = std::string(501, 'a')}).code() == "invalid_request");
    CHECK(speaker.say({.text = "A001", .repeat = -1}).code() == "invalid_request");
    CHECK(speaker.say({.text = "A001", .repeat = 11}).code() == "invalid_request");
    const auto french = speaker.say({.text = "A001", .language = "fr-FR"});
    CHECK(french.code() == "not_supported");
    CHECK(speaker.say({.text = "A001", .language = "en-US"}).ok());
    CHECK(speaker.harness.state("spoken") == "1");
}

TEST_CASE("the speaker's self-test says the test phrase") {
    SpeakerDevice speaker;
    const auto tested = speaker.harness.complete<std::string>(
        [&](auto done) { speaker.harness.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(*tested.result() == "said the test phrase \"语音叫号测试\"");
    CHECK(speaker.harness.state("spoken") == "0");
}

TEST_CASE("unplugging fails the announcement under way and the queued ones") {
    SpeakerDevice speaker;
    auto& device = speaker.harness.device<Speaker>();
    Outcome<void> speaking;
    Outcome<void> queued;
    device.say({.text = "A001"}, speaking.callback());
    device.say({.text = "A002"}, queued.callback());
    REQUIRE(speaker.harness.act("unplug"));
    REQUIRE(speaker.harness.run_until([&] { return queued.done(); }));
    CHECK(speaking.code() == "disconnected");
    CHECK(queued.code() == "disconnected");
    CHECK(speaker.harness.state("speaking").empty());
}

}  // namespace
}  // namespace hk::drivers::test

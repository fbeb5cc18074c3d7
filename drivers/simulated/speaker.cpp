// The simulated calling speaker (语音叫号): announcements are spoken one at a time, in order,
// never overlapping; each takes response_delay + char_time × characters × repetitions. The
// volume is set on its own path, so it does not wait for the calls queued before it.
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"
#include "drivers/simulated/text.hpp"

namespace hk::drivers::simulated {
namespace {

constexpr int kMaxRepeat = 10;
constexpr std::size_t kMaxCharacters = 500;
constexpr int kMaxVolume = 100;
constexpr std::string_view kTestPhrase = "语音叫号测试";

class SimulatedSpeaker final : public SimulatedDevice, public Speaker {
public:
    SimulatedSpeaker(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          volume_(static_cast<int>(int_param(config, "volume"))),
          repeat_(static_cast<int>(int_param(config, "repeat"))),
          char_time_(duration_param(config, "char_time")),
          speech_(io(), timers()),
          control_(io(), timers()) {}
    SimulatedSpeaker(const SimulatedSpeaker&) = delete;
    SimulatedSpeaker& operator=(const SimulatedSpeaker&) = delete;
    SimulatedSpeaker(SimulatedSpeaker&&) = delete;
    SimulatedSpeaker& operator=(SimulatedSpeaker&&) = delete;
    ~SimulatedSpeaker() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("simulated speaker, each call spoken {} times, {} a character", repeat_,
                           format_duration(char_time_));
    }

    void say(Announcement announcement, Completion<void> done) override {
        auto refused = not_ready();
        if (!refused) {
            refused = check(announcement);
        }
        if (refused) {
            complete_later<void>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        const int repeats = announcement.repeat == 0 ? repeat_ : announcement.repeat;
        speak(
            std::move(announcement.text), repeats,
            [this]() -> std::expected<void, DeviceError> {
                ++spoken_;
                return {};
            },
            std::move(done));
    }

    void set_volume(int percent, Completion<void> done) override {
        auto refused = not_ready();
        if (!refused && (percent < 0 || percent > kMaxVolume)) {
            refused = device_error(device_errc::kInvalid,
                                   fmt::format("volume {} is not 0..100", percent));
        }
        if (refused) {
            complete_later<void>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        control_.push<void>(
            "set_volume", [this] { return response_delay(); },
            [this, percent]() -> std::expected<void, DeviceError> {
                if (auto failed = io_failure()) {
                    return std::unexpected(*failed);
                }
                volume_ = percent;
                return {};
            },
            std::move(done));
    }

    // Says the test phrase once, in turn with the calls.
    void self_test(Completion<std::string> done) override {
        if (auto refused = not_ready()) {
            complete_later<std::string>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        speak(
            std::string(kTestPhrase), 1, []() -> std::expected<void, DeviceError> { return {}; },
            [done = std::move(done)](std::expected<void, DeviceError> said) {
                if (!said) {
                    done(std::unexpected(std::move(said.error())));
                    return;
                }
                done(fmt::format("said the test phrase \"{}\"", kTestPhrase));
            });
    }

private:
    [[nodiscard]] std::vector<SimulationAction> class_actions() const override { return {}; }

    std::expected<std::string, std::string> class_simulate(
        std::string_view action, const std::vector<std::string>& /*args*/) override {
        return std::unexpected(fmt::format("unknown action '{}'", action));
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        return {
            {"volume", std::to_string(volume_)},
            {"spoken", std::to_string(spoken_)},
            {"speaking", speech_.current_label()},
            {"queued", std::to_string(speech_.waiting())},
        };
    }

    void on_link_lost(const DeviceError& why) override {
        speech_.fail_all(why);
        control_.fail_all(why);
    }

    [[nodiscard]] static std::optional<DeviceError> check(const Announcement& announcement) {
        const auto invalid = [](std::string detail) {
            return device_error(device_errc::kInvalid, std::move(detail));
        };
        const auto characters = text::code_points(announcement.text);
        if (!characters) {
            return invalid("the text is not valid UTF-8");
        }
        if (*characters == 0 || *characters > kMaxCharacters) {
            return invalid(fmt::format("the text must have 1 to {} characters", kMaxCharacters));
        }
        if (text::has_control(announcement.text)) {
            return invalid("the text has a control character");
        }
        if (announcement.repeat < 0 || announcement.repeat > kMaxRepeat) {
            return invalid(fmt::format("repeat {} is not 0..{}", announcement.repeat, kMaxRepeat));
        }
        if (announcement.language != "zh-CN" && announcement.language != "en-US") {
            return device_error(
                device_errc::kNotSupported,
                fmt::format("no voice for language '{}' (zh-CN, en-US)", announcement.language));
        }
        return std::nullopt;
    }

    // Queues `text`, spoken `repeats` times; `spoken` runs when it was said without error.
    void speak(std::string text, int repeats,
               std::function<std::expected<void, DeviceError>()> spoken, Completion<void> done) {
        const auto characters = static_cast<std::int64_t>(text::code_points(text).value_or(0));
        const auto duration = response_delay() + char_time_ * characters * repeats;
        speech_.push<void>(
            std::move(text), [duration] { return duration; },
            [this, spoken = std::move(spoken)]() -> std::expected<void, DeviceError> {
                if (auto failed = io_failure()) {
                    return std::unexpected(*failed);
                }
                return spoken();
            },
            std::move(done));
    }

    int volume_;
    int repeat_;
    std::chrono::milliseconds char_time_;
    std::uint64_t spoken_ = 0;
    OpQueue speech_;   // announcements and the test phrase, one at a time
    OpQueue control_;  // volume changes
};

}  // namespace

std::unique_ptr<Driver> make_speaker(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedSpeaker>(config, context);
}

}  // namespace hk::drivers::simulated

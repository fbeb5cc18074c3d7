// The simulated window LED display (窗口屏): `lines` lines of `columns` display columns, a CJK
// or full-width character taking two; text is cut to fit, never wrapped. Text and brightness
// change after response_delay, in the order asked.
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"
#include "drivers/simulated/text.hpp"

namespace hk::drivers::simulated {
namespace {

constexpr int kFullBrightness = 100;

class SimulatedWindowDisplay final : public SimulatedDevice, public WindowDisplay {
public:
    SimulatedWindowDisplay(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          columns_(static_cast<int>(int_param(config, "columns"))),
          shown_(static_cast<std::size_t>(int_param(config, "lines"))),
          ops_(io(), timers()) {}
    SimulatedWindowDisplay(const SimulatedWindowDisplay&) = delete;
    SimulatedWindowDisplay& operator=(const SimulatedWindowDisplay&) = delete;
    SimulatedWindowDisplay(SimulatedWindowDisplay&&) = delete;
    SimulatedWindowDisplay& operator=(SimulatedWindowDisplay&&) = delete;
    ~SimulatedWindowDisplay() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("simulated window display, {} lines of {} columns", shown_.size(),
                           columns_);
    }

    // Lines past the display's are dropped; invalid text changes nothing.
    void show(DisplayText text, Completion<void> done) override {
        auto refused = not_ready();
        for (std::size_t i = 0; !refused && i < text.lines.size(); ++i) {
            if (!text::is_valid_utf8(text.lines[i])) {
                refused = device_error(device_errc::kInvalid,
                                       fmt::format("line {} is not valid UTF-8", i + 1));
            } else if (text::has_control(text.lines[i])) {
                refused = device_error(device_errc::kInvalid,
                                       fmt::format("line {} has a control character", i + 1));
            }
        }
        if (refused) {
            complete_later<void>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        run("show", std::move(done),
            [this, lines = std::move(text.lines)] { shown_ = fit(lines); });
    }

    void set_brightness(int percent, Completion<void> done) override {
        if (percent < 0 || percent > kFullBrightness) {
            complete_later<void>(
                io(), std::move(done),
                std::unexpected(device_error(device_errc::kInvalid,
                                             fmt::format("brightness {} is not 0..100", percent))));
            return;
        }
        run("set_brightness", std::move(done), [this, percent] { brightness_ = percent; });
    }

    // Shows a test pattern (full-width characters and digits on alternate lines); it stays
    // until the next show.
    void self_test(Completion<std::string> done) override {
        // The completion runs later, maybe after the driver is gone: it holds copies only.
        run(
            "self-test",
            [done = std::move(done), lines = shown_.size(),
             columns = columns_](std::expected<void, DeviceError> shown) {
                if (!shown) {
                    done(std::unexpected(std::move(shown.error())));
                    return;
                }
                done(
                    fmt::format("showed a test pattern on {} lines of {} columns", lines, columns));
            },
            [this] {
                std::vector<std::string> pattern;
                pattern.reserve(shown_.size());
                for (std::size_t i = 0; i < shown_.size(); ++i) {
                    pattern.emplace_back(i % 2 == 0 ? repeat("测", columns_)
                                                    : repeat("0123456789", columns_));
                }
                shown_ = fit(pattern);
            });
    }

private:
    [[nodiscard]] std::vector<SimulationAction> class_actions() const override { return {}; }

    std::expected<std::string, std::string> class_simulate(
        std::string_view action, const std::vector<std::string>& /*args*/) override {
        return std::unexpected(fmt::format("unknown action '{}'", action));
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        std::vector<std::pair<std::string, std::string>> state;
        state.reserve(shown_.size() + 1);
        for (std::size_t i = 0; i < shown_.size(); ++i) {
            state.emplace_back(fmt::format("line{}", i + 1), shown_[i]);
        }
        state.emplace_back("brightness", std::to_string(brightness_));
        return state;
    }

    void on_link_lost(const DeviceError& why) override { ops_.fail_all(why); }

    template <typename Change>
    void run(std::string label, Completion<void> done, Change change) {
        if (auto refused = not_ready()) {
            complete_later<void>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        ops_.push<void>(
            std::move(label), [this] { return response_delay(); },
            [this, change = std::move(change)]() -> std::expected<void, DeviceError> {
                if (auto failed = io_failure()) {
                    return std::unexpected(*failed);
                }
                change();
                return {};
            },
            std::move(done));
    }

    // The lines as the display shows them: as many as it has, each cut to its columns.
    [[nodiscard]] std::vector<std::string> fit(const std::vector<std::string>& lines) const {
        std::vector<std::string> fitted(shown_.size());
        for (std::size_t i = 0; i < fitted.size() && i < lines.size(); ++i) {
            fitted[i] = text::cut_to_columns(lines[i], columns_).value_or("");
        }
        return fitted;
    }

    // `unit` repeated until it fills `columns` (cut later to fit exactly).
    static std::string repeat(std::string_view unit, int columns) {
        std::string line;
        while (text::display_columns(line).value_or(0) < columns) {
            line += unit;
        }
        return line;
    }

    int columns_;
    std::vector<std::string> shown_;  // one entry per line of the display
    int brightness_ = kFullBrightness;
    OpQueue ops_;
};

}  // namespace

std::unique_ptr<Driver> make_window_display(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedWindowDisplay>(config, context);
}

}  // namespace hk::drivers::simulated

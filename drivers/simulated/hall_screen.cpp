// The simulated hall screen (综合屏): a title, the queue's rows in pages of `rows`, turned every
// page_interval while there is more than one, and a notice line. A new board starts at its
// first page; an unplugged screen stands still.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"

namespace hk::drivers::simulated {
namespace {

class SimulatedHallScreen final : public SimulatedDevice, public HallScreen {
public:
    SimulatedHallScreen(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          rows_per_page_(static_cast<std::size_t>(int_param(config, "rows"))),
          page_interval_(duration_param(config, "page_interval")),
          ops_(io(), timers()) {}
    SimulatedHallScreen(const SimulatedHallScreen&) = delete;
    SimulatedHallScreen& operator=(const SimulatedHallScreen&) = delete;
    SimulatedHallScreen(SimulatedHallScreen&&) = delete;
    SimulatedHallScreen& operator=(SimulatedHallScreen&&) = delete;
    ~SimulatedHallScreen() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("simulated hall screen, {} rows a page, pages turn every {}",
                           rows_per_page_, format_duration(page_interval_));
    }

    void show(HallBoard board, Completion<void> done) override {
        run("show", std::move(done), [this, board = std::move(board)] { put(board); });
    }

    // Shows a test board filling one page; it stays until the next show.
    void self_test(Completion<std::string> done) override {
        run(
            "self-test",
            [done = std::move(done),
             rows = rows_per_page_](std::expected<void, DeviceError> shown) {
                if (!shown) {
                    done(std::unexpected(std::move(shown.error())));
                    return;
                }
                done(fmt::format("showed a test board of {} rows", rows));
            },
            [this] {
                HallBoard test{.title = "综合屏自检", .rows = {}, .notice = "自检：屏幕显示正常"};
                for (std::size_t i = 1; i <= rows_per_page_; ++i) {
                    test.rows.push_back({.ticket = fmt::format("T{:03}", i),
                                         .window = std::to_string(i),
                                         .state = "test"});
                }
                put(test);
            });
    }

private:
    [[nodiscard]] std::vector<SimulationAction> class_actions() const override {
        return {{"next_page", "", "turn to the next page now, as the page timer would"}};
    }

    std::expected<std::string, std::string> class_simulate(
        std::string_view /*action: next_page*/, const std::vector<std::string>& args) override {
        if (!args.empty()) {
            return std::unexpected(std::string("next_page takes no arguments"));
        }
        if (auto why = not_connected()) {
            return std::unexpected(*why);
        }
        turn();
        return fmt::format("page {}", page_label());
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        std::string rows;
        const auto first = page_ * rows_per_page_;
        const auto last = std::min(board_.rows.size(), first + rows_per_page_);
        for (auto i = first; i < last; ++i) {
            const auto& row = board_.rows[i];
            rows += fmt::format("{}{} {} {}", rows.empty() ? "" : "; ", row.ticket, row.window,
                                row.state);
        }
        return {
            {"title", board_.title},
            {"page", page_label()},
            {"rows", rows},
            {"notice", board_.notice},
        };
    }

    void on_online() override { restart_rotation(); }

    void on_link_lost(const DeviceError& why) override {
        ops_.fail_all(why);
        rotation_ = 0;
    }

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

    void put(const HallBoard& board) {
        board_ = board;
        page_ = 0;
        restart_rotation();
    }

    [[nodiscard]] std::size_t pages() const {
        return std::max<std::size_t>(1, (board_.rows.size() + rows_per_page_ - 1) / rows_per_page_);
    }

    [[nodiscard]] std::string page_label() const {
        return fmt::format("{}/{}", page_ + 1, pages());
    }

    void turn() {
        page_ = (page_ + 1) % pages();
        restart_rotation();
    }

    // The current page is shown a whole page_interval from now.
    void restart_rotation() {
        timers().cancel(rotation_);
        rotation_ = 0;
        if (pages() > 1 && connected()) {
            rotation_ = timers().after(page_interval_, [this] {
                rotation_ = 0;
                turn();
            });
        }
    }

    std::size_t rows_per_page_;
    std::chrono::milliseconds page_interval_;
    HallBoard board_;
    std::size_t page_ = 0;
    Timers::Id rotation_ = 0;
    OpQueue ops_;
};

}  // namespace

std::unique_ptr<Driver> make_hall_screen(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedHallScreen>(config, context);
}

}  // namespace hk::drivers::simulated

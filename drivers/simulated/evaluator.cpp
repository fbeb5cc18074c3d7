// The simulated evaluator pad (评价器): welcome, ask for a rating, idle, each shown after
// response_delay, in order; a key pressed while a rating is pending rates that ticket, any
// other key press is just a key; nobody rating within rating_timeout is an event too.
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"

namespace hk::drivers::simulated {
namespace {

constexpr std::string_view kWelcome = "欢迎光临";
constexpr std::string_view kAskRating = "您好，请对我的服务进行评价";
constexpr std::string_view kThanks = "谢谢您的评价";
constexpr std::string_view kIdle = "";  // the idle pad's screen is blank

class SimulatedEvaluator final : public SimulatedDevice, public Evaluator {
public:
    SimulatedEvaluator(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          buttons_(static_cast<int>(int_param(config, "buttons"))),
          rating_timeout_(duration_param(config, "rating_timeout")),
          ops_(io(), timers()) {}
    SimulatedEvaluator(const SimulatedEvaluator&) = delete;
    SimulatedEvaluator& operator=(const SimulatedEvaluator&) = delete;
    SimulatedEvaluator(SimulatedEvaluator&&) = delete;
    SimulatedEvaluator& operator=(SimulatedEvaluator&&) = delete;
    ~SimulatedEvaluator() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("simulated evaluator, {} buttons, ratings time out after {}", buttons_,
                           format_duration(rating_timeout_));
    }

    // The welcome screen names the officer by 工号 only: the name stays out of the simulated
    // screen, and so out of simulation_state. A pending rating is dropped: service moved on.
    void welcome(ServiceSession session, Completion<void> done) override {
        run("welcome", std::move(done), [this, officer = std::move(session.officer_id)] {
            drop_rating();
            screen_ = officer.empty() ? std::string(kWelcome)
                                      : fmt::format("{} 工号 {}", kWelcome, officer);
        });
    }

    // A pending rating of another ticket is replaced without an event.
    void request_rating(ServiceSession session, Completion<void> done) override {
        if (session.ticket.empty()) {
            complete_later<void>(
                io(), std::move(done),
                std::unexpected(device_error(device_errc::kInvalid, "a rating needs a ticket")));
            return;
        }
        run("request_rating", std::move(done), [this, ticket = std::move(session.ticket)] {
            drop_rating();
            screen_ = kAskRating;
            pending_ = ticket;
            timeout_ = timers().after(rating_timeout_, [this] { time_out(); });
        });
    }

    void idle(Completion<void> done) override {
        run("idle", std::move(done), [this] {
            drop_rating();
            screen_ = kIdle;
        });
    }

    // Lights every key and checks the screen; what is shown stays.
    void self_test(Completion<std::string> done) override {
        if (auto refused = not_ready()) {
            complete_later<std::string>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        ops_.push<std::string>(
            "self-test", [this] { return response_delay(); },
            [this]() -> std::expected<std::string, DeviceError> {
                if (auto failed = io_failure()) {
                    return std::unexpected(*failed);
                }
                return fmt::format("screen and {} keys ok", buttons_);
            },
            std::move(done));
    }

private:
    [[nodiscard]] std::vector<SimulationAction> class_actions() const override {
        return {
            {"press", "KEY (1..buttons)",
             "press a key: the rating of the pending ticket, else a key press"},
            {"walk_away", "", "the citizen leaves without rating: the rating times out now"},
        };
    }

    std::expected<std::string, std::string> class_simulate(
        std::string_view action, const std::vector<std::string>& args) override {
        if (action == "walk_away") {
            if (!args.empty()) {
                return std::unexpected(std::string("walk_away takes no arguments"));
            }
            if (!pending_) {
                return std::unexpected(std::string("no rating is pending"));
            }
            const auto ticket = *pending_;
            time_out();
            return fmt::format("the rating of {} timed out", ticket);
        }
        const auto key = args.size() == 1 ? parse_integer(args[0], 1, buttons_) : std::nullopt;
        if (!key) {
            return std::unexpected(fmt::format("press takes a key from 1 to {}", buttons_));
        }
        if (auto why = not_connected()) {
            return std::unexpected(*why);
        }
        const int rating = static_cast<int>(*key);
        if (!pending_) {
            emit_later(events::KeyPressed{.key = rating});
            return fmt::format("key {} pressed", rating);
        }
        const auto ticket = *pending_;
        drop_rating();
        screen_ = kThanks;
        emit_later(events::RatingGiven{.ticket = ticket, .rating = rating});
        return fmt::format("{} rated {}", ticket, rating);
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        return {
            {"screen", screen_},
            {"pending", pending_.value_or("")},
        };
    }

    // The pad keeps its screen; a rating pending is forgotten, without an event.
    void on_link_lost(const DeviceError& why) override {
        ops_.fail_all(why);
        pending_.reset();
        timeout_ = 0;
    }

    // Queues a screen change: shown after response_delay unless the link fails it.
    template <typename Show>
    void run(std::string label, Completion<void> done, Show show) {
        if (auto refused = not_ready()) {
            complete_later<void>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        ops_.push<void>(
            std::move(label), [this] { return response_delay(); },
            [this, show = std::move(show)]() mutable -> std::expected<void, DeviceError> {
                if (auto failed = io_failure()) {
                    return std::unexpected(*failed);
                }
                show();
                return {};
            },
            std::move(done));
    }

    void drop_rating() {
        timers().cancel(timeout_);
        timeout_ = 0;
        pending_.reset();
    }

    void time_out() {
        if (!pending_) {
            return;
        }
        const auto ticket = *pending_;
        drop_rating();
        screen_ = kIdle;
        emit_later(events::RatingTimedOut{.ticket = ticket});
    }

    int buttons_;
    std::chrono::milliseconds rating_timeout_;
    std::string screen_{kIdle};
    std::optional<std::string> pending_;  // the ticket whose rating is asked for
    Timers::Id timeout_ = 0;
    OpQueue ops_;
};

}  // namespace

std::unique_ptr<Driver> make_evaluator(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedEvaluator>(config, context);
}

}  // namespace hk::drivers::simulated

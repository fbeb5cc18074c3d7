// What every simulated device shares (docs/drivers.md, "The compiled-in simulated drivers"):
// timers on the loop that never fire into a destroyed driver, a queue that runs operations one
// at a time with exactly-once completions, the deterministic failure PRNG, and the base class
// that owns the link (start, stop, unplug, replug), the health it implies and the simulation
// actions common to every class (unplug, replug, fail_next).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "drivers/sdk/device_classes.hpp"
#include "drivers/sdk/driver.hpp"
#include "drivers/sdk/simulation.hpp"

namespace hk::drivers::simulated {

// ---- Small helpers ----------------------------------------------------------------------------

[[nodiscard]] inline DeviceError device_error(std::string_view code, std::string detail) {
    return DeviceError{std::string(code), std::move(detail)};
}

// Runs `done` with `result` later on the loop: a completion never runs inside the call that
// started its operation, and it holds nothing of the driver, so it runs even when the driver
// is gone by then. An empty completion is skipped (calling it would throw on the loop).
template <typename T>
void complete_later(boost::asio::io_context& io, Completion<T> done,
                    std::expected<T, DeviceError> result) {
    if (!done) {
        return;
    }
    boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
}

// The parameter values of a validated configuration (every parameter has one); a value of the
// wrong type reads as the type's zero rather than throwing.
[[nodiscard]] std::int64_t int_param(const DeviceConfig& config, std::string_view name);
[[nodiscard]] std::string string_param(const DeviceConfig& config, std::string_view name);
[[nodiscard]] bool bool_param(const DeviceConfig& config, std::string_view name);
[[nodiscard]] std::chrono::milliseconds duration_param(const DeviceConfig& config,
                                                       std::string_view name);

// A whole decimal number from min to max written exactly ("12", not "+12", "1e3" or "12 ").
[[nodiscard]] std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t min,
                                                        std::int64_t max);

// SplitMix64: tiny, fully specified, so a seed gives the same failures on every platform and
// standard library (std::uniform_int_distribution does not promise that).
class Prng {
public:
    explicit Prng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    // True with a probability of `percent` in 100 (0: never draws, 100: always true).
    bool chance(int percent);

private:
    std::uint64_t state_;
};

// ---- Timers -----------------------------------------------------------------------------------

// One-shot timers on the loop, each with an id. A cancelled timer's function never runs, even
// when its expiry was already queued on the loop; nothing runs after the set is destroyed.
class Timers {
public:
    using Id = std::uint64_t;  // 0 is never an id: "no timer"

    explicit Timers(boost::asio::io_context& io);
    Timers(const Timers&) = delete;
    Timers& operator=(const Timers&) = delete;
    Timers(Timers&&) = delete;
    Timers& operator=(Timers&&) = delete;
    ~Timers();

    Id after(std::chrono::milliseconds delay, std::function<void()> task);
    void cancel(Id id);  // an unknown or finished id is ignored
    void cancel_all();
    [[nodiscard]] bool pending(Id id) const { return entries_.contains(id); }

    // Runs `task` later on the loop, in order with other posts, unless the set is destroyed
    // first. Not cancelled by cancel_all: for events already sent by the device.
    void post(std::function<void()> task);

private:
    struct Entry {
        std::unique_ptr<boost::asio::steady_timer> timer;
        std::function<void()> task;
    };
    void fire(Id id);

    boost::asio::io_context& io_;
    std::shared_ptr<Timers*> self_;  // handlers hold a weak_ptr to it
    std::map<Id, Entry> entries_;
    Id next_id_ = 1;
};

// ---- Operations one at a time -----------------------------------------------------------------

// A FIFO of device operations, run one at a time: each takes its duration (decided when it
// starts) on a timer, then `perform` runs and its result completes the operation. Every
// completion runs exactly once, later on the loop: with perform's result, or with the error of
// fail_all. A null completion is allowed for operations nobody waits for (a scan).
class OpQueue {
public:
    OpQueue(boost::asio::io_context& io, Timers& timers) : io_(io), timers_(timers) {}
    OpQueue(const OpQueue&) = delete;
    OpQueue& operator=(const OpQueue&) = delete;
    OpQueue(OpQueue&&) = delete;
    OpQueue& operator=(OpQueue&&) = delete;
    ~OpQueue() = default;

    template <typename T>
    void push(std::string label, std::function<std::chrono::milliseconds()> duration,
              std::function<std::expected<T, DeviceError>()> perform, Completion<T> done) {
        auto settle = [&io = io_, perform = std::move(perform),
                       done = std::move(done)](std::optional<DeviceError> error) mutable {
            if (!done) {
                if (!error) {
                    static_cast<void>(perform());
                }
                return;
            }
            if (error) {
                complete_later<T>(io, std::move(done), std::unexpected(std::move(*error)));
            } else {
                complete_later<T>(io, std::move(done), perform());
            }
        };
        ops_.emplace_back(std::move(label), std::move(duration), std::move(settle));
        pump();
    }

    // Fails the running operation and every waiting one, in order, with `error`.
    void fail_all(const DeviceError& error);

    // Asked before each operation starts: an error fails that operation and every waiting one
    // (a printer out of paper fails its queue), after the completions of those that finished.
    void set_gate(std::function<std::optional<DeviceError>()> gate) { gate_ = std::move(gate); }

    [[nodiscard]] bool busy() const { return current_.has_value() || !ops_.empty(); }
    [[nodiscard]] std::size_t waiting() const { return ops_.size(); }
    // The running operation's label, empty when idle.
    [[nodiscard]] std::string current_label() const { return current_ ? current_->label : ""; }

private:
    struct Op {
        Op(std::string op_label, std::function<std::chrono::milliseconds()> op_duration,
           std::function<void(std::optional<DeviceError>)> op_settle)
            : label(std::move(op_label)),
              duration(std::move(op_duration)),
              settle(std::move(op_settle)) {}
        std::string label;
        std::function<std::chrono::milliseconds()> duration;
        std::function<void(std::optional<DeviceError>)> settle;  // called exactly once
    };
    void pump();
    void finish();

    boost::asio::io_context& io_;
    Timers& timers_;
    std::deque<Op> ops_;
    std::optional<Op> current_;
    Timers::Id timer_ = 0;
    std::function<std::optional<DeviceError>()> gate_;
};

// ---- The simulated device ---------------------------------------------------------------------

// The health a device reports while its link is up: online unless the class knows better
// (paper low, cover open).
struct Condition {
    DeviceState state = DeviceState::online;
    std::string fault;
    std::string detail;
};

// The base of every simulated driver. It owns the link: stopped → probing → online after
// response_delay; unplug → offline "disconnected"; replug → probing → online. The public
// functions are final and call the private hooks below where classes differ.
//
// A final class's destructor must call stop(), so that its outstanding completions still run
// (with kCancelled) while its members exist.
class SimulatedDevice : public Driver, public SimulationControl {
public:
    SimulatedDevice(const DeviceConfig& config, DriverContext& context);
    ~SimulatedDevice() override = default;

    [[nodiscard]] std::expected<void, std::string> start() final;
    void stop() final;

    [[nodiscard]] std::vector<SimulationAction> simulation_actions() const final;
    std::expected<std::string, std::string> simulate(std::string_view action,
                                                     const std::vector<std::string>& args) final;
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> simulation_state() const final;

protected:
    [[nodiscard]] const DeviceConfig& config() const { return config_; }
    [[nodiscard]] DriverContext& context() { return context_; }
    [[nodiscard]] boost::asio::io_context& io() { return context_.io; }
    [[nodiscard]] Timers& timers() { return timers_; }
    [[nodiscard]] std::chrono::milliseconds response_delay() const { return response_delay_; }

    [[nodiscard]] bool connected() const { return link_ == Link::online; }
    // Why an operation cannot start now (device_errc::kNotReady), or nothing when it can.
    [[nodiscard]] std::optional<DeviceError> not_ready() const;
    // The same for a simulation action that needs the device to report something.
    [[nodiscard]] std::optional<std::string> not_connected() const;
    // Whether this operation fails with an I/O error: `fail_next` first, then the
    // failure_rate_percent PRNG. Each failure counts one health.counters().io_errors.
    [[nodiscard]] std::optional<DeviceError> io_failure();
    // Sends an event up, later on the loop (in order with completions).
    void emit_later(DeviceEvent event);
    // Sets health from the link and, while online, from condition().
    void refresh_health();

private:
    enum class Link : std::uint8_t { stopped, probing, online, unplugged };

    // The class's own actions (without the common ones), how to perform one, and its state.
    [[nodiscard]] virtual std::vector<SimulationAction> class_actions() const = 0;
    virtual std::expected<std::string, std::string> class_simulate(
        std::string_view action, const std::vector<std::string>& args) = 0;
    [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> class_state() const = 0;
    // The health while the link is up.
    [[nodiscard]] virtual Condition condition() const { return {}; }
    // The link came up (start, replug).
    virtual void on_online() {}
    // The link went down (unplug: `why` is "disconnected"; stop: kCancelled): fail every
    // outstanding operation with `why` and forget what was under way. Every timer is cancelled
    // right after, so the class must forget its timer ids too.
    virtual void on_link_lost(const DeviceError& why) = 0;

    void go_probing();
    void set_health(DeviceState state, std::string_view fault, std::string_view detail);
    [[nodiscard]] std::string_view link_name() const;

    DeviceConfig config_;
    DriverContext& context_;
    std::chrono::milliseconds response_delay_;
    int failure_rate_;
    Prng prng_;
    std::int64_t fail_next_ = 0;
    Link link_ = Link::stopped;
    Timers timers_;
};

// The driver of each class, built from a validated configuration (simulated.cpp makes sure
// every parameter has a valid value).
std::unique_ptr<Driver> make_ticket_printer(const DeviceConfig& config, DriverContext& context);
std::unique_ptr<Driver> make_id_card_reader(const DeviceConfig& config, DriverContext& context);
std::unique_ptr<Driver> make_document_camera(const DeviceConfig& config, DriverContext& context);
std::unique_ptr<Driver> make_barcode_scanner(const DeviceConfig& config, DriverContext& context);
std::unique_ptr<Driver> make_evaluator(const DeviceConfig& config, DriverContext& context);
std::unique_ptr<Driver> make_window_display(const DeviceConfig& config, DriverContext& context);
std::unique_ptr<Driver> make_hall_screen(const DeviceConfig& config, DriverContext& context);
std::unique_ptr<Driver> make_speaker(const DeviceConfig& config, DriverContext& context);

}  // namespace hk::drivers::simulated

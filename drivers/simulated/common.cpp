// What every simulated device shares: see common.hpp.
#include "drivers/simulated/common.hpp"

#include <charconv>
#include <system_error>
#include <variant>

#include <fmt/format.h>

namespace hk::drivers::simulated {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kMaxFailNext = 1'000'000;

template <typename T>
const T* param(const DeviceConfig& config, std::string_view name) {
    const auto it = config.params.find(name);
    return it == config.params.end() ? nullptr : std::get_if<T>(&it->second);
}

}  // namespace

// ---- Helpers ----------------------------------------------------------------------------------

std::int64_t int_param(const DeviceConfig& config, std::string_view name) {
    const auto* value = param<std::int64_t>(config, name);
    return value == nullptr ? 0 : *value;
}

std::string string_param(const DeviceConfig& config, std::string_view name) {
    const auto* value = param<std::string>(config, name);
    return value == nullptr ? std::string() : *value;
}

bool bool_param(const DeviceConfig& config, std::string_view name) {
    const auto* value = param<bool>(config, name);
    return value != nullptr && *value;
}

milliseconds duration_param(const DeviceConfig& config, std::string_view name) {
    const auto* value = param<milliseconds>(config, name);
    return value == nullptr ? milliseconds(0) : *value;
}

std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t min,
                                          std::int64_t max) {
    if (text.empty() || text.front() == '+') {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

std::uint64_t Prng::next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
}

bool Prng::chance(int percent) {
    if (percent <= 0) {
        return false;
    }
    return next() % 100U < static_cast<std::uint64_t>(percent);
}

// ---- Timers -----------------------------------------------------------------------------------

Timers::Timers(boost::asio::io_context& io) : io_(io), self_(std::make_shared<Timers*>(this)) {}

Timers::~Timers() {
    self_.reset();
    entries_.clear();  // cancels the waits; their handlers find the set gone
}

Timers::Id Timers::after(milliseconds delay, std::function<void()> task) {
    const Id id = next_id_++;
    auto timer = std::make_unique<boost::asio::steady_timer>(io_);
    timer->expires_after(delay);
    // The error code is not needed: a cancelled timer's entry is gone before its handler runs.
    timer->async_wait([weak = std::weak_ptr<Timers*>(self_), id](const boost::system::error_code&) {
        if (const auto self = weak.lock()) {
            (*self)->fire(id);
        }
    });
    entries_.emplace(id, Entry{std::move(timer), std::move(task)});
    return id;
}

void Timers::cancel(Id id) {
    entries_.erase(id);
}

void Timers::cancel_all() {
    entries_.clear();
}

void Timers::post(std::function<void()> task) {
    boost::asio::post(io_, [weak = std::weak_ptr<Timers*>(self_), task = std::move(task)] {
        if (weak.lock()) {
            task();
        }
    });
}

void Timers::fire(Id id) {
    const auto it = entries_.find(id);
    if (it == entries_.end()) {
        return;  // cancelled after its expiry was queued
    }
    auto task = std::move(it->second.task);
    entries_.erase(it);  // the timer is done: destroying it inside its handler is safe
    task();
}

// ---- OpQueue ----------------------------------------------------------------------------------

void OpQueue::fail_all(const DeviceError& error) {
    if (current_) {
        timers_.cancel(timer_);
        timer_ = 0;
        Op op = std::move(*current_);
        current_.reset();
        op.settle(error);
    }
    while (!ops_.empty()) {
        Op op = std::move(ops_.front());
        ops_.pop_front();
        op.settle(error);
    }
}

void OpQueue::pump() {
    if (current_ || ops_.empty()) {
        return;
    }
    if (gate_) {
        if (const auto refused = gate_()) {
            fail_all(*refused);
            return;
        }
    }
    current_.emplace(std::move(ops_.front()));
    ops_.pop_front();
    const auto delay = current_->duration ? current_->duration() : milliseconds(0);
    timer_ = timers_.after(delay, [this] { finish(); });
}

void OpQueue::finish() {
    if (!current_) {
        return;
    }
    Op op = std::move(*current_);
    current_.reset();
    timer_ = 0;
    op.settle(std::nullopt);  // perform may fail the waiting operations (paper out)
    pump();
}

// ---- SimulatedDevice --------------------------------------------------------------------------

SimulatedDevice::SimulatedDevice(const DeviceConfig& config, DriverContext& context)
    : config_(config),
      context_(context),
      response_delay_(duration_param(config, "response_delay")),
      failure_rate_(static_cast<int>(int_param(config, "failure_rate_percent"))),
      prng_(static_cast<std::uint64_t>(int_param(config, "seed"))),
      timers_(context.io) {}

std::expected<void, std::string> SimulatedDevice::start() {
    if (link_ != Link::stopped) {
        return std::unexpected(std::string("already started"));
    }
    go_probing();
    return {};
}

void SimulatedDevice::stop() {
    if (link_ == Link::stopped) {
        return;
    }
    link_ = Link::stopped;
    on_link_lost(device_error(device_errc::kCancelled, "the driver was stopped"));
    timers_.cancel_all();
    set_health(DeviceState::absent, "", "stopped");
}

void SimulatedDevice::go_probing() {
    link_ = Link::probing;
    set_health(DeviceState::probing, "", "simulated device answering");
    static_cast<void>(timers_.after(response_delay_, [this] {
        link_ = Link::online;
        on_online();
        refresh_health();
    }));
}

std::vector<SimulationAction> SimulatedDevice::simulation_actions() const {
    auto actions = class_actions();
    actions.push_back({"unplug", "", "pull the cable: offline \"disconnected\", operations fail"});
    actions.push_back(
        {"replug", "", "plug the cable back in: probing, online after response_delay"});
    actions.push_back({"fail_next", "N", "the next N operations fail with io_error (0: none)"});
    return actions;
}

std::expected<std::string, std::string> SimulatedDevice::simulate(
    std::string_view action, const std::vector<std::string>& args) {
    if (action == "unplug" || action == "replug") {
        if (!args.empty()) {
            return std::unexpected(fmt::format("{} takes no arguments", action));
        }
    }
    if (action == "unplug") {
        if (link_ == Link::stopped) {
            return std::unexpected(std::string("the device is not started"));
        }
        if (link_ == Link::unplugged) {
            return std::unexpected(std::string("the device is already unplugged"));
        }
        link_ = Link::unplugged;
        on_link_lost(device_error(fault::kDisconnected, "the device was unplugged"));
        timers_.cancel_all();
        set_health(DeviceState::offline, fault::kDisconnected, "cable pulled (simulated)");
        return "unplugged";
    }
    if (action == "replug") {
        if (link_ != Link::unplugged) {
            return std::unexpected(std::string("the device is not unplugged"));
        }
        ++context_.health.counters().reconnects;
        go_probing();
        return fmt::format("plugged back in: online after {}", format_duration(response_delay_));
    }
    if (action == "fail_next") {
        const auto count =
            args.size() == 1 ? parse_integer(args[0], 0, kMaxFailNext) : std::nullopt;
        if (!count) {
            return std::unexpected(
                fmt::format("fail_next takes one number from 0 to {}", kMaxFailNext));
        }
        fail_next_ = *count;
        return fmt::format("the next {} operations fail with io_error", fail_next_);
    }
    const auto actions = class_actions();
    for (const auto& known : actions) {
        if (known.name == action) {
            return class_simulate(action, args);
        }
    }
    std::string names;
    for (const auto& known : simulation_actions()) {
        names += names.empty() ? known.name : ", " + known.name;
    }
    return std::unexpected(fmt::format("unknown action '{}'; actions: {}", action, names));
}

std::vector<std::pair<std::string, std::string>> SimulatedDevice::simulation_state() const {
    auto state = class_state();
    state.emplace_back("link", std::string(link_name()));
    state.emplace_back("fail_next", std::to_string(fail_next_));
    return state;
}

std::optional<DeviceError> SimulatedDevice::not_ready() const {
    switch (link_) {
        case Link::online:
            return std::nullopt;
        case Link::stopped:
            return device_error(device_errc::kNotReady, "the device is not started");
        case Link::probing:
            return device_error(device_errc::kNotReady, "the device is still starting");
        case Link::unplugged:
            return device_error(device_errc::kNotReady, "the device is unplugged");
    }
    return device_error(device_errc::kNotReady, "the device is not online");
}

std::optional<std::string> SimulatedDevice::not_connected() const {
    if (const auto error = not_ready()) {
        return error->detail;
    }
    return std::nullopt;
}

std::optional<DeviceError> SimulatedDevice::io_failure() {
    std::string_view why;
    if (fail_next_ > 0) {
        --fail_next_;
        why = "fail_next";
    } else if (prng_.chance(failure_rate_)) {
        why = "failure_rate_percent";
    } else {
        return std::nullopt;
    }
    ++context_.health.counters().io_errors;
    return device_error(fault::kIoError, fmt::format("simulated I/O error ({})", why));
}

void SimulatedDevice::emit_later(DeviceEvent event) {
    timers_.post([this, event = std::move(event)] {
        if (context_.emit) {
            context_.emit(event);
        }
    });
}

void SimulatedDevice::refresh_health() {
    if (link_ != Link::online) {
        return;  // probing, offline and absent are set where the link changes
    }
    const Condition now = condition();
    set_health(now.state, now.fault, now.detail);
}

void SimulatedDevice::set_health(DeviceState state, std::string_view fault,
                                 std::string_view detail) {
    const std::int64_t at = context_.now_ms ? context_.now_ms() : 0;
    static_cast<void>(context_.health.set(state, fault, detail, at));
}

std::string_view SimulatedDevice::link_name() const {
    switch (link_) {
        case Link::stopped:
            return "stopped";
        case Link::probing:
            return "probing";
        case Link::online:
            return "online";
        case Link::unplugged:
            return "unplugged";
    }
    return "unknown";
}

}  // namespace hk::drivers::simulated

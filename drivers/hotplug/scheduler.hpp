// Delayed calls for the hotplug monitor's settle and debounce timing, injectable so tests
// decide when time passes: AsioScheduler runs on the daemon's event loop, ManualScheduler
// runs due calls only when a test advances its clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace hk::drivers::hotplug {

class Scheduler {
public:
    using Callback = std::function<void()>;
    using Id = std::uint64_t;

    Scheduler() = default;
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    virtual ~Scheduler() = default;

    // Calls `callback` once after `delay`, on the loop, unless cancelled first. Ids are never 0.
    Id call_after(std::chrono::milliseconds delay, Callback callback) {
        return do_call_after(delay, std::move(callback));
    }
    // Cancelling a call that already ran or an unknown id does nothing.
    void cancel(Id id) { do_cancel(id); }

private:
    virtual Id do_call_after(std::chrono::milliseconds delay, Callback callback) = 0;
    virtual void do_cancel(Id id) = 0;
};

// One steady_timer per pending call on the given io_context.
class AsioScheduler final : public Scheduler {
public:
    explicit AsioScheduler(boost::asio::io_context& io) : io_(io) {}
    ~AsioScheduler() override;
    AsioScheduler(const AsioScheduler&) = delete;
    AsioScheduler& operator=(const AsioScheduler&) = delete;

private:
    Id do_call_after(std::chrono::milliseconds delay, Callback callback) override;
    void do_cancel(Id id) override;

    boost::asio::io_context& io_;
    Id next_id_ = 1;
    std::map<Id, std::unique_ptr<boost::asio::steady_timer>> timers_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// A fake clock for tests: calls run, in time order, only inside advance().
class ManualScheduler final : public Scheduler {
public:
    // Moves the clock forward, running every call that falls due on the way (including calls
    // scheduled by those calls). Returns how many ran.
    std::size_t advance(std::chrono::milliseconds by);
    [[nodiscard]] std::chrono::milliseconds now() const { return now_; }
    [[nodiscard]] std::size_t pending() const { return calls_.size(); }

private:
    Id do_call_after(std::chrono::milliseconds delay, Callback callback) override;
    void do_cancel(Id id) override;

    struct Call {
        std::chrono::milliseconds due{};
        Callback callback;
    };
    std::chrono::milliseconds now_{0};
    Id next_id_ = 1;
    std::map<Id, Call> calls_;
};

}  // namespace hk::drivers::hotplug

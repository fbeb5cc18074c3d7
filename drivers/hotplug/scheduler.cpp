// AsioScheduler and ManualScheduler (scheduler.hpp).
#include "drivers/hotplug/scheduler.hpp"

#include <algorithm>
#include <utility>

namespace hk::drivers::hotplug {

AsioScheduler::~AsioScheduler() {
    *alive_ = false;  // handlers still queued on the loop must not touch this object
}

Scheduler::Id AsioScheduler::do_call_after(std::chrono::milliseconds delay, Callback callback) {
    const Id id = next_id_++;
    auto timer = std::make_unique<boost::asio::steady_timer>(io_, delay);
    timer->async_wait([this, id, alive = std::weak_ptr<bool>(alive_),
                       callback = std::move(callback)](const boost::system::error_code& ec) {
        const auto owner = alive.lock();
        if (ec || !owner || !*owner) {
            return;
        }
        if (timers_.erase(id) == 0) {
            return;  // cancelled after it fell due but before it ran
        }
        callback();
    });
    timers_.emplace(id, std::move(timer));
    return id;
}

void AsioScheduler::do_cancel(Id id) {
    timers_.erase(id);  // destroying the timer aborts its wait
}

Scheduler::Id ManualScheduler::do_call_after(std::chrono::milliseconds delay, Callback callback) {
    const Id id = next_id_++;
    calls_.emplace(id,
                   Call{now_ + std::max(delay, std::chrono::milliseconds{0}), std::move(callback)});
    return id;
}

void ManualScheduler::do_cancel(Id id) {
    calls_.erase(id);
}

std::size_t ManualScheduler::advance(std::chrono::milliseconds by) {
    const auto until = now_ + by;
    std::size_t ran = 0;
    while (true) {
        // The earliest due call; ties run in the order they were scheduled (lowest id).
        auto next = calls_.end();
        for (auto it = calls_.begin(); it != calls_.end(); ++it) {
            if (it->second.due <= until &&
                (next == calls_.end() || it->second.due < next->second.due)) {
                next = it;
            }
        }
        if (next == calls_.end()) {
            break;
        }
        now_ = next->second.due;
        auto callback = std::move(next->second.callback);
        calls_.erase(next);
        callback();
        ++ran;
    }
    now_ = until;
    return ran;
}

}  // namespace hk::drivers::hotplug

// The engine's wait estimates (engine.hpp: waiting_ahead, estimated_wait_for_service,
// estimated_wait): read-only queries over the queue state, shown on tickets and screens.
// bench/queue_bench.cpp measures their error on a simulated day (docs/performance.md).
#include <algorithm>

#include "daemon/queue/engine.hpp"

namespace hk::queue {
namespace {

constexpr Millis kMinute = 60'000;

}  // namespace

int Engine::waiting_ahead(TicketId id) const {
    const auto* ticket = state_.find_ticket(id);
    if (ticket == nullptr || ticket->state != TicketState::waiting) {
        return 0;
    }
    const auto& list = state_.waiting.at(ticket->service);
    const auto it = std::find(list.begin(), list.end(), id);
    return static_cast<int>(it - list.begin());
}

Millis Engine::estimated_wait_for_service(std::string_view service) const {
    const auto it = state_.waiting.find(std::string(service));
    const int ahead = it == state_.waiting.end() ? 0 : static_cast<int>(it->second.size());
    const auto stats = state_.services.find(std::string(service));
    // Until a service time is measured, assume five minutes (a typical counter transaction).
    const double mean = (stats == state_.services.end() || stats->second.mean_service_ms == 0)
                            ? 5.0 * kMinute
                            : stats->second.mean_service_ms;
    int open = 0;
    for (const auto& window : state_.hall.windows) {
        const auto status = state_.windows.find(window.id);
        if (status != state_.windows.end() && status->second.state != WindowState::logged_out &&
            std::any_of(window.serves.begin(), window.serves.end(),
                        [&](const WindowServes& s) { return s.service == service; })) {
            ++open;
        }
    }
    return static_cast<Millis>(static_cast<double>(ahead) * mean / std::max(open, 1));
}

Millis Engine::estimated_wait(TicketId id) const {
    const auto* ticket = state_.find_ticket(id);
    if (ticket == nullptr || ticket->state != TicketState::waiting) {
        return 0;
    }
    const auto total = estimated_wait_for_service(ticket->service);
    const auto& list = state_.waiting.at(ticket->service);
    if (list.empty()) {
        return 0;
    }
    return total * waiting_ahead(id) / static_cast<Millis>(list.size());
}

}  // namespace hk::queue

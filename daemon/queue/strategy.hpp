// Calling strategies: which waiting ticket a window calls next, and why. Pure functions of
// the state; docs/queue.md explains each strategy with an example.
#pragma once

#include <optional>

#include "daemon/queue/events.hpp"
#include "daemon/queue/state.hpp"

namespace hk::queue {

struct Choice {
    TicketId id = 0;
    Explanation explanation;
    int ratio_normal = 0;  // the window's counted_ratio progress after this call
    int ratio_priority = 0;
};

// The ticket `window` should call at `now`, or empty when it may serve none.
[[nodiscard]] std::optional<Choice> choose_next(const QueueState& state, const Window& window,
                                                Millis now);

// Class order under class_priority: green channel 0, VIP 1, appointment 2, normal 3.
[[nodiscard]] int class_rank(TicketClass c);
// Green channel and VIP: the "priority" side of counted_ratio.
[[nodiscard]] bool is_priority_class(TicketClass c);

// Whether `window` may call `ticket` at all (it serves the service; a ticket transferred to a
// named window is only for that window).
[[nodiscard]] bool window_may_serve(const Window& window, const Ticket& ticket);

}  // namespace hk::queue

// The queue engine: decides every queue operation against the current state, applies the
// events that record it, and returns them. Pure: no I/O, no clock of its own (the caller passes
// hall time), no threads. A refused operation changes nothing.
//
//   auto events = engine.call_next(now, actor, "3");
//   if (events) { persist(*events); }   // in one store transaction
//
// If persisting fails, the caller must rebuild the engine from the log (Engine(state) after
// replaying it), so memory never runs ahead of disk. An operation in a later hall day than the
// state first closes the old day (DayRolledOver comes first in the returned events).
//
// Errors are values with a stable code a kiosk or counter screen can show (docs/queue.md).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/queue/events.hpp"
#include "daemon/queue/state.hpp"

namespace hk::queue {

enum class QueueErrc : std::uint8_t {
    unknown_service,   // no such service item
    service_closed,    // no open window serves it, or outside its issuing hours
    quota_exhausted,   // daily or slot quota reached
    duplicate_ticket,  // this ID already has a waiting ticket for the service
    unknown_window,
    window_not_open,    // logged out, or paused where calling is not allowed
    window_busy,        // already calling or serving a ticket
    no_current_ticket,  // the window has no called/serving ticket for this operation
    nothing_waiting,    // call_next found no ticket this window may serve
    unknown_ticket,
    wrong_ticket_state,  // the ticket is not in a state that allows this operation
    recall_limit,        // 重呼 cap reached
    reason_required,     // call_specific without reason, or low score without reason
    bad_argument,        // out-of-range score, empty officer id, …
    unknown_appointment,
    appointment_not_due,   // check-in outside [start − early, end + late]
    appointment_conflict,  // slot full, or one active appointment per ID per service
};

[[nodiscard]] std::string_view to_string(QueueErrc code);

struct QueueError {
    QueueErrc code;
    std::string message;  // for logs and technicians; screens translate the code
};

template <class T>
using QueueResult = std::expected<T, QueueError>;
using Events = std::vector<QueueEvent>;

struct TakeRequest {
    std::string service;
    Channel channel = Channel::walkin;
    TicketClass ticket_class = TicketClass::normal;
    std::string identity_hash;  // optional; enables one-ticket-per-ID
    std::string phone;          // optional; only its masked form is kept (mask_phone)
};

struct TransferRequest {
    std::string to_service;  // empty: keep the service
    std::string to_window;   // empty: any window serving the service
    bool to_front = false;   // front of the target queue, else back
};

class Engine {
public:
    explicit Engine(HallDefinition hall, int utc_offset_minutes = 480);
    // Continues from a state rebuilt from the event log.
    explicit Engine(QueueState state);

    [[nodiscard]] const QueueState& state() const { return state_; }

    // --- decisions: each returns the events to persist, or why the operation is refused ---
    QueueResult<Events> take(Millis now, std::string_view actor, const TakeRequest& request);
    QueueResult<Events> login(Millis now, std::string_view actor, std::string_view window,
                              std::string_view officer);
    QueueResult<Events> logout(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> call_next(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> recall(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> call_specific(Millis now, std::string_view actor, std::string_view window,
                                      std::string_view number, std::string_view reason);
    QueueResult<Events> start(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> no_show(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> transfer(Millis now, std::string_view actor, std::string_view window,
                                 const TransferRequest& request);
    QueueResult<Events> hold(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> call_back(Millis now, std::string_view actor, std::string_view window,
                                  std::string_view number);
    QueueResult<Events> pause(Millis now, std::string_view actor, std::string_view window,
                              std::string_view message);
    QueueResult<Events> resume(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> finish(Millis now, std::string_view actor, std::string_view window);
    QueueResult<Events> evaluate(Millis now, std::string_view actor, std::string_view number,
                                 int score, std::string_view reason);
    QueueResult<Events> abandon(Millis now, std::string_view actor, std::string_view number);
    QueueResult<Events> book_appointment(Millis now, std::string_view actor,
                                         const Appointment& appointment);
    // Check-in by ID hash (any of the citizen's due appointments) or appointment code.
    QueueResult<Events> check_in(Millis now, std::string_view actor, std::string_view identity_hash,
                                 std::string_view code);
    // Closes the day if `now` is in a later hall day than the state (automatic at the first
    // operation of a new day, too). Returns no events when nothing changes.
    QueueResult<Events> rollover(Millis now, std::string_view actor);

    // --- queries ---
    // Tickets ahead of `id` that a window serving its service would call first (approximate
    // for mixed strategies: by queue order within the service).
    [[nodiscard]] int waiting_ahead(TicketId id) const;
    // Estimated wait in ms for a new ticket of `service` / for ticket `id`.
    [[nodiscard]] Millis estimated_wait_for_service(std::string_view service) const;
    [[nodiscard]] Millis estimated_wait(TicketId id) const;
    // In its issuing hours and staffed: a ticket can be taken now.
    [[nodiscard]] bool service_open(const ServiceItem& service, Millis now) const;
    // Why a ticket of `service` cannot be taken now, for the kiosk: "outside_hours",
    // "no_window" (no staffed window serves it) or "daily_limit"; empty when it can.
    [[nodiscard]] std::string_view closed_reason(const ServiceItem& service, Millis now) const;

private:
    [[nodiscard]] bool in_issuing_hours(const ServiceItem& service, Millis now) const;
    // Starts an operation: rolls the day over if needed (events go into `out`).
    void begin(Millis now, std::string_view actor, Events& out);
    void emit(Millis now, std::string_view actor, EventBody body, Events& out);
    QueueResult<const Window*> open_window(std::string_view id) const;
    // The open window `window` and its called or serving ticket.
    struct AtWindow {
        const Window* window;
        const Ticket* ticket;
    };
    QueueResult<AtWindow> ticket_at_window(std::string_view window) const;
    // Some window serving it has an officer logged in (possibly paused).
    [[nodiscard]] bool service_staffed(const ServiceItem& service) const;
    [[nodiscard]] std::int64_t requeue_key(const std::string& service, int behind) const;

    QueueState state_;
};

}  // namespace hk::queue

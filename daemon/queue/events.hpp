// The queue's events: every change to the queue is one of these, appended to the node's event
// log and applied to QueueState by `apply` (projection.cpp). Events carry the outcome of every
// decision (the number issued, the ticket chosen and why), so applying them needs no rules and
// replaying the log always reproduces the same state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/queue/state.hpp"

namespace hk::queue {

// Limits that decoding enforces. The engine must not emit events beyond them, or the log it
// writes could not be read back: the engine validates every text it records against these.
inline constexpr std::size_t kMaxEventPayloadBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxEventTextBytes = 256;     // ids, names, numbers, the actor
inline constexpr std::size_t kMaxEventMessageBytes = 500;  // reasons, pause messages, rules
inline constexpr std::size_t kMaxExplanationBeaten = 5;
// A rollover lists at most this many closed tickets in one event (about 40 KiB of ids at most);
// more go in TicketsClosed events ahead of its DayRolledOver.
inline constexpr std::size_t kMaxClosedPerEvent = 2000;
// Arrays and objects nested deeper than this are rejected before parsing. The format itself
// needs 3 levels; the rest is room for fields a newer daemon may add.
inline constexpr std::size_t kMaxEventNestingDepth = 16;

struct TicketIssued {
    TicketId id = 0;
    std::string number;
    std::string service;
    Channel channel = Channel::walkin;
    TicketClass ticket_class = TicketClass::normal;
    std::string identity_hash;
    std::string appointment_id;
    std::optional<Millis> slot_start;
    std::string phone_masked;
};
struct OfficerLoggedIn {
    std::string window;
    std::string officer;
};
struct OfficerLoggedOut {
    std::string window;
};
struct TicketCalled {
    TicketId id = 0;
    std::string window;
    bool specific = false;  // 选呼 (call_specific) or 回呼 (call back)
    std::string reason;     // for call_specific
    Explanation explanation;
    int ratio_normal = 0;  // the window's counted_ratio progress after this call
    int ratio_priority = 0;
};
struct TicketRecalled {
    TicketId id = 0;
    std::string window;
};
struct ServiceStarted {
    TicketId id = 0;
    std::string window;
};
struct TicketNoShow {
    TicketId id = 0;
    std::string window;
    bool abandoned = false;      // too many no-shows
    std::int64_t queue_key = 0;  // where it re-enters its queue when not abandoned
};
struct TicketTransferred {
    TicketId id = 0;
    std::string from_window;
    std::string service;        // service queue it joins
    std::string target_window;  // only this window may call it; empty: any
    std::int64_t queue_key = 0;
};
struct TicketHeld {
    TicketId id = 0;
    std::string window;
};
struct WindowPaused {
    std::string window;
    std::string message;
};
struct WindowResumed {
    std::string window;
};
struct ServiceFinished {
    TicketId id = 0;
    std::string window;
    Millis service_ms = 0;
};
struct TicketEvaluated {
    TicketId id = 0;
    int score = 0;
    std::string reason;
};
struct TicketAbandoned {
    TicketId id = 0;
};
struct AppointmentBooked {
    Appointment appointment;
};
struct AppointmentCancelled {
    std::string id;
};
struct DayRolledOver {
    std::int64_t new_day = 0;
    std::vector<TicketId> closed;  // unfinished tickets closed (自动过号)
};
struct ClockAdvanced {};
// Unfinished tickets closed at a rollover, ahead of its DayRolledOver, when there are more than
// one event may list (kMaxClosedPerEvent).
struct TicketsClosed {
    std::vector<TicketId> ids;
};  // simulated time only (replay); nothing else changes

using EventBody = std::variant<TicketIssued, OfficerLoggedIn, OfficerLoggedOut, TicketCalled,
                               TicketRecalled, ServiceStarted, TicketNoShow, TicketTransferred,
                               TicketHeld, WindowPaused, WindowResumed, ServiceFinished,
                               TicketEvaluated, TicketAbandoned, AppointmentBooked,
                               AppointmentCancelled, DayRolledOver, ClockAdvanced, TicketsClosed>;

struct QueueEvent {
    Millis at = 0;
    std::string actor;  // "kiosk:k1", "window:3/officer:1024", "system"
    EventBody body;
};

// The stable name of an event type in the log ("queue.ticket_issued", …).
[[nodiscard]] std::string_view event_type(const EventBody& body);

// Applies one event to the state. Events are trusted (they were produced by the engine or read
// back from the log it wrote); unknown ids are ignored rather than crashing.
void apply(QueueState& state, const QueueEvent& event);

}  // namespace hk::queue

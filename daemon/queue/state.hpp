// The queue's moving state: tickets, appointments and windows, as a projection of the event
// log (events.hpp). Only `apply` (projection.cpp) changes it; the engine reads it to decide.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/queue/hall.hpp"

namespace hk::queue {

// Hall time: milliseconds since the Unix epoch. Local-day arithmetic uses the hall's UTC
// offset (QueueState::utc_offset_minutes), so the engine never asks the machine's time zone.
using Millis = std::int64_t;

enum class Channel : std::uint8_t {
    walkin,         // touch at the kiosk
    idcard,         // 2nd-gen ID card swipe
    phone,          // mobile number entered
    appointment,    // appointment check-in
    priority_code,  // special-group password (绿色通道 code)
    remote,         // taken online for today
    sticker,        // barcode sticker ticket
};

enum class TicketState : std::uint8_t {
    waiting,    // in a service queue (also after a no-show requeue or a transfer)
    called,     // called to a window, citizen not yet at the counter
    serving,    // at the counter (正在办理)
    held,       // 挂起: put aside by a window, can be called back the same day
    finished,   // 办结; may still be evaluated
    evaluated,  // finished and rated
    abandoned,  // left, or too many no-shows
    closed,     // closed unfinished at day rollover (自动过号)
};

[[nodiscard]] bool is_terminal(TicketState state);

enum class WindowState : std::uint8_t {
    logged_out,          // 未登录
    idle,                // 空闲
    calling,             // a ticket called, citizen not yet there
    serving,             // 正在办理
    paused,              // 暂停, with a message for screens
    attendance_anomaly,  // 考勤异常
};

using TicketId = std::int64_t;  // 1, 2, 3 … unique for ever (numbers like A001 repeat daily)

// Queue keys order a service's waiting list. New tickets get keys this far apart, so a ticket
// can be put back between two others (no-show requeue, transfer) without renumbering.
inline constexpr std::int64_t kQueueKeyStep = 1024;

// Why a ticket was called: the strategy, the rule that decided, and the tickets it beat.
struct Explanation {
    StrategyKind strategy = StrategyKind::fifo;
    std::string rule;                 // one sentence an officer can read out
    std::vector<std::string> beaten;  // numbers of tickets also eligible (up to 5)
    friend bool operator==(const Explanation&, const Explanation&) = default;
};

// One call of a ticket to a window (recalls are not calls): what `hallctl explain` shows.
struct CallRecord {
    Millis at = 0;
    std::string window;
    std::string actor;
    bool specific = false;  // 选呼 or 回呼: chosen by the officer, not by the strategy
    std::string reason;     // the officer's reason for a call_specific
    Explanation explanation;
};

struct Ticket {
    TicketId id = 0;
    std::string number;   // "A001"
    std::string service;  // current service (changes on transfer)
    Channel channel = Channel::walkin;
    TicketClass ticket_class = TicketClass::normal;
    TicketState state = TicketState::waiting;
    std::string identity_hash;         // HMAC of the ID number, empty if none
    std::string phone_masked;          // "138****5678"; the number itself is never kept
    std::string appointment_id;        // for appointment tickets
    std::optional<Millis> slot_start;  // appointment slot, for appointment_slot calling
    std::string window;                // window it is called to / served at / held by
    std::string target_window;         // transferred to a named window only
    int recalls = 0;
    int no_shows = 0;
    std::optional<int> score;  // evaluation 1..5
    Millis issued_at = 0;
    Millis queued_at = 0;  // when it (re)entered the queue
    std::optional<Millis> called_at;
    std::optional<Millis> serving_at;
    std::optional<Millis> finished_at;
    std::optional<Millis> ended_at;  // abandoned / closed
    std::int64_t queue_key = 0;      // order within its service queue (smaller first)
    std::vector<CallRecord> calls;   // every call of the day, oldest first
};

// A waiting ticket as the calling strategies see it: enough to rank it without looking the
// ticket up. Looking up every candidate in `QueueState::tickets` was most of a decision's cost.
struct LaneEntry {
    std::int64_t queue_key = 0;
    TicketId id = 0;
    bool restricted = false;  // transferred to a named window: only that window may call it
    Millis queued_at = 0;     // when it (re)joined the queue, for the wait alerts
    friend bool operator==(const LaneEntry&, const LaneEntry&) = default;
};

// An appointment ticket with a slot, ordered by slot start, then queue order.
struct SlotEntry {
    Millis slot_start = 0;
    std::int64_t queue_key = 0;
    TicketId id = 0;
    bool restricted = false;
    friend bool operator==(const SlotEntry&, const SlotEntry&) = default;
};

inline constexpr std::size_t kTicketClassCount = 4;

// One service's waiting tickets split by class, each lane in calling order (queue_key), and its
// appointment tickets by slot. An index over QueueState::waiting that the projection keeps, so
// that the class-aware strategies compare the heads of a few lanes instead of scanning queues.
struct ServiceLanes {
    std::array<std::vector<LaneEntry>, kTicketClassCount> by_class;  // indexed by TicketClass
    std::vector<SlotEntry> by_slot;
    [[nodiscard]] const std::vector<LaneEntry>& lane(TicketClass c) const {
        return by_class.at(static_cast<std::size_t>(c));
    }
    friend bool operator==(const ServiceLanes&, const ServiceLanes&) = default;
};

struct Appointment {
    std::string id;
    std::string service;
    Millis slot_start = 0;
    Millis slot_end = 0;
    std::string identity_hash;
    std::string code;                // shown to the citizen, for check-in without an ID card
    std::string source;              // portal, app, wechat, local
    std::optional<TicketId> ticket;  // set at check-in
    bool cancelled = false;
    std::string phone_masked;  // "138****5678"; the number itself is never kept
};

struct WindowStatus {
    WindowState state = WindowState::logged_out;
    std::string officer;              // 工号 of the logged-in officer
    std::string pause_message;        // for screens while paused
    std::optional<TicketId> current;  // called or serving ticket
    // counted_ratio progress within the current round
    int round_normal = 0;
    int round_priority = 0;
};

struct ServiceStats {
    // Exponentially weighted mean service time, for wait estimates (ms). 0 until measured.
    double mean_service_ms = 0;
    int issued_today = 0;
    int next_number = 1;  // next ticket number of the day
};

struct QueueState {
    HallDefinition hall;
    int utc_offset_minutes = 480;  // China Standard Time
    Millis now = 0;                // hall clock: the time of the last event applied
    std::int64_t day = 0;          // hall day index (days since epoch, shifted by day_reset)
    TicketId next_ticket_id = 1;
    std::int64_t next_queue_key = 1;
    std::map<TicketId, Ticket> tickets;                    // today's and still-open tickets
    std::map<std::string, std::vector<TicketId>> waiting;  // per service, in calling order
    std::map<std::string, ServiceLanes> lanes;             // the same tickets, by class
    std::map<std::string, Appointment> appointments;
    std::map<std::string, WindowStatus> windows;
    std::map<std::string, ServiceStats> services;
    std::uint64_t events_applied = 0;

    [[nodiscard]] const Ticket* find_ticket(TicketId id) const;
    [[nodiscard]] const Ticket* find_by_number(std::string_view number) const;
};

// A phone number as tickets, screens and the log may show it: the first three and last four
// digits of a mobile number ("138****5678"; a +86 prefix is dropped), only the last four of a
// shorter one. Accepts
// digits with an optional leading '+' and spaces or dashes between them; anything else, or
// fewer than 7 or more than 15 digits, is an error naming what was wrong.
[[nodiscard]] std::expected<std::string, std::string> mask_phone(std::string_view phone);

// The hall day a time belongs to: days since the epoch in hall-local time, counted from the
// hall's day_reset minute.
[[nodiscard]] std::int64_t hall_day(Millis at, int utc_offset_minutes, MinuteOfDay day_reset);
// Minutes since local midnight.
[[nodiscard]] MinuteOfDay minute_of_day(Millis at, int utc_offset_minutes);

}  // namespace hk::queue

// The projection of queue events onto QueueState, and the hall-day arithmetic. Applying an
// event follows no rules of its own: every decision was made by the engine and is recorded in
// the event, so replaying a log always rebuilds exactly the state the engine had.
#include <algorithm>
#include <type_traits>

#include "daemon/queue/events.hpp"

namespace hk::queue {
namespace {

constexpr Millis kMinute = 60'000;
constexpr double kServiceTimeWeight = 0.2;  // EWMA weight of the newest service time

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool has_slot_lane(const Ticket& ticket) {
    return ticket.ticket_class == TicketClass::appointment && ticket.slot_start.has_value();
}

void remove_from_lanes(QueueState& state, const Ticket& ticket) {
    const auto it = state.lanes.find(ticket.service);
    if (it == state.lanes.end()) {
        return;
    }
    auto& lanes = it->second;
    std::erase_if(lanes.by_class.at(static_cast<std::size_t>(ticket.ticket_class)),
                  [&](const LaneEntry& entry) { return entry.id == ticket.id; });
    if (has_slot_lane(ticket)) {
        std::erase_if(lanes.by_slot, [&](const SlotEntry& entry) { return entry.id == ticket.id; });
    }
}

void insert_into_lanes(QueueState& state, const Ticket& ticket) {
    auto& lanes = state.lanes[ticket.service];
    const bool restricted = !ticket.target_window.empty();
    auto& lane = lanes.by_class.at(static_cast<std::size_t>(ticket.ticket_class));
    const LaneEntry entry{ticket.queue_key, ticket.id, restricted, ticket.queued_at};
    lane.insert(std::upper_bound(lane.begin(), lane.end(), entry,
                                 [](const LaneEntry& a, const LaneEntry& b) {
                                     return a.queue_key < b.queue_key;
                                 }),
                entry);
    if (ticket.ticket_class == TicketClass::appointment && ticket.slot_start) {
        const SlotEntry slot{*ticket.slot_start, ticket.queue_key, ticket.id, restricted};
        lanes.by_slot.insert(std::upper_bound(lanes.by_slot.begin(), lanes.by_slot.end(), slot,
                                              [](const SlotEntry& a, const SlotEntry& b) {
                                                  return a.slot_start != b.slot_start
                                                             ? a.slot_start < b.slot_start
                                                             : a.queue_key < b.queue_key;
                                              }),
                             slot);
    }
}

void remove_waiting(QueueState& state, const Ticket& ticket) {
    auto it = state.waiting.find(ticket.service);
    if (it == state.waiting.end()) {
        return;
    }
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), ticket.id), list.end());
    remove_from_lanes(state, ticket);
}

void insert_waiting(QueueState& state, Ticket& ticket, std::int64_t queue_key, Millis at) {
    ticket.state = TicketState::waiting;
    ticket.queue_key = queue_key;
    ticket.queued_at = at;
    auto& list = state.waiting[ticket.service];
    const auto position = std::upper_bound(
        list.begin(), list.end(), queue_key,
        [&](std::int64_t key, TicketId id) { return key < state.tickets.at(id).queue_key; });
    list.insert(position, ticket.id);
    insert_into_lanes(state, ticket);
    if (queue_key >= state.next_queue_key) {
        state.next_queue_key = queue_key + kQueueKeyStep;
    }
}

// Frees the window the ticket was at, if the window still shows it.
void release_window(QueueState& state, const std::string& window, TicketId id) {
    auto it = state.windows.find(window);
    if (it != state.windows.end() && it->second.current == id) {
        it->second.current.reset();
        if (it->second.state == WindowState::calling || it->second.state == WindowState::serving) {
            it->second.state = WindowState::idle;
        }
    }
}

Ticket* ticket_of(QueueState& state, TicketId id) {
    const auto it = state.tickets.find(id);
    return it == state.tickets.end() ? nullptr : &it->second;
}

struct Applier {
    QueueState& state;
    Millis at;
    const std::string& actor;

    void operator()(const TicketIssued& e) {
        Ticket ticket;
        ticket.id = e.id;
        ticket.number = e.number;
        ticket.service = e.service;
        ticket.channel = e.channel;
        ticket.ticket_class = e.ticket_class;
        ticket.identity_hash = e.identity_hash;
        ticket.appointment_id = e.appointment_id;
        ticket.phone_masked = e.phone_masked;
        ticket.slot_start = e.slot_start;
        ticket.issued_at = at;
        auto& stored = state.tickets[e.id] = std::move(ticket);
        insert_waiting(state, stored, state.next_queue_key, at);
        state.next_ticket_id = std::max(state.next_ticket_id, e.id + 1);
        auto& stats = state.services[e.service];
        ++stats.issued_today;
        ++stats.next_number;
        if (!e.appointment_id.empty()) {
            const auto appointment = state.appointments.find(e.appointment_id);
            if (appointment != state.appointments.end()) {
                appointment->second.ticket = e.id;
            }
        }
    }
    void operator()(const OfficerLoggedIn& e) {
        auto& window = state.windows[e.window];
        window.state = WindowState::idle;
        window.officer = e.officer;
        window.pause_message.clear();
    }
    void operator()(const OfficerLoggedOut& e) {
        auto& window = state.windows[e.window];
        window = WindowStatus{};
    }
    void operator()(const TicketCalled& e) {
        auto* ticket = ticket_of(state, e.id);
        if (ticket == nullptr) {
            return;
        }
        remove_waiting(state, *ticket);
        ticket->state = TicketState::called;
        ticket->window = e.window;
        ticket->target_window.clear();
        ticket->recalls = 0;
        ticket->called_at = at;
        ticket->calls.push_back({at, e.window, actor, e.specific, e.reason, e.explanation});
        auto& window = state.windows[e.window];
        window.state = WindowState::calling;  // calling ends a pause: the officer is back
        window.pause_message.clear();
        window.current = e.id;
        window.round_normal = e.ratio_normal;
        window.round_priority = e.ratio_priority;
    }
    void operator()(const TicketRecalled& e) {
        if (auto* ticket = ticket_of(state, e.id)) {
            ++ticket->recalls;
        }
    }
    void operator()(const ServiceStarted& e) {
        if (auto* ticket = ticket_of(state, e.id)) {
            ticket->state = TicketState::serving;
            ticket->serving_at = at;
            state.windows[e.window].state = WindowState::serving;
        }
    }
    void operator()(const TicketNoShow& e) {
        auto* ticket = ticket_of(state, e.id);
        if (ticket == nullptr) {
            return;
        }
        ++ticket->no_shows;
        release_window(state, e.window, e.id);
        ticket->window.clear();
        if (e.abandoned) {
            ticket->state = TicketState::abandoned;
            ticket->ended_at = at;
        } else {
            insert_waiting(state, *ticket, e.queue_key, at);
        }
    }
    void operator()(const TicketTransferred& e) {
        auto* ticket = ticket_of(state, e.id);
        if (ticket == nullptr) {
            return;
        }
        release_window(state, e.from_window, e.id);
        remove_waiting(state, *ticket);
        ticket->window.clear();
        ticket->service = e.service;
        ticket->target_window = e.target_window;
        insert_waiting(state, *ticket, e.queue_key, at);
    }
    void operator()(const TicketHeld& e) {
        if (auto* ticket = ticket_of(state, e.id)) {
            release_window(state, e.window, e.id);
            ticket->state = TicketState::held;
            ticket->window = e.window;
        }
    }
    void operator()(const WindowPaused& e) {
        auto& window = state.windows[e.window];
        window.state = WindowState::paused;
        window.pause_message = e.message;
    }
    void operator()(const WindowResumed& e) {
        auto& window = state.windows[e.window];
        window.state = WindowState::idle;
        window.pause_message.clear();
    }
    void operator()(const ServiceFinished& e) {
        auto* ticket = ticket_of(state, e.id);
        if (ticket == nullptr) {
            return;
        }
        release_window(state, e.window, e.id);
        ticket->state = TicketState::finished;
        ticket->finished_at = at;
        auto& stats = state.services[ticket->service];
        const auto sample = static_cast<double>(e.service_ms);
        stats.mean_service_ms =
            stats.mean_service_ms == 0
                ? sample
                : (1 - kServiceTimeWeight) * stats.mean_service_ms + kServiceTimeWeight * sample;
    }
    void operator()(const TicketEvaluated& e) {
        if (auto* ticket = ticket_of(state, e.id)) {
            ticket->state = TicketState::evaluated;
            ticket->score = e.score;
        }
    }
    void operator()(const TicketAbandoned& e) {
        auto* ticket = ticket_of(state, e.id);
        if (ticket == nullptr) {
            return;
        }
        if (ticket->state == TicketState::waiting) {
            remove_waiting(state, *ticket);
        }
        release_window(state, ticket->window, e.id);
        ticket->state = TicketState::abandoned;
        ticket->ended_at = at;
    }
    void operator()(const AppointmentBooked& e) {
        state.appointments[e.appointment.id] = e.appointment;
    }
    void operator()(const AppointmentCancelled& e) {
        const auto it = state.appointments.find(e.id);
        if (it != state.appointments.end()) {
            it->second.cancelled = true;
        }
    }
    void close(const std::vector<TicketId>& ids) {
        for (const auto id : ids) {
            if (auto* ticket = ticket_of(state, id)) {
                if (ticket->state == TicketState::waiting) {
                    remove_waiting(state, *ticket);
                }
                ticket->state = TicketState::closed;
                ticket->ended_at = at;
            }
        }
    }
    void operator()(const TicketsClosed& e) { close(e.ids); }
    void operator()(const DayRolledOver& e) {
        close(e.closed);
        for (auto& [id, window] : state.windows) {
            window.current.reset();
            window.round_normal = window.round_priority = 0;
            if (window.state == WindowState::calling || window.state == WindowState::serving) {
                window.state = WindowState::idle;
            }
        }
        // The day's tickets are all terminal now; they live on in the event log and the
        // statistics, not in memory.
        std::erase_if(state.tickets,
                      [](const auto& entry) { return is_terminal(entry.second.state); });
        state.waiting.clear();
        state.lanes.clear();
        std::erase_if(state.appointments,
                      [&](const auto& entry) { return entry.second.slot_end < at; });
        for (auto& [code, stats] : state.services) {
            stats.issued_today = 0;
            stats.next_number = 1;
        }
        state.day = e.new_day;
    }
    void operator()(const ClockAdvanced&) {}
};

}  // namespace

bool is_terminal(TicketState state) {
    return state == TicketState::finished || state == TicketState::evaluated ||
           state == TicketState::abandoned || state == TicketState::closed;
}

std::expected<std::string, std::string> mask_phone(std::string_view phone) {
    std::string digits;
    for (std::size_t i = 0; i < phone.size(); ++i) {
        const char c = phone[i];
        if (c >= '0' && c <= '9') {
            digits.push_back(c);
        } else if (!(c == '+' && i == 0) && c != ' ' && c != '-') {
            return std::unexpected(
                "a phone number holds only digits, a leading '+', spaces and "
                "dashes");
        }
    }
    if (digits.size() == 13 && digits.starts_with("86")) {
        digits.erase(0, 2);  // +86: a mainland mobile number, shown as such
    }
    if (digits.size() < 7 || digits.size() > 15) {
        return std::unexpected("a phone number has 7 to 15 digits");
    }
    const std::size_t head = digits.size() >= 11 ? 3 : 0;
    const std::size_t tail = 4;
    return digits.substr(0, head) + std::string(digits.size() - head - tail, '*') +
           digits.substr(digits.size() - tail);
}

std::int64_t hall_day(Millis at, int utc_offset_minutes, MinuteOfDay day_reset) {
    const auto local_minutes = floor_div(at, kMinute) + utc_offset_minutes - day_reset;
    return floor_div(local_minutes, 1440);
}

MinuteOfDay minute_of_day(Millis at, int utc_offset_minutes) {
    const auto local_minutes = floor_div(at, kMinute) + utc_offset_minutes;
    return static_cast<MinuteOfDay>(local_minutes - floor_div(local_minutes, 1440) * 1440);
}

const Ticket* QueueState::find_ticket(TicketId id) const {
    const auto it = tickets.find(id);
    return it == tickets.end() ? nullptr : &it->second;
}

const Ticket* QueueState::find_by_number(std::string_view number) const {
    // Numbers repeat across days but the state holds one day's tickets (plus none after
    // rollover), so the newest match is the one meant.
    for (auto it = tickets.rbegin(); it != tickets.rend(); ++it) {
        if (it->second.number == number) {
            return &it->second;
        }
    }
    return nullptr;
}

const ServiceItem* HallDefinition::find_service(std::string_view code) const {
    const auto it = std::find_if(services.begin(), services.end(),
                                 [&](const ServiceItem& s) { return s.code == code; });
    return it == services.end() ? nullptr : &*it;
}

const Window* HallDefinition::find_window(std::string_view id) const {
    const auto it =
        std::find_if(windows.begin(), windows.end(), [&](const Window& w) { return w.id == id; });
    return it == windows.end() ? nullptr : &*it;
}

void apply(QueueState& state, const QueueEvent& event) {
    if (state.day == 0) {
        // The first event fixes the hall day; later days only begin with DayRolledOver.
        state.day = hall_day(event.at, state.utc_offset_minutes, state.hall.rules.day_reset);
    }
    std::visit(Applier{state, event.at, event.actor}, event.body);
    state.now = std::max(state.now, event.at);
    ++state.events_applied;
}

}  // namespace hk::queue

// Property tests of the queue engine: random operation sequences (every engine operation, with
// valid and invalid arguments, on a hall where every calling strategy calls, under a clock that
// advances at random and crosses midnight), with the queue's invariants checked after every
// step. The seeds are fixed, so a failure names the seed and the step that reproduce it.
// HK_PROPERTY_SEQUENCES sets the number of sequences (default 150 of 300 steps, sized for the
// sanitizer build; thousands for a longer local run); HK_PROPERTY_SEED runs one seed alone.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/queue/engine.hpp"
#include "tests/daemon/queue/queue_test_support.hpp"

using namespace hk::queue;
using namespace hk::queue::test;

namespace {

constexpr int kDefaultSequences = 150;
constexpr int kStepsPerSequence = 300;
constexpr std::uint64_t kFirstSeed = 20'261'123;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kMondayMidnight = kMonday0800 - 8 * kHour;  // 2026-11-23 00:00 local
constexpr std::size_t kRecentSteps = 15;                     // operations shown with a failure

// What went wrong, or nothing when the invariant holds.
using Problem = std::optional<std::string>;

template <class... Parts>
std::string cat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

int sequence_count() {
    const char* text = std::getenv("HK_PROPERTY_SEQUENCES");
    const int count = text == nullptr ? 0 : std::atoi(text);
    return count > 0 ? count : kDefaultSequences;
}

std::string_view name(TicketState state) {
    static constexpr std::array<std::string_view, 8> kNames = {
        "waiting", "called", "serving", "held", "finished", "evaluated", "abandoned", "closed"};
    return kNames.at(static_cast<std::size_t>(state));
}

std::string_view name(WindowState state) {
    static constexpr std::array<std::string_view, 6> kNames = {
        "logged_out", "idle", "calling", "serving", "paused", "attendance_anomaly"};
    return kNames.at(static_cast<std::size_t>(state));
}

std::string_view name(const EventBody& body) {
    static constexpr std::array<std::string_view, 19> kNames = {
        "TicketIssued",    "OfficerLoggedIn", "OfficerLoggedOut",  "TicketCalled",
        "TicketRecalled",  "ServiceStarted",  "TicketNoShow",      "TicketTransferred",
        "TicketHeld",      "WindowPaused",    "WindowResumed",     "ServiceFinished",
        "TicketEvaluated", "TicketAbandoned", "AppointmentBooked", "AppointmentCancelled",
        "DayRolledOver",   "ClockAdvanced",   "TicketsClosed"};
    static_assert(std::variant_size_v<EventBody> == kNames.size());
    return kNames.at(body.index());
}

std::string_view name(TicketClass ticket_class) {
    static constexpr std::array<std::string_view, 4> kNames = {"normal", "appointment", "green",
                                                               "vip"};
    return kNames.at(static_cast<std::size_t>(ticket_class));
}

// Hall time for failure reports: local day (0 is Monday 2026-11-23) and time of day.
std::string clock_text(Millis at, int utc_offset_minutes) {
    const auto minute = minute_of_day(at, utc_offset_minutes);
    const auto day =
        hall_day(at, utc_offset_minutes, 0) - hall_day(kMondayMidnight, utc_offset_minutes, 0);
    std::ostringstream out;
    out << "day " << day << ' ' << minute / 600 << minute / 60 % 10 << ':' << minute % 60 / 10
        << minute % 10;
    return out.str();
}

// An operation's outcome for failure reports: the refusal, or the events returned.
std::string outcome_text(const QueueResult<Events>& result) {
    if (!result) {
        return cat("refused ", to_string(result.error().code));
    }
    std::string text = cat(result->size(), " event(s)");
    for (const auto& event : *result) {
        text += cat(' ', name(event.body));
    }
    return text;
}

// A seeded random source with the few shapes the generators need. The standard distributions
// are implementation-defined, so a seed reproduces a run with the same standard library.
class Random {
public:
    explicit Random(std::uint64_t seed) : engine_(seed) {}

    int between(int low, int high) {
        return std::uniform_int_distribution<int>(low, high)(engine_);
    }
    Millis millis_between(Millis low, Millis high) {
        return std::uniform_int_distribution<Millis>(low, high)(engine_);
    }
    bool chance(double probability) { return std::bernoulli_distribution(probability)(engine_); }
    template <class T>
    const T& pick(const std::vector<T>& from) {
        return from.at(static_cast<std::size_t>(between(0, static_cast<int>(from.size()) - 1)));
    }
    std::size_t draw(std::discrete_distribution<std::size_t>& distribution) {
        return distribution(engine_);
    }

private:
    std::mt19937_64 engine_;
};

Window make_window(std::string id, std::vector<WindowServes> serves, Strategy strategy,
                   std::string display = {}) {
    Window window;
    window.id = std::move(id);
    window.name = window.id;
    window.serves = std::move(serves);
    window.strategy = strategy;
    window.display = std::move(display);
    return window;
}

// small_hall() (fifo, class_priority, counted_ratio, appointment_slot and two fifo windows
// sharing a display) plus a longest_wait and a service_weight window, so every strategy calls.
// The queue rules vary with the variant, so requeueing to the front, abandoning at the first
// no-show, no recalls at all, a 03:00 day reset and a slot quota all occur.
HallDefinition property_hall(std::uint64_t variant) {
    auto hall = small_hall();
    hall.windows.push_back(make_window("w7", {{"RE", 1}, {"TAX", 1}, {"SOC", 1}},
                                       {.kind = StrategyKind::longest_wait}));
    hall.windows.push_back(
        make_window("w8", {{"RE", 3}, {"SOC", 1}}, {.kind = StrategyKind::service_weight}));
    auto& rules = hall.rules;
    rules.no_show_requeue_after = static_cast<int>(variant % 4);
    rules.no_show_abandon_after = 1 + static_cast<int>(variant / 4 % 3);
    rules.max_recalls = static_cast<int>(variant / 12 % 3);
    rules.day_reset = variant / 36 % 2 == 0 ? 0 : 3 * 60;
    rules.one_waiting_ticket_per_id = variant / 72 % 2 == 0;
    if (variant / 144 % 2 == 1) {
        hall.services[0].slot_quotas = {{{9 * 60, 10 * 60}, 4}};
    }
    return hall;
}

// ---------------------------------------------------------------------------------------------
// What the returned events say about the tickets, kept apart from the engine's own state.

struct TrackedTicket {
    std::int64_t day = 0;  // hall day it was issued in
    TicketState state = TicketState::waiting;
};

struct EventModel {
    std::int64_t day = 0;                       // the hall day, as the events tell it
    std::map<TicketId, TrackedTicket> tickets;  // tickets not yet closed out by a rollover
    std::set<TicketId> retired;                 // tickets of days already rolled over
    std::set<std::tuple<std::int64_t, std::string, std::string>> numbers;  // day, service, number
};

// The state change an event makes to one ticket: the states it may come from, and where to.
struct Transition {
    TicketId id = 0;
    std::vector<TicketState> from;
    TicketState to = TicketState::waiting;
};

std::optional<Transition> transition_of(const EventBody& body) {
    using S = TicketState;
    if (const auto* e = std::get_if<TicketCalled>(&body)) {
        return Transition{e->id, {S::waiting, S::held}, S::called};
    }
    if (const auto* e = std::get_if<TicketRecalled>(&body)) {
        return Transition{e->id, {S::called}, S::called};
    }
    if (const auto* e = std::get_if<ServiceStarted>(&body)) {
        return Transition{e->id, {S::called}, S::serving};
    }
    if (const auto* e = std::get_if<TicketNoShow>(&body)) {
        return Transition{e->id, {S::called}, e->abandoned ? S::abandoned : S::waiting};
    }
    if (const auto* e = std::get_if<TicketTransferred>(&body)) {
        return Transition{e->id, {S::called, S::serving}, S::waiting};
    }
    if (const auto* e = std::get_if<TicketHeld>(&body)) {
        return Transition{e->id, {S::called, S::serving}, S::held};
    }
    if (const auto* e = std::get_if<ServiceFinished>(&body)) {
        return Transition{e->id, {S::called, S::serving}, S::finished};
    }
    if (const auto* e = std::get_if<TicketEvaluated>(&body)) {
        return Transition{e->id, {S::finished}, S::evaluated};
    }
    if (const auto* e = std::get_if<TicketAbandoned>(&body)) {
        return Transition{e->id, {S::waiting, S::held, S::called}, S::abandoned};
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The invariants, one function each.

// 1. A ticket number is issued once per service per hall day.
Problem check_unique_number(EventModel& model, const TicketIssued& issued) {
    if (!model.numbers.emplace(model.day, issued.service, issued.number).second) {
        return cat("number ", issued.number, " of ", issued.service, " issued twice on hall day ",
                   model.day);
    }
    return std::nullopt;
}

// 2. No ticket is at two windows; a window's current ticket is called or serving there; every
// called or serving ticket is some window's current one, and the window's state says so.
Problem check_one_window_per_ticket(const QueueState& state) {
    std::map<TicketId, std::string> window_of;
    for (const auto& [id, window] : state.windows) {
        if (!window.current) {
            if (window.state == WindowState::calling || window.state == WindowState::serving) {
                return cat("window ", id, " is ", name(window.state), " without a ticket");
            }
            continue;
        }
        const auto [seen, fresh] = window_of.emplace(*window.current, id);
        if (!fresh) {
            return cat("ticket ", *window.current, " is current at both ", seen->second, " and ",
                       id);
        }
        const auto* ticket = state.find_ticket(*window.current);
        if (ticket == nullptr) {
            return cat("window ", id, " shows unknown ticket ", *window.current);
        }
        const auto expected = ticket->state == TicketState::called    ? WindowState::calling
                              : ticket->state == TicketState::serving ? WindowState::serving
                                                                      : WindowState::logged_out;
        if (expected == WindowState::logged_out) {
            return cat("window ", id, " shows ", ticket->number, " which is ", name(ticket->state));
        }
        if (ticket->window != id) {
            return cat("window ", id, " shows ", ticket->number, " whose window is '",
                       ticket->window, "'");
        }
        if (window.state != expected) {
            return cat("window ", id, " is ", name(window.state), " with ", ticket->number, " ",
                       name(ticket->state));
        }
    }
    for (const auto& [id, ticket] : state.tickets) {
        if ((ticket.state == TicketState::called || ticket.state == TicketState::serving) &&
            !window_of.contains(id)) {
            return cat(ticket.number, " is ", name(ticket.state), " at '", ticket.window,
                       "' but no window shows it");
        }
    }
    return std::nullopt;
}

// 3. The waiting lists hold exactly the waiting tickets, each once, under its current service,
// in nondecreasing queue_key order.
Problem check_waiting_lists(const QueueState& state) {
    std::size_t entries = 0;
    for (const auto& [service, list] : state.waiting) {
        entries += list.size();
        const Ticket* previous = nullptr;
        for (const auto id : list) {
            const auto* ticket = state.find_ticket(id);
            if (ticket == nullptr) {
                return cat("waiting list ", service, " holds unknown ticket ", id);
            }
            if (ticket->state != TicketState::waiting) {
                return cat(ticket->number, " is listed under ", service, " but ",
                           name(ticket->state));
            }
            if (ticket->service != service) {
                return cat(ticket->number, " of ", ticket->service, " is listed under ", service);
            }
            if (previous != nullptr && ticket->queue_key < previous->queue_key) {
                return cat("waiting list ", service, " has ", ticket->number, " (key ",
                           ticket->queue_key, ") after ", previous->number, " (key ",
                           previous->queue_key, ")");
            }
            previous = ticket;
        }
    }
    std::size_t waiting = 0;
    for (const auto& [id, ticket] : state.tickets) {
        if (ticket.state != TicketState::waiting) {
            continue;
        }
        ++waiting;
        const auto list = state.waiting.find(ticket.service);
        if (list == state.waiting.end() ||
            std::find(list->second.begin(), list->second.end(), id) == list->second.end()) {
            return cat(ticket.number, " is waiting but not in the ", ticket.service,
                       " waiting list");
        }
    }
    // Every waiting ticket is listed and every entry is a waiting ticket: with as many entries
    // as waiting tickets, each is listed once.
    if (entries != waiting) {
        return cat("the waiting lists have ", entries, " entries for ", waiting,
                   " waiting tickets: one is listed twice");
    }
    return std::nullopt;
}

// 3b. The class lanes (the strategies' index, state.hpp: ServiceLanes) hold exactly what the
// waiting lists hold: per service and class the same tickets in the same order, with their
// queue keys and whether they are for a named window only, and the appointment tickets with a
// slot ordered by slot, then queue order.
Problem check_lanes(const QueueState& state) {
    std::map<std::string, ServiceLanes> expected;
    for (const auto& [service, list] : state.waiting) {
        for (const auto id : list) {
            const auto& ticket = state.tickets.at(id);
            auto& lanes = expected[service];
            const bool restricted = !ticket.target_window.empty();
            lanes.by_class.at(static_cast<std::size_t>(ticket.ticket_class))
                .push_back({ticket.queue_key, id, restricted, ticket.queued_at});
            if (ticket.ticket_class == TicketClass::appointment && ticket.slot_start) {
                lanes.by_slot.push_back({*ticket.slot_start, ticket.queue_key, id, restricted});
            }
        }
    }
    for (auto& [service, lanes] : expected) {
        // By slot; within a slot, the waiting list's order (which settles equal queue keys).
        std::vector<std::pair<std::size_t, SlotEntry>> ranked;
        ranked.reserve(lanes.by_slot.size());
        for (const auto& entry : lanes.by_slot) {
            ranked.emplace_back(ranked.size(), entry);
        }
        std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
            return std::tie(a.second.slot_start, a.first) < std::tie(b.second.slot_start, b.first);
        });
        for (std::size_t i = 0; i < ranked.size(); ++i) {
            lanes.by_slot[i] = ranked[i].second;
        }
    }
    for (const auto& [service, lanes] : state.lanes) {
        const auto want = expected.find(service);
        const bool empty = std::all_of(lanes.by_class.begin(), lanes.by_class.end(),
                                       [](const auto& lane) { return lane.empty(); }) &&
                           lanes.by_slot.empty();
        if (want == expected.end() ? !empty : !(lanes == want->second)) {
            return cat("the class lanes of ", service, " do not match its waiting list");
        }
    }
    for (const auto& [service, lanes] : expected) {
        if (!state.lanes.contains(service)) {
            return cat("service ", service, " has waiting tickets but no class lanes");
        }
    }
    return std::nullopt;
}

// 4a. Tickets move only along their lifecycle: an event acts on a ticket in a state that allows
// it, and a terminal state is never left (except finished -> evaluated), so a ticket ends in
// exactly one terminal state. Records the new state even after a problem, so that one wrong
// event does not show up again as other properties failing.
Problem check_lifecycle_event(EventModel& model, const EventBody& body) {
    if (const auto* issued = std::get_if<TicketIssued>(&body)) {
        const bool reused = model.retired.contains(issued->id);
        if (!model.tickets.emplace(issued->id, TrackedTicket{model.day}).second || reused) {
            return cat("ticket id ", issued->id, " issued twice");
        }
        return std::nullopt;
    }
    const auto transition = transition_of(body);
    if (!transition) {
        return std::nullopt;
    }
    const auto tracked = model.tickets.find(transition->id);
    if (tracked == model.tickets.end()) {
        return cat(name(body), " for ticket ", transition->id, " of no open day");
    }
    const auto from = std::exchange(tracked->second.state, transition->to);
    if (std::find(transition->from.begin(), transition->from.end(), from) ==
        transition->from.end()) {
        return cat(name(body), " for ticket ", transition->id, " which is ", name(from));
    }
    return std::nullopt;
}

// 4b'. TicketsClosed (a large rollover's first part) closes open tickets, each once.
Problem check_tickets_closed(EventModel& model, const TicketsClosed& closed) {
    for (const auto id : closed.ids) {
        const auto tracked = model.tickets.find(id);
        if (tracked == model.tickets.end()) {
            return cat("TicketsClosed closed ticket ", id, " of no open day");
        }
        const auto was = std::exchange(tracked->second.state, TicketState::closed);
        if (is_terminal(was)) {
            return cat("TicketsClosed closed ticket ", id, " which was ", name(was), " already");
        }
    }
    return std::nullopt;
}

// 4b. After a DayRolledOver every ticket of the days before is in exactly one terminal state:
// the rollover closed exactly the open ones (none twice, none already ended). Like 4a, it
// finishes its bookkeeping (the new day, the retired tickets) before reporting.
Problem check_rollover_closes_day(EventModel& model, const DayRolledOver& rolled) {
    Problem problem;
    const auto report = [&](std::string text) {
        if (!problem) {
            problem = std::move(text);
        }
    };
    if (rolled.new_day <= model.day) {
        report(cat("rolled over from day ", model.day, " to day ", rolled.new_day));
    }
    for (const auto id : rolled.closed) {
        const auto tracked = model.tickets.find(id);
        if (tracked == model.tickets.end()) {
            report(cat("rollover closed ticket ", id, " of no open day"));
            continue;
        }
        const auto was = std::exchange(tracked->second.state, TicketState::closed);
        if (is_terminal(was)) {
            report(cat("rollover closed ticket ", id, " which was ", name(was),
                       " already (or is listed twice)"));
        }
    }
    for (auto it = model.tickets.begin(); it != model.tickets.end();) {
        if (it->second.day >= rolled.new_day) {
            ++it;
            continue;
        }
        if (!is_terminal(it->second.state)) {
            report(cat("ticket ", it->first, " of day ", it->second.day, " is still ",
                       name(it->second.state), " after the rollover to day ", rolled.new_day));
        }
        model.retired.insert(it->first);
        it = model.tickets.erase(it);
    }
    model.day = rolled.new_day;
    return problem;
}

// 4c. The engine agrees with the events: its tickets are in the states the events put them in,
// and a ticket of a day rolled over is gone or, if kept, terminal.
Problem check_states_match_events(const EventModel& model, const QueueState& state) {
    for (const auto& [id, ticket] : state.tickets) {
        if (model.retired.contains(id)) {
            if (!is_terminal(ticket.state)) {
                return cat(ticket.number, " of a day rolled over is ", name(ticket.state));
            }
            continue;
        }
        const auto tracked = model.tickets.find(id);
        if (tracked == model.tickets.end()) {
            return cat(ticket.number, " (id ", id, ") is in the state but no event issued it");
        }
        if (tracked->second.state != ticket.state) {
            return cat(ticket.number, " is ", name(ticket.state), " but the events say ",
                       name(tracked->second.state));
        }
    }
    return std::nullopt;
}

// A ticket `window` may call: waiting in one of its services, and not transferred to another
// window. Worked out from the tickets, not the waiting lists, to be independent of them.
struct Candidate {
    TicketId id = 0;
    std::string service;
    TicketClass ticket_class = TicketClass::normal;
    std::int64_t queue_key = 0;
    std::optional<Millis> slot_start;
};

std::vector<Candidate> callable_by(const QueueState& state, const Window& window) {
    std::vector<Candidate> out;
    for (const auto& [id, ticket] : state.tickets) {
        const bool serves =
            std::any_of(window.serves.begin(), window.serves.end(),
                        [&](const WindowServes& s) { return s.service == ticket.service; });
        if (ticket.state == TicketState::waiting && serves &&
            (ticket.target_window.empty() || ticket.target_window == window.id)) {
            out.push_back(
                {id, ticket.service, ticket.ticket_class, ticket.queue_key, ticket.slot_start});
        }
    }
    return out;
}

int class_rank(TicketClass c) {
    switch (c) {
        case TicketClass::green:
            return 0;
        case TicketClass::vip:
            return 1;
        case TicketClass::appointment:
            return 2;
        case TicketClass::normal:
            return 3;
    }
    return 3;
}

bool is_priority(TicketClass c) {
    return c == TicketClass::green || c == TicketClass::vip;
}

// Whether `other` must be called before `chosen` under the window's strategy (docs/queue.md):
// queue order within a class, and each strategy's own ranking between classes where it has one.
bool must_precede(const Window& window, Millis now, const Candidate& other,
                  const Candidate& chosen) {
    const bool earlier = other.queue_key < chosen.queue_key;
    switch (window.strategy.kind) {
        case StrategyKind::fifo:
            return earlier;
        case StrategyKind::class_priority: {
            const auto a = class_rank(other.ticket_class);
            const auto b = class_rank(chosen.ticket_class);
            return a != b ? a < b : earlier;
        }
        case StrategyKind::counted_ratio:
            return is_priority(other.ticket_class) == is_priority(chosen.ticket_class) && earlier;
        case StrategyKind::appointment_slot: {
            // Tiers: appointments due, then everything else, then appointments not yet due;
            // appointments by slot, the rest by queue order.
            const auto early = window.strategy.early_minutes * kMinute;
            const auto tier = [&](const Candidate& c) {
                if (c.ticket_class != TicketClass::appointment || !c.slot_start) {
                    return 1;
                }
                return *c.slot_start - early <= now ? 0 : 2;
            };
            if (tier(other) != tier(chosen)) {
                return tier(other) < tier(chosen);
            }
            if (tier(chosen) == 1) {
                return earlier;
            }
            return std::tie(*other.slot_start, other.queue_key) <
                   std::tie(*chosen.slot_start, chosen.queue_key);
        }
        case StrategyKind::longest_wait:
        case StrategyKind::service_weight:
            return other.service == chosen.service && earlier;
    }
    return false;
}

// 5. call_next calls in queue order within a class (strictly by queue order under fifo), and
// refuses with nothing_waiting only when nothing is callable. `candidates` is what the window
// could call before the operation.
Problem check_call_order(const Window& window, const std::vector<Candidate>& candidates,
                         const QueueResult<Events>& result) {
    if (!result) {
        if (result.error().code == QueueErrc::nothing_waiting && !candidates.empty()) {
            return cat("call_next at ", window.id, " found nothing although ", candidates.size(),
                       " ticket(s) were callable");
        }
        return std::nullopt;
    }
    const auto& event = result->back();
    const auto* called = std::get_if<TicketCalled>(&event.body);
    if (called == nullptr) {
        return cat("call_next at ", window.id, " ended with ", name(event.body));
    }
    const auto chosen = std::find_if(candidates.begin(), candidates.end(),
                                     [&](const Candidate& c) { return c.id == called->id; });
    if (chosen == candidates.end()) {
        return cat("call_next at ", window.id, " called ticket ", called->id,
                   " which it may not call");
    }
    for (const auto& other : candidates) {
        if (other.id != chosen->id && must_precede(window, event.at, other, *chosen)) {
            return cat("call_next at ", window.id, " called ticket ", chosen->id, " (key ",
                       chosen->queue_key, ") before ticket ", other.id, " (key ", other.queue_key,
                       ")");
        }
    }
    return std::nullopt;
}

// Calls a counted_ratio window made by call_next (call_specific and call_back are outside the
// ratio by design).
struct RatioCount {
    int normal = 0;
    int priority = 0;
};

// 6. In every prefix of a counted_ratio window's calls, the priority calls stay within ±1 of
// normal_calls × ratio_priority / ratio_normal. A round calls its ratio_priority priority tickets
// together after its normal ones (docs/queue.md), so with more than one priority ticket a round
// the share lags by up to ratio_priority instead.
Problem check_counted_ratio(const Window& window, const RatioCount& count) {
    const auto& rule = window.strategy;
    const int tolerance = std::max(1, rule.ratio_priority) * rule.ratio_normal;
    const int gap = count.priority * rule.ratio_normal - count.normal * rule.ratio_priority;
    if (gap < -tolerance || gap > tolerance) {
        return cat("window ", window.id, " (", rule.ratio_normal, ":", rule.ratio_priority,
                   ") called ", count.normal, " normal and ", count.priority, " priority tickets");
    }
    return std::nullopt;
}

// The parts of the state the replay must reproduce, compared field by field (scalars first:
// they are cheap, and differ first).
bool same_ticket(const Ticket& a, const Ticket& b) {
    return a.state == b.state && a.queue_key == b.queue_key && a.no_shows == b.no_shows &&
           a.recalls == b.recalls && a.score == b.score && a.ticket_class == b.ticket_class &&
           a.slot_start == b.slot_start && a.number == b.number && a.service == b.service &&
           a.window == b.window && a.target_window == b.target_window;
}

bool same_window(const WindowStatus& a, const WindowStatus& b) {
    return a.state == b.state && a.current == b.current && a.round_normal == b.round_normal &&
           a.round_priority == b.round_priority && a.officer == b.officer &&
           a.pause_message == b.pause_message;
}

bool same_service(const ServiceStats& a, const ServiceStats& b) {
    return a.next_number == b.next_number && a.issued_today == b.issued_today &&
           a.mean_service_ms == b.mean_service_ms;
}

bool same_appointment(const Appointment& a, const Appointment& b) {
    return a.slot_start == b.slot_start && a.slot_end == b.slot_end && a.ticket == b.ticket &&
           a.cancelled == b.cancelled && a.service == b.service;
}

// The first key of two maps (equal in size) at which their entries differ under `same`.
template <class Map, class Same>
std::optional<typename Map::key_type> first_difference(const Map& a, const Map& b, Same same) {
    for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
        if (x->first != y->first || !same(x->second, y->second)) {
            return x->first;
        }
    }
    return std::nullopt;
}

// 7. The returned events, applied in order to a fresh state, rebuild the live state.
Problem check_replay(const QueueState& live, const QueueState& replayed) {
    if (live.day != replayed.day || live.now != replayed.now ||
        live.events_applied != replayed.events_applied ||
        live.next_ticket_id != replayed.next_ticket_id ||
        live.next_queue_key != replayed.next_queue_key) {
        return cat("day/now/events/ids differ: live ", live.day, "/", live.now, "/",
                   live.events_applied, "/", live.next_ticket_id, "/", live.next_queue_key,
                   ", replayed ", replayed.day, "/", replayed.now, "/", replayed.events_applied,
                   "/", replayed.next_ticket_id, "/", replayed.next_queue_key);
    }
    if (live.tickets.size() != replayed.tickets.size() ||
        live.windows.size() != replayed.windows.size() ||
        live.services.size() != replayed.services.size() ||
        live.appointments.size() != replayed.appointments.size()) {
        return cat("live has ", live.tickets.size(), " tickets, ", live.windows.size(),
                   " windows, ", live.services.size(), " services, ", live.appointments.size(),
                   " appointments; the replay ", replayed.tickets.size(), ", ",
                   replayed.windows.size(), ", ", replayed.services.size(), ", ",
                   replayed.appointments.size());
    }
    if (const auto id = first_difference(live.tickets, replayed.tickets, same_ticket)) {
        const auto& a = live.tickets.at(*id);
        const auto* b = replayed.find_ticket(*id);
        return b == nullptr ? cat(a.number, " (id ", *id, ") is missing from the replay")
                            : cat(a.number, " differs: live ", name(a.state), " at '", a.window,
                                  "' key ", a.queue_key, ", replayed ", name(b->state), " at '",
                                  b->window, "' key ", b->queue_key);
    }
    if (live.waiting != replayed.waiting) {
        return std::string("waiting lists differ");
    }
    if (live.lanes != replayed.lanes) {
        return std::string("class lanes differ");
    }
    if (const auto id = first_difference(live.windows, replayed.windows, same_window)) {
        return cat("window ", *id, " differs");
    }
    if (const auto code = first_difference(live.services, replayed.services, same_service)) {
        return cat("service ", *code, " statistics differ");
    }
    if (const auto id =
            first_difference(live.appointments, replayed.appointments, same_appointment)) {
        return cat("appointment ", *id, " differs");
    }
    return std::nullopt;
}

// 8. A refused operation returns no events and changes nothing, events_applied included; an
// accepted one applied exactly the events it returned, and only rollover may return none.
// `applied_before` is events_applied before the operation; `changed` is how the state after a
// refusal differs from the state before it (empty when it does not, or when that is unknown).
Problem check_refusal(const QueueResult<Events>& result, bool may_be_empty,
                      std::uint64_t applied_before, const QueueState& after,
                      const Problem& changed) {
    if (!result) {
        if (after.events_applied != applied_before) {
            return cat("refused, yet events_applied went from ", applied_before, " to ",
                       after.events_applied);
        }
        if (changed) {
            return "refused, yet the state changed: " + *changed;
        }
        return std::nullopt;
    }
    if (after.events_applied != applied_before + result->size()) {
        return cat("returned ", result->size(), " events but applied ",
                   after.events_applied - applied_before);
    }
    if (result->empty() && !may_be_empty) {
        return std::string("accepted without any event");
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Random operation sequences on property_hall().

// The invariant groups the random sequences check; each has its SECTION.
enum class Property : std::uint8_t {
    unique_numbers,  // 1
    one_window,      // 2
    waiting_lists,   // 3
    lifecycle,       // 4
    call_order,      // 5
    replay,          // 7
    refusal,         // 8
};
constexpr std::size_t kPropertyCount = 7;

std::size_t index_of(Property property) {
    return static_cast<std::size_t>(property);
}

// The first failure of each property over all sequences. A property is not checked again once
// it failed: its first failure is the one to reproduce, and later ones tend to follow from it.
struct Findings {
    std::array<std::optional<std::string>, kPropertyCount> first;

    [[nodiscard]] bool open(Property property) const { return !first.at(index_of(property)); }
    static Findings all_closed() {
        Findings findings;
        findings.first.fill(std::string());
        return findings;
    }
};

using Problems = std::vector<std::pair<Property, std::string>>;

enum class Kind : std::uint8_t {
    take,
    check_in,
    book_appointment,
    login,
    logout,
    call_next,
    recall,
    call_specific,
    start,
    no_show,
    transfer,
    hold,
    call_back,
    pause,
    resume,
    finish,
    evaluate,
    abandon,
    rollover,
};

// How often each operation is drawn, in Kind order: mostly the daily flow of taking, calling
// and finishing, with every other operation often enough to meet every state.
constexpr std::array<int, 19> kKindWeights = {18, 6, 4, 5, 2, 18, 4, 4, 8, 6,
                                              5,  3, 4, 3, 3, 12, 5, 4, 1};

struct Operation {
    Kind kind = Kind::take;
    std::string text;    // for failure reports (only when describing)
    std::string window;  // the window it acts at, if any
    std::function<QueueResult<Events>(Engine&, Millis)> run;
};

// One random sequence on property_hall(seed). Runs are deterministic in the seed, so a failure
// is described by running its seed again with `describe` on, which records the operations.
class Sequence {
public:
    Sequence(std::uint64_t seed, bool describe)
        : seed_(seed),
          describe_(describe),
          random_(seed),
          kinds_(kKindWeights.begin(), kKindWeights.end()),
          engine_(property_hall(seed)),
          replayed_(Engine(property_hall(seed)).state()),
          now_(kMondayMidnight + random_.millis_between(0, 24 * kHour)) {}

    // One random operation, then the invariants of the properties still open.
    Problems step(int index, const Findings& findings) {
        advance_clock();
        const auto operation = random_operation(index);
        const auto& before = engine_.state();
        const bool rollover_due =
            before.day != 0 &&
            hall_day(now_, before.utc_offset_minutes, before.hall.rules.day_reset) > before.day;
        // The call order needs what the window could call before; a rollover closes all of it.
        std::optional<Window> caller;
        std::vector<Candidate> candidates;
        if (findings.open(Property::call_order) && operation.kind == Kind::call_next &&
            !rollover_due) {
            if (const auto* window = before.hall.find_window(operation.window)) {
                caller = *window;
                candidates = callable_by(before, *window);
            }
        }
        const auto applied_before = before.events_applied;

        const auto result = operation.run(engine_, now_);
        const auto& after = engine_.state();
        if (describe_) {
            remember(index, operation, result);
        }

        Problems problems;
        const auto check = [&](Property property, auto&& invariant) {
            if (findings.open(property)) {
                if (auto problem = invariant()) {
                    problems.emplace_back(property, std::move(*problem));
                }
            }
        };
        if (result) {
            for (const auto& event : *result) {
                follow(event, findings, problems);
            }
        }
        // The replayed state is the log's: while it matched the live state, it is also the state
        // before a refused operation (which logs nothing), so one comparison serves 7 and 8.
        const bool was_in_sync = in_sync_;
        auto log_difference = check_replay(after, replayed_);
        in_sync_ = !log_difference;
        check(Property::refusal, [&] {
            return check_refusal(result, operation.kind == Kind::rollover, applied_before, after,
                                 was_in_sync ? log_difference : std::nullopt);
        });
        if (caller) {
            check(Property::call_order,
                  [&] { return check_call_order(*caller, candidates, result); });
        }
        check(Property::one_window, [&] { return check_one_window_per_ticket(after); });
        check(Property::waiting_lists, [&] { return check_waiting_lists(after); });
        check(Property::waiting_lists, [&] { return check_lanes(after); });
        check(Property::lifecycle, [&] { return check_states_match_events(model_, after); });
        check(Property::replay, [&] { return log_difference; });
        return problems;
    }

    // The failure report: seed, step, hall time, and the operations that led there.
    std::string report(int index, const std::string& problem) const {
        std::string text =
            cat("seed ", seed_, " (HK_PROPERTY_SEED=", seed_, " runs it alone), step ", index,
                " at ", clock_text(now_, engine_.state().utc_offset_minutes), ": ", problem,
                "\nlast operations:");
        for (const auto& line : recent_) {
            text += "\n  " + line;
        }
        return text;
    }

private:
    // 0-5 minutes a step; now and then a jump over a night or a whole closed day.
    void advance_clock() {
        now_ += random_.chance(0.01) ? random_.millis_between(6 * kHour, 50 * kHour)
                                     : random_.millis_between(0, 5 * kMinute);
    }

    // Follows one returned event: the log's state (invariants 7 and 8) and the event model (1
    // and 4).
    void follow(const QueueEvent& event, const Findings& findings, Problems& problems) {
        apply(replayed_, event);
        if (model_.day == 0) {
            model_.day = hall_day(event.at, engine_.state().utc_offset_minutes,
                                  engine_.state().hall.rules.day_reset);
        }
        if (const auto* issued = std::get_if<TicketIssued>(&event.body)) {
            numbers_.push_back(issued->number);
            auto problem = check_unique_number(model_, *issued);
            if (problem && findings.open(Property::unique_numbers)) {
                problems.emplace_back(Property::unique_numbers, std::move(*problem));
            }
        }
        auto problem = check_lifecycle_event(model_, event.body);
        if (const auto* closed = std::get_if<TicketsClosed>(&event.body); closed && !problem) {
            problem = check_tickets_closed(model_, *closed);
        }
        if (const auto* rolled = std::get_if<DayRolledOver>(&event.body); rolled && !problem) {
            problem = check_rollover_closes_day(model_, *rolled);
        }
        if (problem && findings.open(Property::lifecycle)) {
            problems.emplace_back(Property::lifecycle, std::move(*problem));
        }
    }

    void remember(int index, const Operation& operation, const QueueResult<Events>& result) {
        recent_.push_back(cat("step ", index, " ",
                              clock_text(now_, engine_.state().utc_offset_minutes), " ",
                              operation.text, " -> ", outcome_text(result)));
        if (recent_.size() > kRecentSteps) {
            recent_.pop_front();
        }
    }

    // Text for a failure report, built only when describing (it is most of a step's cost).
    template <class... Parts>
    std::string text(const Parts&... parts) const {
        return describe_ ? cat(parts...) : std::string();
    }

    // --- arguments: mostly valid, sometimes not ---
    std::string window_id() {
        if (random_.chance(0.05)) {
            return random_.chance(0.5) ? "w9" : "";
        }
        return random_.pick(engine_.state().hall.windows).id;
    }
    std::string service_code() {
        static const std::vector<std::string> kCodes = {"RE", "TAX", "SOC"};
        if (random_.chance(0.05)) {
            return random_.chance(0.5) ? "NOPE" : "";
        }
        return random_.pick(kCodes);
    }
    std::string identity() {
        static const std::vector<std::string> kIdentities = {"", "", "id-1", "id-2", "id-3"};
        return random_.pick(kIdentities);
    }
    std::string number() {
        if (numbers_.empty() || random_.chance(0.05)) {
            return random_.chance(0.5) ? "Z999" : "";
        }
        // Recent numbers mostly: those are the tickets still in play.
        const auto recent = std::min<std::size_t>(numbers_.size(), 30);
        return numbers_.at(
            numbers_.size() - 1 -
            static_cast<std::size_t>(random_.between(0, static_cast<int>(recent) - 1)));
    }
    // Mostly a ticket in `state`, so that operations on one find what they need.
    std::string number_in(TicketState state) {
        if (random_.chance(0.3)) {
            return number();
        }
        std::vector<std::string> matching;
        for (const auto& [id, ticket] : engine_.state().tickets) {
            if (ticket.state == state) {
                matching.push_back(ticket.number);
            }
        }
        return matching.empty() ? number() : random_.pick(matching);
    }
    // Mostly a window with a called or serving ticket, for the operations on that ticket.
    std::string window_with_ticket() {
        if (random_.chance(0.3)) {
            return window_id();
        }
        std::vector<std::string> busy;
        for (const auto& [id, status] : engine_.state().windows) {
            if (status.current) {
                busy.push_back(id);
            }
        }
        return busy.empty() ? window_id() : random_.pick(busy);
    }
    std::string reason() {
        if (random_.chance(0.05)) {
            return std::string(501, 'x');  // too long
        }
        return random_.chance(0.15) ? "" : "老人优先";
    }
    TicketClass ticket_class() {
        static const std::vector<TicketClass> kClasses = {
            TicketClass::normal, TicketClass::normal, TicketClass::normal,
            TicketClass::green,  TicketClass::vip,    TicketClass::appointment};
        return random_.pick(kClasses);
    }
    Appointment appointment() {
        // Ids repeat (a conflict), though seldom enough that most bookings are accepted.
        static const std::vector<std::string> kIds = [] {
            std::vector<std::string> ids;
            ids.reserve(40);
            for (int i = 0; i < 40; ++i) {
                ids.push_back(cat("ap", i));
            }
            return ids;
        }();
        static const std::vector<int> kLengths = {15, 30, 60, 0, -15};  // the last two invalid
        Appointment a;
        a.id = random_.pick(kIds);
        a.service = service_code();
        a.slot_start = (now_ / kMinute + random_.between(-45, 90)) * kMinute;
        a.slot_end = a.slot_start + random_.pick(kLengths) * kMinute;
        a.identity_hash = identity();
        a.code = appointment_code();
        a.source = "local";
        return a;
    }
    // Mostly the code of a booked appointment not checked in yet.
    std::string booked_code() {
        std::vector<std::string> open;
        for (const auto& [id, appointment] : engine_.state().appointments) {
            if (!appointment.ticket && !appointment.cancelled) {
                open.push_back(appointment.code);
            }
        }
        return open.empty() || random_.chance(0.3) ? appointment_code() : random_.pick(open);
    }
    std::string appointment_code() {
        static const std::vector<std::string> kCodes = {"K0", "K1", "K2", "K3", "K4", "K5"};
        return random_.pick(kCodes);
    }

    Operation random_operation(int index) {
        // Start with most windows staffed, as a hall opens.
        const auto& windows = engine_.state().hall.windows;
        if (static_cast<std::size_t>(index) <= windows.size() && random_.chance(0.8)) {
            const auto id = windows.at(static_cast<std::size_t>(index) - 1).id;
            return {Kind::login, text("login ", id), id,
                    [id](Engine& e, Millis now) { return e.login(now, "test", id, "1000"); }};
        }
        const auto kind = static_cast<Kind>(random_.draw(kinds_));
        const bool on_current = kind == Kind::recall || kind == Kind::start ||
                                kind == Kind::no_show || kind == Kind::transfer ||
                                kind == Kind::hold || kind == Kind::finish;
        const auto window = on_current ? window_with_ticket() : window_id();
        switch (kind) {
            case Kind::take: {
                TakeRequest request{service_code(), Channel::walkin, ticket_class(), identity()};
                return {kind,
                        text("take ", request.service, " ", name(request.ticket_class), " id '",
                             request.identity_hash, "'"),
                        {},
                        [request](Engine& e, Millis now) { return e.take(now, "kiosk", request); }};
            }
            case Kind::check_in: {
                const bool by_code = random_.chance(0.5);
                const auto hash = by_code ? std::string() : identity();
                const auto code = by_code ? booked_code() : std::string();
                return {kind,
                        text("check_in id '", hash, "' code '", code, "'"),
                        {},
                        [hash, code](Engine& e, Millis now) {
                            return e.check_in(now, "kiosk", hash, code);
                        }};
            }
            case Kind::book_appointment: {
                const auto a = appointment();
                return {
                    kind,
                    text("book ", a.id, " ", a.service, " slot ", (a.slot_start - now_) / kMinute,
                         "+", (a.slot_end - a.slot_start) / kMinute, " min id '", a.identity_hash,
                         "' code ", a.code),
                    {},
                    [a](Engine& e, Millis now) { return e.book_appointment(now, "portal", a); }};
            }
            case Kind::login: {
                static const std::vector<std::string> kOfficers = {"1001", "1002", "",
                                                                   std::string(33, '9')};
                const auto officer = random_.pick(kOfficers);
                return {kind, text("login ", window, " officer '", officer, "'"), window,
                        [window, officer](Engine& e, Millis now) {
                            return e.login(now, "test", window, officer);
                        }};
            }
            case Kind::logout:
                return {kind, text("logout ", window), window,
                        [window](Engine& e, Millis now) { return e.logout(now, "test", window); }};
            case Kind::call_next:
                return {kind, text("call_next ", window), window, [window](Engine& e, Millis now) {
                            return e.call_next(now, "officer", window);
                        }};
            case Kind::recall:
                return {kind, text("recall ", window), window, [window](Engine& e, Millis now) {
                            return e.recall(now, "officer", window);
                        }};
            case Kind::call_specific: {
                const auto n = number_in(TicketState::waiting);
                const auto why = reason();
                return {kind, text("call_specific ", window, " ", n, " reason of ", why.size()),
                        window, [window, n, why](Engine& e, Millis now) {
                            return e.call_specific(now, "officer", window, n, why);
                        }};
            }
            case Kind::start:
                return {kind, text("start ", window), window, [window](Engine& e, Millis now) {
                            return e.start(now, "officer", window);
                        }};
            case Kind::no_show:
                return {kind, text("no_show ", window), window, [window](Engine& e, Millis now) {
                            return e.no_show(now, "officer", window);
                        }};
            case Kind::transfer: {
                TransferRequest request{random_.chance(0.4) ? std::string() : service_code(),
                                        random_.chance(0.6) ? std::string() : window_id(),
                                        random_.chance(0.5)};
                return {kind,
                        text("transfer ", window, " to service '", request.to_service, "' window '",
                             request.to_window, "'", request.to_front ? " front" : " back"),
                        window, [window, request](Engine& e, Millis now) {
                            return e.transfer(now, "officer", window, request);
                        }};
            }
            case Kind::hold:
                return {kind, text("hold ", window), window,
                        [window](Engine& e, Millis now) { return e.hold(now, "officer", window); }};
            case Kind::call_back: {
                const auto n = number_in(TicketState::held);
                return {kind, text("call_back ", window, " ", n), window,
                        [window, n](Engine& e, Millis now) {
                            return e.call_back(now, "officer", window, n);
                        }};
            }
            case Kind::pause: {
                const auto message = random_.chance(0.05) ? std::string(501, 'x') : "稍候";
                return {kind, text("pause ", window, " message of ", message.size()), window,
                        [window, message](Engine& e, Millis now) {
                            return e.pause(now, "officer", window, message);
                        }};
            }
            case Kind::resume:
                return {kind, text("resume ", window), window, [window](Engine& e, Millis now) {
                            return e.resume(now, "officer", window);
                        }};
            case Kind::finish:
                return {kind, text("finish ", window), window, [window](Engine& e, Millis now) {
                            return e.finish(now, "officer", window);
                        }};
            case Kind::evaluate: {
                const auto n = number_in(TicketState::finished);
                const auto score = random_.between(0, 6);
                const auto why = reason();
                return {kind,
                        text("evaluate ", n, " score ", score, " reason of ", why.size()),
                        {},
                        [n, score, why](Engine& e, Millis now) {
                            return e.evaluate(now, "pad", n, score, why);
                        }};
            }
            case Kind::abandon: {
                const auto n =
                    number_in(random_.chance(0.5) ? TicketState::waiting : TicketState::held);
                return {kind, text("abandon ", n), {}, [n](Engine& e, Millis now) {
                            return e.abandon(now, "kiosk", n);
                        }};
            }
            case Kind::rollover:
                return {kind, text("rollover"), {}, [](Engine& e, Millis now) {
                            return e.rollover(now, "system");
                        }};
        }
        return {};
    }

    std::uint64_t seed_;
    bool describe_;
    Random random_;
    std::discrete_distribution<std::size_t> kinds_;
    Engine engine_;
    QueueState replayed_;  // the returned events applied to a fresh state
    bool in_sync_ = true;  // replayed_ matched the live state after the last step
    EventModel model_;
    Millis now_;
    std::vector<std::string> numbers_;  // every number issued, for arguments
    std::deque<std::string> recent_;    // when describing
};

// The seeds to run: HK_PROPERTY_SEED alone, or HK_PROPERTY_SEQUENCES (default 150) from
// kFirstSeed on.
std::vector<std::uint64_t> seeds() {
    if (const char* seed = std::getenv("HK_PROPERTY_SEED")) {
        return {std::strtoull(seed, nullptr, 10)};
    }
    std::vector<std::uint64_t> out(static_cast<std::size_t>(sequence_count()));
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = kFirstSeed + i;
    }
    return out;
}

std::string failure_report(std::uint64_t seed, int failing_step, const std::string& problem) {
    Sequence again(seed, true);
    const auto unchecked = Findings::all_closed();
    for (int step = 1; step <= failing_step; ++step) {
        again.step(step, unchecked);
    }
    return again.report(failing_step, problem);
}

// Runs the random sequences once per process with every property checked; each SECTION then
// reports its own property.
const Findings& random_sequence_findings() {
    static const Findings findings = [] {
        Findings out;
        for (const auto seed : seeds()) {
            Sequence sequence(seed, false);
            for (int step = 1; step <= kStepsPerSequence; ++step) {
                for (const auto& [property, problem] : sequence.step(step, out)) {
                    out.first.at(index_of(property)) = failure_report(seed, step, problem);
                }
            }
        }
        return out;
    }();
    return findings;
}

void require_property(Property property) {
    const auto& failure = random_sequence_findings().first.at(index_of(property));
    if (failure) {
        FAIL(*failure);
    }
    SUCCEED(seeds().size() << " sequences of " << kStepsPerSequence << " operations");
}

// ---------------------------------------------------------------------------------------------
// The counted-ratio sub-scenario: windows at several ratios share one queue that always holds
// both normal and priority tickets, so every call is a ratio decision.

HallDefinition ratio_hall() {
    ServiceItem service;
    service.code = "SOC";
    service.name_zh = service.name_en = "SOC";
    service.prefix = "C";
    service.number_width = 4;
    HallDefinition hall;
    hall.services = {service};
    const auto ratio = [](int normal, int priority) {
        return Strategy{.kind = StrategyKind::counted_ratio,
                        .ratio_normal = normal,
                        .ratio_priority = priority};
    };
    hall.windows = {make_window("r1", {{"SOC", 1}}, ratio(2, 1), "pair"),
                    make_window("r2", {{"SOC", 1}}, ratio(3, 1), "pair"),
                    make_window("r3", {{"SOC", 1}}, ratio(1, 1)),
                    make_window("r4", {{"SOC", 1}}, ratio(3, 2)),
                    make_window("f1", {{"SOC", 1}}, {.kind = StrategyKind::fifo})};
    return hall;
}

// The operations of the ratio scenario, how often each is drawn, and their names for reports.
enum class RatioOp : std::uint8_t {
    call_next,
    finish,
    start,
    no_show,
    recall,
    hold,
    call_back,
    transfer,
    abandon,
    pause,
    take,
};
constexpr std::array<int, 11> kRatioOpWeights = {40, 20, 8, 8, 4, 4, 4, 6, 3, 3, 6};
constexpr std::array<std::string_view, 11> kRatioOpNames = {
    "call_next", "finish",   "start",   "no_show", "recall", "hold",
    "call_back", "transfer", "abandon", "pause",   "take"};

class RatioSequence {
public:
    explicit RatioSequence(std::uint64_t seed)
        : seed_(seed),
          random_(seed),
          operations_(kRatioOpWeights.begin(), kRatioOpWeights.end()),
          engine_(ratio_hall()) {
        for (const auto& window : engine_.state().hall.windows) {
            ok(engine_.login(now_, "test", window.id, "1000"));
        }
    }

    Problem step(int index) {
        // Within one day: a rollover would start every window's round afresh.
        now_ += random_.millis_between(0, 2 * kMinute);
        const auto& windows = engine_.state().hall.windows;
        const auto& window = random_.pick(windows);
        const auto operation = static_cast<RatioOp>(random_.draw(operations_));
        const auto outcome = run(operation, window);
        last_ = cat("step ", index, " ", kRatioOpNames.at(static_cast<std::size_t>(operation)),
                    " at ", window.id);
        if (!outcome) {
            return outcome.error();
        }
        if (!*outcome) {
            return std::nullopt;  // refused: nothing called
        }
        for (const auto& event : **outcome) {
            const auto* called = std::get_if<TicketCalled>(&event.body);
            if (called == nullptr || called->specific) {
                continue;
            }
            const auto& at = *engine_.state().hall.find_window(called->window);
            if (at.strategy.kind != StrategyKind::counted_ratio) {
                continue;
            }
            auto& count = counts_[at.id];
            const bool priority = is_priority(engine_.state().tickets.at(called->id).ticket_class);
            ++(priority ? count.priority : count.normal);
            calls_[at.id] += priority ? 'P' : 'N';
            if (auto problem = check_counted_ratio(at, count)) {
                return cat(*problem, "; its calls: ", calls_[at.id]);
            }
        }
        return std::nullopt;
    }

    std::string report(int index, const std::string& problem) const {
        return cat("ratio scenario seed ", seed_, " (HK_PROPERTY_SEED=", seed_,
                   " runs it alone), step ", index, ": ", problem, "\nlast operation: ", last_);
    }

private:
    // Runs one operation; refusals are fine, only a failed top-up is a problem.
    std::expected<QueueResult<Events>, std::string> run(RatioOp operation, const Window& window) {
        const auto& windows = engine_.state().hall.windows;
        switch (operation) {
            case RatioOp::call_next:
                if (auto problem = top_up(window)) {
                    return std::unexpected(*problem);
                }
                return engine_.call_next(now_, "officer", window.id);
            case RatioOp::finish:
                return engine_.finish(now_, "officer", window.id);
            case RatioOp::start:
                return engine_.start(now_, "officer", window.id);
            case RatioOp::no_show:
                return engine_.no_show(now_, "officer", window.id);
            case RatioOp::recall:
                return engine_.recall(now_, "officer", window.id);
            case RatioOp::hold:
                return engine_.hold(now_, "officer", window.id);
            case RatioOp::call_back:
                return engine_.call_back(now_, "officer", window.id, number());
            case RatioOp::transfer: {
                TransferRequest request{
                    "", random_.chance(0.5) ? std::string() : random_.pick(windows).id,
                    random_.chance(0.5)};
                return engine_.transfer(now_, "officer", window.id, request);
            }
            case RatioOp::abandon:
                return engine_.abandon(now_, "kiosk", number());
            case RatioOp::pause:
                return engine_.pause(now_, "officer", window.id, "稍候");
            case RatioOp::take:
                return take(random_.chance(0.5));
        }
        return std::unexpected(std::string("unknown operation"));
    }

    QueueResult<Events> take(bool priority) {
        const auto ticket_class =
            priority ? (random_.chance(0.5) ? TicketClass::green : TicketClass::vip)
                     : TicketClass::normal;
        auto result = engine_.take(now_, "kiosk", {"SOC", Channel::walkin, ticket_class, {}});
        if (result) {
            numbers_.push_back(issued_number(*result));
        }
        return result;
    }

    // Makes sure `window` could call both a normal and a priority ticket. Reads the waiting
    // list (checked by the random sequences) rather than every ticket of the day, which would
    // make this scenario several times slower.
    Problem top_up(const Window& window) {
        bool normal = false;
        bool priority = false;
        const auto& state = engine_.state();
        if (const auto list = state.waiting.find("SOC"); list != state.waiting.end()) {
            for (const auto id : list->second) {
                const auto& ticket = state.tickets.at(id);
                if (ticket.target_window.empty() || ticket.target_window == window.id) {
                    (is_priority(ticket.ticket_class) ? priority : normal) = true;
                }
            }
        }
        for (const bool want_priority : {false, true}) {
            if (!(want_priority ? priority : normal)) {
                if (const auto result = take(want_priority); !result) {
                    return "topping up was refused: " + outcome_text(result);
                }
            }
        }
        return std::nullopt;
    }

    std::string number() { return numbers_.empty() ? "C0001" : random_.pick(numbers_); }

    std::uint64_t seed_;
    Random random_;
    std::discrete_distribution<std::size_t> operations_;
    Engine engine_;
    Millis now_ = kMonday0800;
    std::vector<std::string> numbers_;
    std::map<std::string, RatioCount> counts_;
    std::map<std::string, std::string> calls_;  // per window: N and P in calling order
    std::string last_;
};

}  // namespace

// One pass over the random sequences serves every property group, each reported by its own
// SECTION: ctest runs every TEST_CASE in a process of its own, so a TEST_CASE per group would
// run the sequences once per group and take several times the time budget.
TEST_CASE("random operation sequences keep every queue invariant") {
    SECTION("ticket numbers are unique per service per hall day") {
        require_property(Property::unique_numbers);
    }
    SECTION("no ticket is at two windows and every called ticket is at one") {
        require_property(Property::one_window);
    }
    SECTION("waiting lists hold exactly the waiting tickets in queue order") {
        require_property(Property::waiting_lists);
    }
    SECTION("after a day rollover every ticket of the old day is in exactly one terminal state") {
        require_property(Property::lifecycle);
    }
    SECTION("call_next follows queue order within a class, and strictly under fifo") {
        require_property(Property::call_order);
    }
    SECTION("replaying the returned events rebuilds the live state") {
        require_property(Property::replay);
    }
    SECTION("a refused operation returns no events and changes nothing") {
        require_property(Property::refusal);
    }
}

TEST_CASE("counted ratio windows keep their ratio in every prefix of their calls") {
    for (const auto seed : seeds()) {
        RatioSequence sequence(seed);
        for (int step = 1; step <= kStepsPerSequence; ++step) {
            if (const auto problem = sequence.step(step)) {
                FAIL(sequence.report(step, *problem));
            }
        }
    }
    SUCCEED(seeds().size() << " sequences of " << kStepsPerSequence << " operations");
}

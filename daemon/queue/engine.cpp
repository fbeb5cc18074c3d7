// The queue engine's decisions: see engine.hpp. Each operation checks everything first and
// only then emits events, so a refused operation leaves the state untouched.
#include "daemon/queue/engine.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "daemon/queue/strategy.hpp"

namespace hk::queue {
namespace {

constexpr Millis kMinute = 60'000;

QueueError error(QueueErrc code, std::string message) {
    return {code, std::move(message)};
}

template <class T = Events>
QueueResult<T> fail(QueueErrc code, std::string message) {
    return std::unexpected(error(code, std::move(message)));
}

bool in_range(const TimeRange& range, MinuteOfDay minute) {
    return range.start <= minute && minute < range.end;
}

// Whether an operation at `now` falls in a later hall day than the state. Day 0: nothing has
// happened yet, so there is no day to close.
bool rollover_due(const QueueState& state, Millis now) {
    return state.day != 0 &&
           hall_day(now, state.utc_offset_minutes, state.hall.rules.day_reset) > state.day;
}

// An operation in a new hall day applies its DayRolledOver first (Engine::begin), so that its
// checks see the new day. If the operation is then refused, no result carries that event to
// the log: memory would run ahead of disk, a replay would miss the rollover (and issue the
// next day's numbers again), and the refusal would not leave the state untouched. So every
// operation keeps the state from before a due rollover and puts it back when nothing followed
// the rollover's events (an accepted operation always applies an event of its own); the next
// operation rolls the day over again. The copy is only taken while a rollover is due: from the
// first operation of a new hall day until one is accepted or rollover() runs.
class UndoRolloverIfRefused {
public:
    UndoRolloverIfRefused(QueueState& state, Millis now, const Events& out)
        : state_(state), out_(out) {
        if (rollover_due(state, now)) {
            before_ = state;
        }
    }
    ~UndoRolloverIfRefused() {
        const auto rollover_only = std::all_of(out_.begin(), out_.end(), [](const auto& event) {
            return std::holds_alternative<DayRolledOver>(event.body) ||
                   std::holds_alternative<TicketsClosed>(event.body);
        });
        if (before_ && rollover_only &&
            state_.events_applied == before_->events_applied + out_.size()) {
            state_ = std::move(*before_);
        }
    }
    UndoRolloverIfRefused(const UndoRolloverIfRefused&) = delete;
    UndoRolloverIfRefused& operator=(const UndoRolloverIfRefused&) = delete;

private:
    QueueState& state_;
    const Events& out_;
    std::optional<QueueState> before_;
};

}  // namespace

std::string_view to_string(QueueErrc code) {
    switch (code) {
        case QueueErrc::unknown_service:
            return "unknown_service";
        case QueueErrc::service_closed:
            return "service_closed";
        case QueueErrc::quota_exhausted:
            return "quota_exhausted";
        case QueueErrc::duplicate_ticket:
            return "duplicate_ticket";
        case QueueErrc::unknown_window:
            return "unknown_window";
        case QueueErrc::window_not_open:
            return "window_not_open";
        case QueueErrc::window_busy:
            return "window_busy";
        case QueueErrc::no_current_ticket:
            return "no_current_ticket";
        case QueueErrc::nothing_waiting:
            return "nothing_waiting";
        case QueueErrc::unknown_ticket:
            return "unknown_ticket";
        case QueueErrc::wrong_ticket_state:
            return "wrong_ticket_state";
        case QueueErrc::recall_limit:
            return "recall_limit";
        case QueueErrc::reason_required:
            return "reason_required";
        case QueueErrc::bad_argument:
            return "bad_argument";
        case QueueErrc::unknown_appointment:
            return "unknown_appointment";
        case QueueErrc::appointment_not_due:
            return "appointment_not_due";
        case QueueErrc::appointment_conflict:
            return "appointment_conflict";
    }
    return "unknown";
}

Engine::Engine(HallDefinition hall, int utc_offset_minutes) {
    state_.hall = std::move(hall);
    state_.utc_offset_minutes = utc_offset_minutes;
    for (const auto& service : state_.hall.services) {
        state_.services[service.code];
    }
    for (const auto& window : state_.hall.windows) {
        state_.windows[window.id];
    }
}

Engine::Engine(QueueState state) : state_(std::move(state)) {}

void Engine::emit(Millis now, std::string_view actor, EventBody body, Events& out) {
    // The actor names a device or an officer's session, never a citizen; it is cut to what the
    // log can hold rather than refusing a citizen's operation over a long device name.
    out.push_back(QueueEvent{std::max(now, state_.now),
                             std::string(actor.substr(0, kMaxEventTextBytes)), std::move(body)});
    apply(state_, out.back());
}

void Engine::begin(Millis now, std::string_view actor, Events& out) {
    if (!rollover_due(state_, now)) {
        return;
    }
    DayRolledOver rolled{hall_day(now, state_.utc_offset_minutes, state_.hall.rules.day_reset), {}};
    std::vector<TicketId> open;
    for (const auto& [id, ticket] : state_.tickets) {
        if (!is_terminal(ticket.state)) {
            open.push_back(id);
        }
    }
    // Each event lists at most kMaxClosedPerEvent, so that the log can always read it back.
    auto first = open.begin();
    while (open.end() - first > static_cast<std::ptrdiff_t>(kMaxClosedPerEvent)) {
        const auto last = first + static_cast<std::ptrdiff_t>(kMaxClosedPerEvent);
        emit(now, actor, TicketsClosed{{first, last}}, out);
        first = last;
    }
    rolled.closed.assign(first, open.end());
    emit(now, actor, std::move(rolled), out);
}

QueueResult<Events> Engine::rollover(Millis now, std::string_view actor) {
    Events out;
    begin(now, actor, out);
    return out;
}

bool Engine::in_issuing_hours(const ServiceItem& service, Millis now) const {
    const auto minute = minute_of_day(now, state_.utc_offset_minutes);
    return service.issuing_hours.empty() ||
           std::any_of(service.issuing_hours.begin(), service.issuing_hours.end(),
                       [&](const TimeRange& r) { return in_range(r, minute); });
}

bool Engine::service_open(const ServiceItem& service, Millis now) const {
    return in_issuing_hours(service, now) && service_staffed(service);
}

std::string_view Engine::closed_reason(const ServiceItem& service, Millis now) const {
    if (!in_issuing_hours(service, now)) {
        return "outside_hours";
    }
    if (!service_staffed(service)) {
        return "no_window";
    }
    // The count is today's only if the state is on today's hall day; a state still on an
    // earlier day rolls over (and resets the count) at the next operation.
    const auto stats = state_.services.find(service.code);
    if (service.daily_quota > 0 && stats != state_.services.end() &&
        hall_day(now, state_.utc_offset_minutes, state_.hall.rules.day_reset) == state_.day &&
        stats->second.issued_today >= service.daily_quota) {
        return "daily_limit";
    }
    return {};
}

bool Engine::service_staffed(const ServiceItem& service) const {
    // Staffed means some window that serves it is staffed (logged in, even if paused for a
    // moment): a citizen must never hold a ticket nobody can call.
    for (const auto& window : state_.hall.windows) {
        const auto status = state_.windows.find(window.id);
        if (status == state_.windows.end() || status->second.state == WindowState::logged_out ||
            status->second.state == WindowState::attendance_anomaly) {
            continue;
        }
        if (std::any_of(window.serves.begin(), window.serves.end(),
                        [&](const WindowServes& s) { return s.service == service.code; })) {
            return true;
        }
    }
    return false;
}

QueueResult<Events> Engine::take(Millis now, std::string_view actor, const TakeRequest& request) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    const auto* service = state_.hall.find_service(request.service);
    if (service == nullptr) {
        return fail(QueueErrc::unknown_service, fmt::format("no service '{}'", request.service));
    }
    if (!service_open(*service, now)) {
        return fail(QueueErrc::service_closed,
                    fmt::format("service '{}' is not open now (no staffed window, or outside "
                                "issuing hours)",
                                service->code));
    }
    const auto& stats = state_.services[service->code];
    if (service->daily_quota > 0 && stats.issued_today >= service->daily_quota) {
        return fail(QueueErrc::quota_exhausted, fmt::format("daily quota of {} for '{}' reached",
                                                            service->daily_quota, service->code));
    }
    const auto minute = minute_of_day(now, state_.utc_offset_minutes);
    for (const auto& slot : service->slot_quotas) {
        if (!in_range(slot.range, minute)) {
            continue;
        }
        const auto day_start = now - (minute * kMinute) - (now % kMinute);
        const auto from = day_start + slot.range.start * kMinute;
        const auto to = day_start + slot.range.end * kMinute;
        const auto issued =
            std::count_if(state_.tickets.begin(), state_.tickets.end(), [&](const auto& entry) {
                const auto& t = entry.second;
                return t.service == service->code && t.issued_at >= from && t.issued_at < to;
            });
        if (issued >= slot.quota) {
            return fail(QueueErrc::quota_exhausted,
                        fmt::format("quota of {} for '{}' in this time slot reached", slot.quota,
                                    service->code));
        }
    }
    if (request.identity_hash.size() > kMaxEventTextBytes) {
        return fail(QueueErrc::bad_argument, "identity hash is too long");
    }
    std::string phone_masked;
    if (!request.phone.empty()) {
        auto masked = mask_phone(request.phone);
        if (!masked) {
            return fail(QueueErrc::bad_argument, std::move(masked.error()));
        }
        phone_masked = std::move(*masked);
    }
    if (!request.identity_hash.empty() && state_.hall.rules.one_waiting_ticket_per_id) {
        for (const auto& [id, ticket] : state_.tickets) {
            if (ticket.identity_hash == request.identity_hash && ticket.service == service->code &&
                !is_terminal(ticket.state)) {
                return fail(QueueErrc::duplicate_ticket,
                            fmt::format("this ID already holds ticket {} for '{}'", ticket.number,
                                        service->code));
            }
        }
    }
    const auto number =
        fmt::format("{}{:0{}}", service->prefix, stats.next_number, service->number_width);
    emit(now, actor,
         TicketIssued{state_.next_ticket_id,
                      number,
                      service->code,
                      request.channel,
                      request.ticket_class,
                      request.identity_hash,
                      {},
                      std::nullopt,
                      std::move(phone_masked)},
         out);
    return out;
}

QueueResult<const Window*> Engine::open_window(std::string_view id) const {
    const auto* window = state_.hall.find_window(id);
    if (window == nullptr) {
        return fail<const Window*>(QueueErrc::unknown_window, fmt::format("no window '{}'", id));
    }
    const auto& status = state_.windows.at(window->id);
    if (status.state == WindowState::logged_out) {
        return fail<const Window*>(QueueErrc::window_not_open,
                                   fmt::format("window '{}' has no officer logged in", id));
    }
    return window;
}

QueueResult<Engine::AtWindow> Engine::ticket_at_window(std::string_view window) const {
    auto open = open_window(window);
    if (!open) {
        return std::unexpected(open.error());
    }
    const auto& status = state_.windows.at((*open)->id);
    if (!status.current) {
        return fail<AtWindow>(QueueErrc::no_current_ticket,
                              fmt::format("window '{}' has no called or serving ticket", window));
    }
    return AtWindow{*open, &state_.tickets.at(*status.current)};
}

QueueResult<Events> Engine::login(Millis now, std::string_view actor, std::string_view window,
                                  std::string_view officer) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    const auto* definition = state_.hall.find_window(window);
    if (definition == nullptr) {
        return fail(QueueErrc::unknown_window, fmt::format("no window '{}'", window));
    }
    if (officer.empty() || officer.size() > 32) {
        return fail(QueueErrc::bad_argument, "officer id (工号) must be 1 to 32 characters");
    }
    const auto& status = state_.windows.at(definition->id);
    if (status.current) {
        return fail(
            QueueErrc::window_busy,
            fmt::format("window '{}' still has a ticket; finish or hand it over first", window));
    }
    emit(now, actor, OfficerLoggedIn{definition->id, std::string(officer)}, out);
    return out;
}

QueueResult<Events> Engine::logout(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto open = open_window(window);
    if (!open) {
        return std::unexpected(open.error());
    }
    if (state_.windows.at((*open)->id).current) {
        return fail(QueueErrc::window_busy,
                    fmt::format("window '{}' still has a ticket; finish it first", window));
    }
    emit(now, actor, OfficerLoggedOut{(*open)->id}, out);
    return out;
}

QueueResult<Events> Engine::call_next(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto open = open_window(window);
    if (!open) {
        return std::unexpected(open.error());
    }
    const auto& status = state_.windows.at((*open)->id);
    if (status.current) {
        return fail(QueueErrc::window_busy,
                    fmt::format("window '{}' already has a ticket; finish, no-show or transfer "
                                "it first",
                                window));
    }
    auto choice = choose_next(state_, **open, now);
    if (!choice) {
        return fail(QueueErrc::nothing_waiting,
                    fmt::format("no ticket waiting for window '{}'", window));
    }
    // Calling resumes a paused window: the officer is back.
    emit(now, actor,
         TicketCalled{choice->id,
                      (*open)->id,
                      false,
                      {},
                      std::move(choice->explanation),
                      choice->ratio_normal,
                      choice->ratio_priority},
         out);
    return out;
}

QueueResult<Events> Engine::recall(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto at = ticket_at_window(window);
    if (!at) {
        return std::unexpected(at.error());
    }
    const auto& ticket = *at->ticket;
    if (ticket.state != TicketState::called) {
        return fail(QueueErrc::wrong_ticket_state,
                    fmt::format("ticket {} is already being served", ticket.number));
    }
    if (ticket.recalls >= state_.hall.rules.max_recalls) {
        return fail(QueueErrc::recall_limit,
                    fmt::format("ticket {} was recalled {} times already (the limit); mark it a "
                                "no-show instead",
                                ticket.number, ticket.recalls));
    }
    emit(now, actor, TicketRecalled{ticket.id, at->window->id}, out);
    return out;
}

QueueResult<Events> Engine::call_specific(Millis now, std::string_view actor,
                                          std::string_view window, std::string_view number,
                                          std::string_view reason) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto open = open_window(window);
    if (!open) {
        return std::unexpected(open.error());
    }
    if (reason.empty() || reason.size() > kMaxEventMessageBytes) {
        return fail(QueueErrc::reason_required,
                    "calling a specific number (选呼) needs a reason of 1 to 500 bytes");
    }
    if (state_.windows.at((*open)->id).current) {
        return fail(QueueErrc::window_busy,
                    fmt::format("window '{}' already has a ticket", window));
    }
    const auto* ticket = state_.find_by_number(number);
    if (ticket == nullptr) {
        return fail(QueueErrc::unknown_ticket, fmt::format("no ticket {} today", number));
    }
    if (ticket->state != TicketState::waiting) {
        return fail(QueueErrc::wrong_ticket_state,
                    fmt::format("ticket {} is not waiting", ticket->number));
    }
    if (!window_may_serve(**open, *ticket)) {
        return fail(QueueErrc::bad_argument,
                    fmt::format("window '{}' does not serve ticket {}", window, ticket->number));
    }
    const auto& status = state_.windows.at((*open)->id);
    emit(now, actor,
         TicketCalled{
             ticket->id,
             (*open)->id,
             true,
             std::string(reason),
             {(*open)->strategy.kind, "选呼：窗口指定叫号 (called by number, with a reason)", {}},
             status.round_normal,
             status.round_priority},
         out);
    return out;
}

QueueResult<Events> Engine::start(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto at = ticket_at_window(window);
    if (!at) {
        return std::unexpected(at.error());
    }
    if (at->ticket->state != TicketState::called) {
        return fail(QueueErrc::wrong_ticket_state, "service has already started");
    }
    emit(now, actor, ServiceStarted{at->ticket->id, at->window->id}, out);
    return out;
}

std::int64_t Engine::requeue_key(const std::string& service, int behind) const {
    // Just behind the behind-th waiting ticket (keys are kQueueKeyStep apart, so there is room;
    // equal keys keep the order in which tickets were put back).
    const auto it = state_.waiting.find(service);
    if (it == state_.waiting.end() || static_cast<std::size_t>(behind) >= it->second.size()) {
        return state_.next_queue_key;
    }
    if (behind <= 0) {
        return state_.tickets.at(it->second.front()).queue_key - 1;
    }
    return state_.tickets.at(it->second[static_cast<std::size_t>(behind) - 1]).queue_key + 1;
}

QueueResult<Events> Engine::no_show(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto at = ticket_at_window(window);
    if (!at) {
        return std::unexpected(at.error());
    }
    const auto& ticket = *at->ticket;
    if (ticket.state != TicketState::called) {
        return fail(
            QueueErrc::wrong_ticket_state,
            fmt::format("ticket {} is being served; it cannot be a no-show", ticket.number));
    }
    const bool abandoned = ticket.no_shows + 1 >= state_.hall.rules.no_show_abandon_after;
    const auto key =
        abandoned ? 0 : requeue_key(ticket.service, state_.hall.rules.no_show_requeue_after);
    emit(now, actor, TicketNoShow{ticket.id, at->window->id, abandoned, key}, out);
    return out;
}

QueueResult<Events> Engine::transfer(Millis now, std::string_view actor, std::string_view window,
                                     const TransferRequest& request) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto at = ticket_at_window(window);
    if (!at) {
        return std::unexpected(at.error());
    }
    const auto& ticket = *at->ticket;
    const std::string service = request.to_service.empty() ? ticket.service : request.to_service;
    if (state_.hall.find_service(service) == nullptr) {
        return fail(QueueErrc::unknown_service, fmt::format("no service '{}'", service));
    }
    if (!request.to_window.empty()) {
        const auto* target = state_.hall.find_window(request.to_window);
        if (target == nullptr) {
            return fail(QueueErrc::unknown_window,
                        fmt::format("no window '{}'", request.to_window));
        }
        if (std::none_of(target->serves.begin(), target->serves.end(),
                         [&](const WindowServes& s) { return s.service == service; })) {
            return fail(QueueErrc::bad_argument,
                        fmt::format("window '{}' does not serve '{}'", request.to_window, service));
        }
    }
    std::int64_t key = state_.next_queue_key;
    if (request.to_front) {
        const auto it = state_.waiting.find(service);
        if (it != state_.waiting.end() && !it->second.empty()) {
            key = state_.tickets.at(it->second.front()).queue_key - 1;
        }
    }
    emit(now, actor, TicketTransferred{ticket.id, at->window->id, service, request.to_window, key},
         out);
    return out;
}

QueueResult<Events> Engine::hold(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto at = ticket_at_window(window);
    if (!at) {
        return std::unexpected(at.error());
    }
    emit(now, actor, TicketHeld{at->ticket->id, at->window->id}, out);
    return out;
}

QueueResult<Events> Engine::call_back(Millis now, std::string_view actor, std::string_view window,
                                      std::string_view number) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto open = open_window(window);
    if (!open) {
        return std::unexpected(open.error());
    }
    if (state_.windows.at((*open)->id).current) {
        return fail(QueueErrc::window_busy,
                    fmt::format("window '{}' already has a ticket", window));
    }
    const auto* ticket = state_.find_by_number(number);
    if (ticket == nullptr) {
        return fail(QueueErrc::unknown_ticket, fmt::format("no ticket {} today", number));
    }
    if (ticket->state != TicketState::held) {
        return fail(QueueErrc::wrong_ticket_state,
                    fmt::format("ticket {} is not on hold", ticket->number));
    }
    // The window that held it, or any window that may serve it.
    if (ticket->window != (*open)->id && !window_may_serve(**open, *ticket)) {
        return fail(QueueErrc::bad_argument,
                    fmt::format("window '{}' does not serve ticket {} ('{}')", window,
                                ticket->number, ticket->service));
    }
    const auto& status = state_.windows.at((*open)->id);
    emit(now, actor,
         TicketCalled{
             ticket->id,
             (*open)->id,
             true,
             "回呼",
             {(*open)->strategy.kind, "回呼：挂起的号回到窗口 (a held ticket called back)", {}},
             status.round_normal,
             status.round_priority},
         out);
    return out;
}

QueueResult<Events> Engine::pause(Millis now, std::string_view actor, std::string_view window,
                                  std::string_view message) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto open = open_window(window);
    if (!open) {
        return std::unexpected(open.error());
    }
    if (message.size() > kMaxEventMessageBytes) {
        return fail(QueueErrc::bad_argument, "pause message must be at most 500 bytes");
    }
    const auto& status = state_.windows.at((*open)->id);
    if (status.current) {
        return fail(QueueErrc::window_busy,
                    fmt::format("window '{}' has a ticket; finish it before pausing", window));
    }
    if (status.state == WindowState::paused) {
        return fail(QueueErrc::window_not_open,
                    fmt::format("window '{}' is already paused", window));
    }
    emit(now, actor, WindowPaused{(*open)->id, std::string(message)}, out);
    return out;
}

QueueResult<Events> Engine::resume(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto open = open_window(window);
    if (!open) {
        return std::unexpected(open.error());
    }
    if (state_.windows.at((*open)->id).state != WindowState::paused) {
        return fail(QueueErrc::window_not_open, fmt::format("window '{}' is not paused", window));
    }
    emit(now, actor, WindowResumed{(*open)->id}, out);
    return out;
}

QueueResult<Events> Engine::finish(Millis now, std::string_view actor, std::string_view window) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    auto at = ticket_at_window(window);
    if (!at) {
        return std::unexpected(at.error());
    }
    const auto& ticket = *at->ticket;
    // A finish straight from "called" counts the service from the call.
    const auto started = ticket.serving_at.value_or(ticket.called_at.value_or(now));
    emit(now, actor, ServiceFinished{ticket.id, at->window->id, std::max<Millis>(0, now - started)},
         out);
    return out;
}

QueueResult<Events> Engine::evaluate(Millis now, std::string_view actor, std::string_view number,
                                     int score, std::string_view reason) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    if (score < 1 || score > 5) {
        return fail(QueueErrc::bad_argument,
                    fmt::format("score must be 1 (非常不满意) to 5 (非常满意), got {}", score));
    }
    if (score <= 2 && reason.empty()) {
        return fail(QueueErrc::reason_required,
                    "不满意 and 非常不满意 need a reason (score 1 or 2)");
    }
    if (reason.size() > kMaxEventMessageBytes) {
        return fail(QueueErrc::bad_argument, "reason must be at most 500 bytes");
    }
    const auto* ticket = state_.find_by_number(number);
    if (ticket == nullptr) {
        return fail(QueueErrc::unknown_ticket, fmt::format("no ticket {} today", number));
    }
    if (ticket->state != TicketState::finished) {
        return fail(
            QueueErrc::wrong_ticket_state,
            fmt::format("ticket {} is not finished (or was evaluated already)", ticket->number));
    }
    emit(now, actor, TicketEvaluated{ticket->id, score, std::string(reason)}, out);
    return out;
}

QueueResult<Events> Engine::abandon(Millis now, std::string_view actor, std::string_view number) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    const auto* ticket = state_.find_by_number(number);
    if (ticket == nullptr) {
        return fail(QueueErrc::unknown_ticket, fmt::format("no ticket {} today", number));
    }
    if (ticket->state != TicketState::waiting && ticket->state != TicketState::held &&
        ticket->state != TicketState::called) {
        return fail(QueueErrc::wrong_ticket_state,
                    fmt::format("ticket {} cannot be abandoned now", ticket->number));
    }
    emit(now, actor, TicketAbandoned{ticket->id}, out);
    return out;
}

QueueResult<Events> Engine::book_appointment(Millis now, std::string_view actor,
                                             const Appointment& appointment) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    if (appointment.id.empty() || appointment.slot_start < 0 ||
        appointment.slot_end <= appointment.slot_start) {
        return fail(QueueErrc::bad_argument,
                    "an appointment needs an id and a slot end after its start");
    }
    for (const auto* text : {&appointment.id, &appointment.service, &appointment.identity_hash,
                             &appointment.phone_masked, &appointment.code, &appointment.source}) {
        if (text->size() > kMaxEventTextBytes) {
            return fail(QueueErrc::bad_argument,
                        fmt::format("appointment fields are at most {} bytes", kMaxEventTextBytes));
        }
    }
    if (state_.hall.find_service(appointment.service) == nullptr) {
        return fail(QueueErrc::unknown_service,
                    fmt::format("no service '{}'", appointment.service));
    }
    if (state_.appointments.contains(appointment.id)) {
        return fail(QueueErrc::appointment_conflict,
                    fmt::format("appointment '{}' exists already", appointment.id));
    }
    if (!appointment.identity_hash.empty()) {
        for (const auto& [id, other] : state_.appointments) {
            if (!other.cancelled && !other.ticket &&
                other.identity_hash == appointment.identity_hash &&
                other.service == appointment.service && other.slot_end >= now) {
                return fail(QueueErrc::appointment_conflict,
                            "this ID already has an active appointment for the service");
            }
        }
    }
    Appointment booked = appointment;
    booked.ticket.reset();
    booked.cancelled = false;
    // The platform may send the number itself; only its masked form is kept.
    if (!booked.phone_masked.empty() && booked.phone_masked.find('*') == std::string::npos) {
        auto masked = mask_phone(booked.phone_masked);
        if (!masked) {
            return fail(QueueErrc::bad_argument, std::move(masked.error()));
        }
        booked.phone_masked = std::move(*masked);
    }
    emit(now, actor, AppointmentBooked{std::move(booked)}, out);
    return out;
}

QueueResult<Events> Engine::check_in(Millis now, std::string_view actor,
                                     std::string_view identity_hash, std::string_view code) {
    Events out;
    UndoRolloverIfRefused undo(state_, now, out);
    begin(now, actor, out);
    const auto& rules = state_.hall.rules;
    const Appointment* found = nullptr;
    bool any = false;
    for (const auto& [id, appointment] : state_.appointments) {
        const bool matches =
            (!code.empty() && appointment.code == code) ||
            (code.empty() && !identity_hash.empty() && appointment.identity_hash == identity_hash);
        if (!matches || appointment.cancelled || appointment.ticket) {
            continue;
        }
        any = true;
        if (appointment.slot_start - rules.appointment_early_minutes * kMinute <= now &&
            now <= appointment.slot_end + rules.appointment_late_minutes * kMinute) {
            found = &appointment;
            break;
        }
    }
    if (found == nullptr) {
        return any ? fail(QueueErrc::appointment_not_due,
                          "the appointment is not in its check-in time; take a walk-in ticket")
                   : fail(QueueErrc::unknown_appointment, "no open appointment found");
    }
    const auto* service = state_.hall.find_service(found->service);
    if (service == nullptr) {
        return fail(QueueErrc::unknown_service, fmt::format("no service '{}'", found->service));
    }
    // The appointment reserved the place (slot capacity at booking), so quotas and issuing
    // hours do not apply; a staffed window does, or nobody could call the ticket.
    if (!service_staffed(*service)) {
        return fail(QueueErrc::service_closed,
                    fmt::format("no staffed window serves '{}' now; the appointment stays open",
                                service->code));
    }
    const auto& stats = state_.services[service->code];
    const auto number =
        fmt::format("{}{:0{}}", service->prefix, stats.next_number, service->number_width);
    // Arriving after the slot ended: served, but in walk-in order (the slot's priority is lost).
    const bool late = now > found->slot_end;
    emit(now, actor,
         TicketIssued{state_.next_ticket_id, number, service->code, Channel::appointment,
                      late ? TicketClass::normal : TicketClass::appointment, found->identity_hash,
                      found->id, late ? std::nullopt : std::optional<Millis>(found->slot_start),
                      found->phone_masked},
         out);
    return out;
}

}  // namespace hk::queue

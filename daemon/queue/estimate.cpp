// The engine's wait estimates (engine.hpp: waiting_ahead, estimated_wait_for_service,
// estimated_wait): read-only queries over the queue state, shown on tickets and screens.
// docs/queue.md ("Estimated wait") describes the method; bench/queue_bench.cpp measures the
// error on a simulated day (docs/performance.md).
//
// Estimates are a function of the state alone, as of its clock (the time of the last event).
// Cost per call: one pass over the ticket's service queue, a look at every window (and, for
// those sharing a service with the ticket's windows, their services' queue lengths), a binary
// search in each of those services' queues and the newest 64 tickets. Nothing scans the whole
// hall's tickets.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/queue/engine.hpp"
#include "daemon/queue/strategy.hpp"

namespace hk::queue {
namespace {

constexpr Millis kMinute = 60'000;
// Until a service time is measured, assume five minutes (a typical counter transaction).
constexpr double kDefaultServiceMs = 5.0 * kMinute;
constexpr std::size_t kStrategyKinds = 6;
static_assert(static_cast<std::size_t>(StrategyKind::service_weight) + 1 == kStrategyKinds);

double mean_service_ms(const QueueState& state, const std::string& service) {
    const auto stats = state.services.find(service);
    return stats == state.services.end() || stats->second.mean_service_ms <= 0
               ? kDefaultServiceMs
               : stats->second.mean_service_ms;
}

std::size_t waiting_count(const QueueState& state, const std::string& service) {
    const auto it = state.waiting.find(service);
    return it == state.waiting.end() ? 0 : it->second.size();
}

bool serves(const Window& window, std::string_view service) {
    return std::any_of(window.serves.begin(), window.serves.end(),
                       [&](const WindowServes& s) { return s.service == service; });
}

// A window that can call tickets now or after a short break: logged in and not flagged for
// attendance. Paused windows count (see free_in_ms).
bool staffed(const WindowStatus& status) {
    return status.state != WindowState::logged_out &&
           status.state != WindowState::attendance_anomaly;
}

// The time from calling a ticket to the citizen reaching the counter (start of service), from
// the tickets being served at the windows right now: a recent sample, learned and not assumed.
// Service times (ServiceStats) are measured from the start of service, so a window's cycle per
// ticket is this walk-up plus the service time. Zero when no window is serving a started
// ticket (and for halls that finish straight from the call, whose service times include it).
double walk_up_ms(const QueueState& state) {
    double sum = 0;
    int samples = 0;
    for (const auto& [id, status] : state.windows) {
        if (status.state != WindowState::serving || !status.current) {
            continue;
        }
        const auto* ticket = state.find_ticket(*status.current);
        if (ticket != nullptr && ticket->serving_at && ticket->called_at) {
            sum +=
                static_cast<double>(std::max<Millis>(0, *ticket->serving_at - *ticket->called_at));
            ++samples;
        }
    }
    return samples == 0 ? 0.0 : sum / samples;
}

// Expected time until a transaction that has been running `elapsed` ends. A fixed-length one
// would end in mean − elapsed; a memoryless one in mean, however long it has run. Counter work
// is in between and has a long tail, so: mean − elapsed, but never less than half the mean.
double remaining_ms(double mean, double elapsed) {
    return std::max(mean - elapsed, mean / 2);
}

const std::vector<TicketId>& waiting_list(const QueueState& state, const std::string& service) {
    static const std::vector<TicketId> kEmpty;
    const auto it = state.waiting.find(service);
    return it == state.waiting.end() ? kEmpty : it->second;
}

// When a staffed window can call its next ticket, from what it is doing now.
double free_in_ms(const QueueState& state, const WindowStatus& status, double walk_up,
                  double own_cycle) {
    if (status.state == WindowState::paused) {
        // A pause is a short break (the screens ask citizens to wait a moment): the window
        // still serves most of a long queue, but a ticket at the front cannot count on it at
        // once. It is taken as free one cycle from now, as if it had just called a ticket.
        return own_cycle;
    }
    if (!status.current) {
        return 0;
    }
    const auto* current = state.find_ticket(*status.current);
    if (current == nullptr) {
        return 0;
    }
    const auto now = static_cast<double>(state.now);
    const double mean = mean_service_ms(state, current->service);
    if (current->state == TicketState::serving && current->serving_at) {
        return remaining_ms(mean, now - static_cast<double>(*current->serving_at));
    }
    const double called = current->called_at ? now - static_cast<double>(*current->called_at) : 0;
    return std::max(walk_up - called, 0.0) + mean;
}

// The ticket whose wait is estimated: one in the queue at `index`, or a new one at its back.
struct Probe {
    TicketClass ticket_class = TicketClass::normal;
    std::optional<Millis> slot_start;
    std::size_t index = 0;  // position in the service's queue (its size for a new ticket)
};

// appointment_slot's three groups: due appointments, then the rest, then appointments whose
// slot is not near yet.
int slot_group(TicketClass c, const std::optional<Millis>& slot, Millis due_before) {
    if (c != TicketClass::appointment || !slot) {
        return 1;
    }
    return *slot <= due_before ? 0 : 2;
}

// Tickets of the queue that a window of each strategy would call before the probe.
struct Ahead {
    std::array<double, kStrategyKinds> by_kind{};
    // For an appointment probe: the appointments with an earlier slot, which appointment_slot
    // calls first once its slot is due.
    double by_slot = 0;
};

Ahead ahead_by_strategy(const QueueState& state, const std::vector<TicketId>& list,
                        const Probe& probe, int early_minutes, const Strategy& ratio) {
    const auto now = state.now;
    const auto due_before = now + early_minutes * kMinute;
    const int probe_rank = class_rank(probe.ticket_class);
    const int probe_group = slot_group(probe.ticket_class, probe.slot_start, due_before);
    const bool probe_priority = is_priority_class(probe.ticket_class);
    double class_ahead = 0;
    double slot_ahead = 0;
    double priority_ahead = 0;  // green/VIP in front of the probe
    double priority_all = 0;    // green/VIP anywhere else in the queue
    double normal_ahead = 0;    // the rest in front of the probe
    double normal_all = 0;
    double by_slot = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i == probe.index) {
            continue;
        }
        const auto* ticket = state.find_ticket(list[i]);
        if (ticket == nullptr) {
            continue;
        }
        const bool before = i < probe.index;
        const int rank = class_rank(ticket->ticket_class);
        if (rank < probe_rank || (rank == probe_rank && before)) {
            class_ahead += 1;
        }
        const int group = slot_group(ticket->ticket_class, ticket->slot_start, due_before);
        if (group < probe_group ||
            (group == probe_group &&
             (group == 1 ? before
                         : (ticket->slot_start.value_or(0) < probe.slot_start.value_or(0) ||
                            (ticket->slot_start.value_or(0) == probe.slot_start.value_or(0) &&
                             before))))) {
            slot_ahead += 1;
        }
        if (group != 1 && probe_group != 1 &&
            (ticket->slot_start.value_or(0) < probe.slot_start.value_or(0) ||
             (ticket->slot_start.value_or(0) == probe.slot_start.value_or(0) && before))) {
            by_slot += 1;
        }
        if (is_priority_class(ticket->ticket_class)) {
            priority_all += 1;
            priority_ahead += before ? 1 : 0;
        } else {
            normal_all += 1;
            normal_ahead += before ? 1 : 0;
        }
    }
    // counted_ratio alternates: ratio_normal normal tickets, then ratio_priority priority ones.
    // Before the probe's turn come the tickets of its own kind ahead of it and as many of the
    // other kind as the rounds in between allow (half a round on average for the round in
    // progress).
    const double normals_per_priority = static_cast<double>(std::max(ratio.ratio_normal, 1)) /
                                        static_cast<double>(std::max(ratio.ratio_priority, 1));
    double ratio_ahead = 0;
    if (probe_priority) {
        ratio_ahead =
            priority_ahead + std::min(normal_all, (priority_ahead + 0.5) * normals_per_priority);
    } else {
        ratio_ahead = normal_ahead +
                      std::min(priority_all, std::max(priority_ahead,
                                                      (normal_ahead + 0.5) / normals_per_priority));
    }
    const auto in_order = static_cast<double>(std::min(probe.index, list.size()));
    Ahead out;
    out.by_kind[static_cast<std::size_t>(StrategyKind::fifo)] = in_order;
    out.by_kind[static_cast<std::size_t>(StrategyKind::longest_wait)] = in_order;
    out.by_kind[static_cast<std::size_t>(StrategyKind::service_weight)] = in_order;
    out.by_kind[static_cast<std::size_t>(StrategyKind::class_priority)] = class_ahead;
    out.by_kind[static_cast<std::size_t>(StrategyKind::counted_ratio)] = ratio_ahead;
    out.by_kind[static_cast<std::size_t>(StrategyKind::appointment_slot)] = slot_ahead;
    out.by_slot = by_slot;
    return out;
}

// The time until the estimated ticket is called: when `calls` tickets of the service have been
// called, the last one being the estimated ticket, while tickets that go before it keep
// arriving at `arriving` a ms. Each window is ready for the service at its time in `ready`,
// calls one of its tickets then and another every `cycle` after.
double time_to_calls(std::vector<double> ready, double calls, double cycle, double arriving) {
    if (ready.empty()) {
        // No window serves it now: as if one window served nothing else.
        return calls * cycle;
    }
    std::sort(ready.begin(), ready.end());
    // Tickets that jump ahead take at most half the windows' calls.
    arriving = std::min(arriving, 0.5 * static_cast<double>(ready.size()) / cycle);
    double t = 0;
    double done = 0;
    double rate = 0;  // calls per ms
    for (const double at : ready) {
        if (rate > arriving && done + rate * (at - t) >= calls + arriving * at) {
            return (calls - done + rate * t) / (rate - arriving);
        }
        done += rate * (at - t);
        t = at;
        done += 1;
        rate += 1 / cycle;
        if (done >= calls + arriving * t) {
            return t;
        }
    }
    return (calls - done + rate * t) / (rate - arriving);
}

// For a ticket that windows put first, only their current tickets stand before it, and it is
// called by whichever of them frees up first, which comes sooner than any one of them is
// expected to. The first time becomes that of a race of independent exponential times with
// those means (1 / Σ 1/mean); the later ones stay as they are.
void race_for_first(std::vector<double>& ready) {
    std::sort(ready.begin(), ready.end());
    if (ready.empty() || ready.front() <= 0) {
        return;
    }
    double rate = 0;
    for (const double r : ready) {
        rate += 1 / r;
    }
    ready.front() = 1 / rate;
}

// Recent arrivals in the whole hall, from the newest tickets (the ticket map is in issue
// order): tickets a ms, and the share of each class.
struct Arrivals {
    double per_ms = 0;
    std::array<double, kTicketClassCount> share{};  // by TicketClass
};

Arrivals recent_arrivals(const QueueState& state) {
    constexpr std::size_t kSample = 64;
    Arrivals out;
    std::size_t n = 0;
    Millis oldest = state.now;
    for (auto it = state.tickets.rbegin(); it != state.tickets.rend() && n < kSample; ++it) {
        oldest = std::min(oldest, it->second.issued_at);
        out.share[static_cast<std::size_t>(it->second.ticket_class)] += 1;
        ++n;
    }
    if (n < 2 || state.now <= oldest) {
        return {};
    }
    for (auto& share : out.share) {
        share /= static_cast<double>(n);
    }
    out.per_ms = static_cast<double>(n - 1) / static_cast<double>(state.now - oldest);
    return out;
}

// Tickets of the queue with a smaller queue key than `key` (the list is in queue-key order).
std::size_t queued_before(const QueueState& state, const std::vector<TicketId>& list,
                          std::int64_t key) {
    const auto it = std::partition_point(list.begin(), list.end(), [&](TicketId id) {
        const auto* ticket = state.find_ticket(id);
        return ticket != nullptr && ticket->queue_key < key;
    });
    return static_cast<std::size_t>(it - list.begin());
}

// The estimate for one ticket (or a ticket not issued yet) of one service.
class Estimator {
public:
    Estimator(const QueueState& state, const std::string& service, const Probe& probe,
              std::size_t extra)
        : state_(state),
          service_(service),
          probe_(probe),
          extra_(extra),
          walk_up_(walk_up_ms(state)),
          own_cycle_(mean_service_ms(state, service) + walk_up_) {}

    Millis run() {
        find_servers();
        add_cross_work();
        return static_cast<Millis>(std::llround(wait()));
    }

private:
    // A staffed window that serves the service.
    struct Server {
        const Window* window = nullptr;
        double free_in = 0;  // ms until it can call its next ticket
        double ready = 0;    // ms until it can call a ticket of the service (after older work)
    };
    // Another service those windows serve.
    struct Other {
        double older = 0;    // its tickets queued before the estimated one
        double cycle = 0;    // walk-up + mean service time
        double overall = 0;  // time all staffed windows give it, in windows
    };

    double cycle(const std::string& code) const {
        return code == service_ ? own_cycle_ : mean_service_ms(state_, code) + walk_up_;
    }

    // How a window divides its time among its services: by workload, waiting tickets × cycle
    // (the estimated ticket's own queue counts `extra_` more).
    void shares(const Window& window, std::vector<double>& out) const {
        out.clear();
        double total = 0;
        for (const auto& s : window.serves) {
            const auto n = waiting_count(state_, s.service) + (s.service == service_ ? extra_ : 0);
            out.push_back(static_cast<double>(n) * cycle(s.service));
            total += out.back();
        }
        for (auto& share : out) {
            share = total > 0 ? share / total : 1.0 / static_cast<double>(out.size());
        }
    }

    Other* other(std::string_view code) {
        const auto it = others_.find(code);
        return it == others_.end() ? nullptr : &it->second;
    }

    void find_servers() {
        const auto& list = waiting_list(state_, service_);
        const auto* ticket =
            probe_.index < list.size() ? state_.find_ticket(list[probe_.index]) : nullptr;
        const auto key =
            ticket != nullptr ? ticket->queue_key : std::numeric_limits<std::int64_t>::max();
        for (const auto& window : state_.hall.windows) {
            const auto status = state_.windows.find(window.id);
            if (!serves(window, service_) || status == state_.windows.end() ||
                !staffed(status->second)) {
                continue;
            }
            const double free_in = free_in_ms(state_, status->second, walk_up_, own_cycle_);
            servers_.push_back({&window, free_in, free_in});
            const auto& strategy = window.strategy;
            ++windows_of_[static_cast<std::size_t>(strategy.kind)];
            if (strategy.kind == StrategyKind::appointment_slot) {
                early_minutes_ = std::max(early_minutes_, strategy.early_minutes);
            } else if (strategy.kind == StrategyKind::counted_ratio) {
                ratio_ = strategy;
            }
            for (const auto& s : window.serves) {
                if (s.service != service_ && other(s.service) == nullptr) {
                    Other o;
                    o.older = static_cast<double>(
                        queued_before(state_, waiting_list(state_, s.service), key));
                    o.cycle = cycle(s.service);
                    others_.emplace(s.service, o);
                }
            }
        }
    }

    // Windows that take tickets in queue order first call their other services' tickets queued
    // before this one. Every window serving such a service takes its share of them, so each
    // serving window is ready for this service only after its part: the tickets queued before
    // × its time for that service ÷ the time all staffed windows give that service.
    void add_cross_work() {
        if (others_.empty()) {
            return;
        }
        std::vector<double> share;
        for (const auto& window : state_.hall.windows) {
            const auto status = state_.windows.find(window.id);
            if (status == state_.windows.end() || !staffed(status->second)) {
                continue;
            }
            bool touches = false;
            for (const auto& s : window.serves) {
                touches = touches || other(s.service) != nullptr;
            }
            if (!touches) {
                continue;
            }
            shares(window, share);
            for (std::size_t i = 0; i < window.serves.size(); ++i) {
                if (auto* o = other(window.serves[i].service)) {
                    o->overall += share[i];
                }
            }
        }
        for (auto& server : servers_) {
            if (puts_first(server.window->strategy.kind)) {
                continue;
            }
            shares(*server.window, share);
            for (std::size_t i = 0; i < server.window->serves.size(); ++i) {
                const auto* o = other(server.window->serves[i].service);
                if (o != nullptr && o->overall > 0) {
                    server.ready += o->older * share[i] / o->overall * o->cycle;
                }
            }
        }
    }

    // Whether windows of this strategy call the ticket before other services' tickets queued
    // earlier: green channel, VIP and appointment tickets under class_priority, green channel
    // and VIP under counted_ratio, due appointments under appointment_slot.
    bool puts_first(StrategyKind kind) const {
        switch (kind) {
            case StrategyKind::class_priority:
                return probe_.ticket_class != TicketClass::normal;
            case StrategyKind::counted_ratio:
                return is_priority_class(probe_.ticket_class);
            case StrategyKind::appointment_slot:
                return probe_slot_group() == 0;
            case StrategyKind::fifo:
            case StrategyKind::longest_wait:
            case StrategyKind::service_weight:
                return false;
        }
        return false;
    }

    // The share of arriving tickets that a window of this strategy calls before the estimated
    // one, by class: those of a better class under class_priority, green channel and VIP
    // (within the ratio) before a normal ticket under counted_ratio, appointments (due by the
    // time they would be called) under appointment_slot.
    double jumping_share(StrategyKind kind, const Arrivals& arrivals) const {
        const auto share = [&](TicketClass c) {
            return arrivals.share[static_cast<std::size_t>(c)];
        };
        switch (kind) {
            case StrategyKind::class_priority: {
                double sum = 0;
                for (const auto c : {TicketClass::green, TicketClass::vip, TicketClass::appointment,
                                     TicketClass::normal}) {
                    sum += class_rank(c) < class_rank(probe_.ticket_class) ? share(c) : 0;
                }
                return sum;
            }
            case StrategyKind::counted_ratio:
                if (probe_.ticket_class != TicketClass::normal) {
                    return 0.0;
                }
                return std::min(share(TicketClass::green) + share(TicketClass::vip),
                                static_cast<double>(std::max(ratio_.ratio_priority, 1)) /
                                    static_cast<double>(std::max(ratio_.ratio_normal, 1)));
            case StrategyKind::appointment_slot:
                // Before its slot is due, an appointment lets everyone go first.
                switch (probe_slot_group()) {
                    case 0:
                        return 0.0;
                    case 1:
                        return share(TicketClass::appointment);
                    default:
                        return 1.0;
                }
            case StrategyKind::fifo:
            case StrategyKind::longest_wait:
            case StrategyKind::service_weight:
                return 0.0;
        }
        return 0.0;
    }

    int probe_slot_group() const {
        return slot_group(probe_.ticket_class, probe_.slot_start,
                          state_.now + early_minutes_ * kMinute);
    }

    // Arrivals of this service a ms: the hall's recent rate × the service's share of today's
    // tickets (ticket ids are issued in sequence, so the day's count is the id range).
    double service_arrivals(const Arrivals& arrivals) const {
        if (state_.tickets.empty() || arrivals.per_ms <= 0) {
            return 0;
        }
        const auto today = state_.next_ticket_id - state_.tickets.begin()->first;
        const auto stats = state_.services.find(service_);
        if (today <= 0 || stats == state_.services.end()) {
            return 0;
        }
        return arrivals.per_ms * std::min(1.0, static_cast<double>(stats->second.issued_today) /
                                                   static_cast<double>(today));
    }

    double wait() const {
        const auto ahead = ahead_by_strategy(state_, waiting_list(state_, service_), probe_,
                                             early_minutes_, ratio_);
        const auto arrivals = recent_arrivals(state_);
        const double service_rate = service_arrivals(arrivals);
        // The tickets of its own queue called first, and the rate of new ones that will be,
        // on average over the serving windows' strategies.
        double calls = 1;
        double jumping = 0;
        std::vector<double> ready;
        for (const auto& server : servers_) {
            const auto kind = server.window->strategy.kind;
            const auto weight = 1.0 / static_cast<double>(servers_.size());
            calls += weight * ahead.by_kind[static_cast<std::size_t>(kind)];
            jumping += weight * service_rate * jumping_share(kind, arrivals);
            ready.push_back(server.ready);
        }
        if (servers_.empty()) {
            calls += static_cast<double>(probe_.index);
        }
        double wait = time_to_calls(ready, calls, own_cycle_, jumping);
        // A green-channel, VIP or due appointment ticket is called by whichever window puts it
        // first, if those windows get to it sooner.
        const auto free_in_of = [&](StrategyKind kind) {
            ready.clear();
            for (const auto& server : servers_) {
                if (server.window->strategy.kind == kind) {
                    ready.push_back(server.free_in);
                }
            }
            race_for_first(ready);
            return ready;
        };
        for (std::size_t k = 0; k < kStrategyKinds; ++k) {
            const auto kind = static_cast<StrategyKind>(k);
            if (windows_of_[k] != 0 && puts_first(kind)) {
                wait =
                    std::min(wait, time_to_calls(free_in_of(kind), ahead.by_kind[k] + 1, own_cycle_,
                                                 service_rate * jumping_share(kind, arrivals)));
            }
        }
        // An appointment not due yet goes first at appointment_slot windows once it is, behind
        // the appointments with earlier slots.
        const auto slot_windows = static_cast<std::size_t>(StrategyKind::appointment_slot);
        if (windows_of_[slot_windows] != 0 && probe_slot_group() == 2) {
            const auto due_in = static_cast<double>(probe_.slot_start.value_or(0) -
                                                    early_minutes_ * kMinute - state_.now);
            const double as_due = time_to_calls(free_in_of(StrategyKind::appointment_slot),
                                                ahead.by_slot + 1, own_cycle_, 0);
            wait = std::min(wait, std::max(due_in, as_due));
        }
        return wait;
    }

    const QueueState& state_;
    const std::string& service_;
    Probe probe_;
    std::size_t extra_;
    double walk_up_;
    double own_cycle_;
    int early_minutes_ = 0;                         // the largest of the appointment_slot windows
    Strategy ratio_;                                // a counted_ratio window's
    std::array<int, kStrategyKinds> windows_of_{};  // serving windows by strategy
    std::vector<Server> servers_;
    std::map<std::string_view, Other> others_;
};

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
    const std::string code(service);
    Probe probe;
    probe.index = waiting_count(state_, code);
    return Estimator(state_, code, probe, 1).run();
}

Millis Engine::estimated_wait(TicketId id) const {
    const auto* ticket = state_.find_ticket(id);
    if (ticket == nullptr || ticket->state != TicketState::waiting) {
        return 0;
    }
    const auto& list = state_.waiting.at(ticket->service);
    Probe probe;
    probe.ticket_class = ticket->ticket_class;
    probe.slot_start = ticket->slot_start;
    probe.index = static_cast<std::size_t>(std::find(list.begin(), list.end(), id) - list.begin());
    return Estimator(state_, ticket->service, probe, 0).run();
}

}  // namespace hk::queue

// Calling strategies: see strategy.hpp. Each strategy ranks the tickets a window may serve;
// the candidates are the waiting lists of the window's services, each already in calling order
// (queue_key), so most strategies only look at a few tickets per service.
#include "daemon/queue/strategy.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <tuple>

#include <fmt/format.h>

namespace hk::queue {
namespace {

constexpr std::size_t kMaxBeaten = 5;
constexpr Millis kMinute = 60'000;

std::string_view class_name_en(TicketClass c) {
    switch (c) {
        case TicketClass::green:
            return "green channel";
        case TicketClass::vip:
            return "VIP";
        case TicketClass::appointment:
            return "appointment";
        case TicketClass::normal:
            return "normal";
    }
    return "";
}

std::string_view class_name_zh(TicketClass c) {
    switch (c) {
        case TicketClass::green:
            return "绿色通道";
        case TicketClass::vip:
            return "VIP";
        case TicketClass::appointment:
            return "预约";
        case TicketClass::normal:
            return "普通";
    }
    return "";
}

// Every ticket the window may call, service by service in calling order.
template <class Visit>
void for_each_candidate(const QueueState& state, const Window& window, Visit&& visit) {
    for (const auto& serves : window.serves) {
        const auto list = state.waiting.find(serves.service);
        if (list == state.waiting.end()) {
            continue;
        }
        for (const auto id : list->second) {
            const auto& ticket = state.tickets.at(id);
            // Every ticket in this list is of a service the window serves (lists are per
            // service), so only a transfer to a named window can rule it out; comparing service
            // codes here cost a tenth of a decision over thousands of waiting tickets.
            if (ticket.target_window.empty() || ticket.target_window == window.id) {
                if (!visit(ticket, serves.weight)) {
                    break;  // the visitor has what it needs from this service
                }
            }
        }
    }
}

// The first eligible ticket of each service (the heads of the window's queues).
std::vector<std::pair<const Ticket*, int>> heads(const QueueState& state, const Window& window) {
    std::vector<std::pair<const Ticket*, int>> out;
    for_each_candidate(state, window, [&](const Ticket& ticket, int weight) {
        out.emplace_back(&ticket, weight);
        return false;
    });
    return out;
}

// The earliest-queued tickets among those a strategy looked at, for the explanation's list of
// tickets the call beat. It keeps one more than the list holds because the chosen ticket is
// among those seen and is left out at the end. Ties keep the order seen, so the list is
// deterministic.
class Earliest {
public:
    void add(const Ticket& ticket) {
        if (size_ == kKeep && !(ticket.queued_at < kept_[kKeep - 1]->queued_at)) {
            return;
        }
        auto i = size_ < kKeep ? size_++ : kKeep - 1;
        for (; i > 0 && ticket.queued_at < kept_[i - 1]->queued_at; --i) {
            kept_[i] = kept_[i - 1];
        }
        kept_[i] = &ticket;
    }

    [[nodiscard]] std::vector<std::string> numbers_without(TicketId chosen) const {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < size_ && out.size() < kMaxBeaten; ++i) {
            if (kept_[i]->id != chosen) {
                out.push_back(kept_[i]->number);
            }
        }
        return out;
    }

private:
    static constexpr std::size_t kKeep = kMaxBeaten + 1;
    std::array<const Ticket*, kKeep> kept_{};
    std::size_t size_ = 0;
};

// Whether `window` may call the waiting ticket behind `entry`; looks the ticket up only for
// the few transferred to a named window.
template <class Entry>
bool eligible(const QueueState& state, const Window& window, const Entry& entry) {
    return !entry.restricted || state.tickets.at(entry.id).target_window == window.id;
}

// The first ticket of `lane` the window may call, or null.
template <class Entry>
const Ticket* first_eligible(const QueueState& state, const Window& window,
                             const std::vector<Entry>& lane) {
    for (const auto& entry : lane) {
        if (eligible(state, window, entry)) {
            return &state.tickets.at(entry.id);
        }
    }
    return nullptr;
}

// The lanes (state.hpp: ServiceLanes) of every service the window serves.
template <class Visit>
void for_each_service_lanes(const QueueState& state, const Window& window, Visit&& visit) {
    for (const auto& serves : window.serves) {
        const auto lanes = state.lanes.find(serves.service);
        if (lanes != state.lanes.end()) {
            visit(lanes->second);
        }
    }
}

// The first tickets in queue order among all the window may call, except `chosen`: the tickets
// named as beaten by the class-aware strategies. A merge over the heads of the window's lanes,
// so it reads a handful of entries however long the queues are.
std::vector<std::string> first_in_queue_order(const QueueState& state, const Window& window,
                                              TicketId chosen) {
    struct Cursor {
        const std::vector<LaneEntry>* lane;
        std::size_t next;
    };
    std::vector<Cursor> cursors;
    for_each_service_lanes(state, window, [&](const ServiceLanes& lanes) {
        for (const auto& lane : lanes.by_class) {
            if (!lane.empty()) {
                cursors.push_back({&lane, 0});
            }
        }
    });
    std::vector<std::string> out;
    while (out.size() < kMaxBeaten) {
        Cursor* first = nullptr;
        for (auto& cursor : cursors) {
            if (cursor.next < cursor.lane->size() &&
                (first == nullptr ||
                 (*cursor.lane)[cursor.next].queue_key < (*first->lane)[first->next].queue_key)) {
                first = &cursor;
            }
        }
        if (first == nullptr) {
            break;
        }
        const auto& entry = (*first->lane)[first->next++];
        if (entry.id != chosen && eligible(state, window, entry)) {
            out.push_back(state.tickets.at(entry.id).number);
        }
    }
    return out;
}

std::vector<std::string> beaten_numbers(const std::vector<const Ticket*>& seen, TicketId chosen) {
    Earliest earliest;
    for (const auto* ticket : seen) {
        earliest.add(*ticket);
    }
    return earliest.numbers_without(chosen);
}

std::optional<Choice> fifo(const QueueState& state, const Window& window) {
    std::vector<const Ticket*> seen;
    for (const auto& [ticket, weight] : heads(state, window)) {
        seen.push_back(ticket);
    }
    if (seen.empty()) {
        return std::nullopt;
    }
    const auto* best = *std::min_element(
        seen.begin(), seen.end(), [](auto* a, auto* b) { return a->queue_key < b->queue_key; });
    return Choice{
        best->id,
        {StrategyKind::fifo, "按取号顺序：最早排队的号先叫 (first in the queue is called first)",
         beaten_numbers(seen, best->id)}};
}

std::optional<Choice> class_priority(const QueueState& state, const Window& window) {
    // The best ticket of each service is the head of its highest non-empty class lane; the
    // best of those heads wins (class first, then queue order).
    const Ticket* best = nullptr;
    for_each_service_lanes(state, window, [&](const ServiceLanes& lanes) {
        for (const auto c : {TicketClass::green, TicketClass::vip, TicketClass::appointment,
                             TicketClass::normal}) {
            if (const auto* head = first_eligible(state, window, lanes.lane(c))) {
                if (best == nullptr || class_rank(c) < class_rank(best->ticket_class) ||
                    (class_rank(c) == class_rank(best->ticket_class) &&
                     head->queue_key < best->queue_key)) {
                    best = head;
                }
                break;  // lower classes of this service cannot beat this head
            }
        }
    });
    if (best == nullptr) {
        return std::nullopt;
    }
    return Choice{
        best->id,
        {StrategyKind::class_priority,
         fmt::format("类别优先：绿色通道 > VIP > 预约 > 普通，同类按顺序；本号为{}号 "
                     "(class order green > VIP > appointment > normal, then queue "
                     "order; this ticket: {})",
                     class_name_zh(best->ticket_class), class_name_en(best->ticket_class)),
         first_in_queue_order(state, window, best->id)}};
}

// The earliest in queue order of the heads of `classes`' lanes over the window's services.
const Ticket* earliest_head(const QueueState& state, const Window& window,
                            std::initializer_list<TicketClass> classes) {
    const Ticket* best = nullptr;
    for_each_service_lanes(state, window, [&](const ServiceLanes& lanes) {
        for (const auto c : classes) {
            const auto* head = first_eligible(state, window, lanes.lane(c));
            if (head != nullptr && (best == nullptr || head->queue_key < best->queue_key)) {
                best = head;
            }
        }
    });
    return best;
}

std::optional<Choice> counted_ratio(const QueueState& state, const Window& window,
                                    const WindowStatus& status) {
    const auto* normal =
        earliest_head(state, window, {TicketClass::normal, TicketClass::appointment});
    const auto* priority = earliest_head(state, window, {TicketClass::green, TicketClass::vip});
    if (normal == nullptr && priority == nullptr) {
        return std::nullopt;
    }
    const auto& rule = window.strategy;
    const bool normal_turn_over = status.round_normal >= rule.ratio_normal;
    const bool take_priority = priority != nullptr && (normal == nullptr || normal_turn_over);
    Choice choice;
    choice.ratio_normal = status.round_normal;
    choice.ratio_priority = status.round_priority;
    if (take_priority) {
        choice.id = priority->id;
        ++choice.ratio_priority;
        if (choice.ratio_priority >= rule.ratio_priority) {
            choice.ratio_normal = choice.ratio_priority = 0;
        }
    } else {
        choice.id = normal->id;
        choice.ratio_normal = std::min(choice.ratio_normal + 1, rule.ratio_normal);
    }
    choice.explanation = {
        StrategyKind::counted_ratio,
        fmt::format("按比例：每{}个普通号叫{}个优先号，本轮已叫普通{}个、优先{}个 (ratio {}:{}, "
                    "this round {} normal, {} priority)",
                    rule.ratio_normal, rule.ratio_priority, status.round_normal,
                    status.round_priority, rule.ratio_normal, rule.ratio_priority,
                    status.round_normal, status.round_priority),
        first_in_queue_order(state, window, choice.id)};
    return choice;
}

std::optional<Choice> appointment_slot(const QueueState& state, const Window& window, Millis now) {
    const auto early = window.strategy.early_minutes * kMinute;
    // The appointment with the earliest slot (then queue order) over the window's services:
    // due when its slot, less the early margin, has begun.
    const SlotEntry* earliest = nullptr;
    for_each_service_lanes(state, window, [&](const ServiceLanes& lanes) {
        const auto head =
            std::find_if(lanes.by_slot.begin(), lanes.by_slot.end(),
                         [&](const SlotEntry& e) { return eligible(state, window, e); });
        if (head != lanes.by_slot.end() &&
            (earliest == nullptr || std::tie(head->slot_start, head->queue_key) <
                                        std::tie(earliest->slot_start, earliest->queue_key))) {
            earliest = &*head;
        }
    });
    const Ticket* earliest_slot = earliest == nullptr ? nullptr : &state.tickets.at(earliest->id);
    const bool due = earliest != nullptr && earliest->slot_start - early <= now;
    // Walk-ins: every other ticket, in queue order. An appointment-class ticket without a slot
    // (none is issued so today) counts as a walk-in, so its lane is searched for one.
    const auto* walk_in =
        earliest_head(state, window, {TicketClass::normal, TicketClass::green, TicketClass::vip});
    for_each_service_lanes(state, window, [&](const ServiceLanes& lanes) {
        if (lanes.by_slot.size() == lanes.lane(TicketClass::appointment).size()) {
            return;  // every appointment ticket of this service has a slot
        }
        for (const auto& entry : lanes.lane(TicketClass::appointment)) {
            if (walk_in != nullptr && entry.queue_key >= walk_in->queue_key) {
                break;
            }
            const auto& ticket = state.tickets.at(entry.id);
            if (!ticket.slot_start && eligible(state, window, entry)) {
                walk_in = &ticket;
                break;
            }
        }
    });
    const Ticket* best = due ? earliest_slot : walk_in != nullptr ? walk_in : earliest_slot;
    if (best == nullptr) {
        return std::nullopt;
    }
    const auto* rule = due ? "预约号在预约时段内优先 (an appointment in its slot goes first)"
                       : best == walk_in
                           ? "没有到时的预约，按取号顺序 (no appointment due: queue order)"
                           : "只剩未到时段的预约号 (only early appointments are left)";
    return Choice{
        best->id,
        {StrategyKind::appointment_slot, rule, first_in_queue_order(state, window, best->id)}};
}

std::optional<Choice> longest_wait(const QueueState& state, const Window& window) {
    std::vector<const Ticket*> seen;
    for (const auto& [ticket, weight] : heads(state, window)) {
        seen.push_back(ticket);
    }
    if (seen.empty()) {
        return std::nullopt;
    }
    const auto* best = *std::min_element(seen.begin(), seen.end(), [](auto* a, auto* b) {
        return a->issued_at != b->issued_at ? a->issued_at < b->issued_at
                                            : a->queue_key < b->queue_key;
    });
    return Choice{best->id,
                  {StrategyKind::longest_wait,
                   "各事项队首中等得最久的先叫 (the longest-waiting head of the window's queues)",
                   beaten_numbers(seen, best->id)}};
}

std::optional<Choice> service_weight(const QueueState& state, const Window& window, Millis now) {
    const Ticket* best = nullptr;
    double best_score = -1;
    std::vector<const Ticket*> seen;
    for (const auto& [ticket, weight] : heads(state, window)) {
        seen.push_back(ticket);
        // +1 minute so a just-issued ticket of a heavy service still outranks nothing.
        const double score =
            static_cast<double>(weight) * static_cast<double>(now - ticket->queued_at + kMinute);
        if (score > best_score || (score == best_score && ticket->queue_key < best->queue_key)) {
            best = ticket;
            best_score = score;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    return Choice{best->id,
                  {StrategyKind::service_weight,
                   "事项权重×等待时间最大的先叫 (highest service weight × waiting time)",
                   beaten_numbers(seen, best->id)}};
}

}  // namespace

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

bool is_priority_class(TicketClass c) {
    return c == TicketClass::green || c == TicketClass::vip;
}

bool window_may_serve(const Window& window, const Ticket& ticket) {
    if (!ticket.target_window.empty()) {
        return ticket.target_window == window.id;
    }
    return std::any_of(window.serves.begin(), window.serves.end(),
                       [&](const WindowServes& s) { return s.service == ticket.service; });
}

std::optional<Choice> choose_next(const QueueState& state, const Window& window, Millis now) {
    const auto status = state.windows.find(window.id);
    const WindowStatus empty;
    const auto& current = status == state.windows.end() ? empty : status->second;
    switch (window.strategy.kind) {
        case StrategyKind::fifo:
            return fifo(state, window);
        case StrategyKind::class_priority:
            return class_priority(state, window);
        case StrategyKind::counted_ratio:
            return counted_ratio(state, window, current);
        case StrategyKind::appointment_slot:
            return appointment_slot(state, window, now);
        case StrategyKind::longest_wait:
            return longest_wait(state, window);
        case StrategyKind::service_weight:
            return service_weight(state, window, now);
    }
    return std::nullopt;
}

}  // namespace hk::queue

// The hall as the queue engine sees it: service items (事项), windows (窗口) and how each window
// calls. This is static definition, loaded from a hall file (hall_file.hpp) or, later, from the
// platform's catalogue; the moving state (tickets, window states) lives in QueueState.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hk::queue {

// Minutes since local midnight, 0..1439.
using MinuteOfDay = int;

struct TimeRange {
    MinuteOfDay start = 0;   // inclusive
    MinuteOfDay end = 1440;  // exclusive
    friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

struct SlotQuota {
    TimeRange range;
    int quota = 0;  // tickets that may be issued in this range
    friend bool operator==(const SlotQuota&, const SlotQuota&) = default;
};

struct ServiceItem {
    std::string code;                      // [A-Za-z0-9_-]{1,32}, unique
    std::string name_zh;                   // 不动产登记
    std::string name_en;                   // Real estate registration
    std::string prefix;                    // ticket number prefix, 1-2 uppercase letters: "A"
    int number_width = 3;                  // digits: A001
    std::vector<TimeRange> issuing_hours;  // empty: all day
    int daily_quota = 0;                   // 0: no limit
    std::vector<SlotQuota> slot_quotas;
    std::string materials_zh;  // printed on the ticket: required materials
    std::string materials_en;  // the same for English screens
    std::string direction_zh;  // printed on the ticket: where to go
    std::string group_zh;      // the kiosk's group of items (社保医保); empty: none
    std::string group_en;
    friend bool operator==(const ServiceItem&, const ServiceItem&) = default;
};

// How a window chooses the next ticket among those it may serve (docs/queue.md has an
// example of each).
enum class StrategyKind : std::uint8_t {
    fifo,              // strictly by issue time across the window's services
    class_priority,    // green channel, then VIP, then appointment, then normal; FIFO within
    counted_ratio,     // e.g. 2 normal : 1 green channel, counted per window
    appointment_slot,  // appointments due (slot start − early margin) first, then FIFO
    longest_wait,      // the service whose head ticket waited longest
    service_weight,    // weighted by the window's per-service weights, then by wait
};

struct Strategy {
    StrategyKind kind = StrategyKind::fifo;
    int ratio_normal = 2;    // counted_ratio: normal tickets per priority ticket
    int ratio_priority = 1;  // counted_ratio: priority (green/VIP) tickets per round
    int early_minutes = 10;  // appointment_slot: callable this early before the slot start
    friend bool operator==(const Strategy&, const Strategy&) = default;
};

struct WindowServes {
    std::string service;  // ServiceItem::code
    int weight = 1;       // 1..100, for service_weight
    friend bool operator==(const WindowServes&, const WindowServes&) = default;
};

struct Window {
    std::string id;    // [A-Za-z0-9_-]{1,16}, unique; what announcements say ("3")
    std::string name;  // 3号窗口
    std::string area;  // service area (一楼综合区)
    std::vector<WindowServes> serves;
    Strategy strategy;
    std::string display;  // the screen this window drives; two windows may share one
                          // (一屏双号双呼); empty: none
    friend bool operator==(const Window&, const Window&) = default;
};

// Hall-wide rules of the queue.
struct QueueRules {
    MinuteOfDay day_reset = 0;              // when numbering restarts and rollover runs (local)
    int max_recalls = 3;                    // 重呼 cap per call
    int no_show_requeue_after = 3;          // 过号: requeued behind this many waiting tickets
    int no_show_abandon_after = 2;          // abandoned at this many no-shows
    bool one_waiting_ticket_per_id = true;  // per service
    int appointment_early_minutes = 30;     // check-in window opens this early
    int appointment_late_minutes = 15;      // and closes this late after the slot end
    friend bool operator==(const QueueRules&, const QueueRules&) = default;
};

// When the hall's alerts fire (docs/statistics.md); 0 turns an alert off.
struct AlertThresholds {
    int max_wait_minutes = 30;    // a service's longest-waiting ticket has waited longer
    int max_queue_length = 30;    // more tickets than this wait for one service
    int idle_window_minutes = 5;  // a staffed window idle longer while a ticket it may call waits
    friend bool operator==(const AlertThresholds&, const AlertThresholds&) = default;
};

enum class TicketClass : std::uint8_t { normal, appointment, green, vip };

// How the kiosk's printed ticket looks, hall-wide (hall file [ticket], docs/hall-file.md).
struct TicketTemplate {
    enum class Code : std::uint8_t { qr, code128, none };
    Code code = Code::qr;   // what carries the ticket's id for the counters' scanners
    bool english = true;    // English lines under the Chinese ones
    std::string notice_zh;  // printed at the bottom (温馨提示); empty: none
    std::string notice_en;
    friend bool operator==(const TicketTemplate&, const TicketTemplate&) = default;
};

// A special-group code (绿色通道口令) a citizen enters at the kiosk to take a priority ticket.
struct PriorityCode {
    std::string code;  // 4 to 12 digits
    TicketClass ticket_class = TicketClass::green;
    friend bool operator==(const PriorityCode&, const PriorityCode&) = default;
};

struct HallDefinition {
    std::string name_zh;  // 示例政务服务中心; empty: the node's hall id is shown
    std::string name_en;
    std::string notice_zh;  // a notice the hall screen shows (公告); empty: none
    std::string notice_en;
    std::vector<ServiceItem> services;
    std::vector<Window> windows;
    QueueRules rules;
    AlertThresholds alerts;
    std::vector<PriorityCode> priority_codes;
    TicketTemplate ticket;

    [[nodiscard]] const ServiceItem* find_service(std::string_view code) const;
    [[nodiscard]] const Window* find_window(std::string_view id) const;
    friend bool operator==(const HallDefinition&, const HallDefinition&) = default;
};

}  // namespace hk::queue

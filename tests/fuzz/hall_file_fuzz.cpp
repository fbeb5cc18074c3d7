// Fuzz target for the hall file parser: arbitrary bytes as a hall file. Whatever the input,
// parse_hall() must not crash or throw; an accepted hall must satisfy every documented
// constraint (checked here independently of the parser), and a rejection must come with
// printable, ordered, non-empty errors.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config/hall_file.hpp"
#include "daemon/queue/hall.hpp"

namespace {

using hk::queue::HallDefinition;
using hk::queue::QueueRules;
using hk::queue::ServiceItem;
using hk::queue::Strategy;
using hk::queue::StrategyKind;
using hk::queue::TimeRange;
using hk::queue::Window;

constexpr std::string_view kSource = "fuzz.toml";

void require(bool condition, const char* what) {
    if (!condition) {
        static_cast<void>(std::fprintf(stderr, "hall_file_fuzz: invariant violated: %s\n", what));
        std::abort();
    }
}

bool is_identifier(std::string_view text, std::size_t max) {
    const auto allowed = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    };
    return !text.empty() && text.size() <= max && std::ranges::all_of(text, allowed);
}

bool is_prefix(std::string_view text) {
    return !text.empty() && text.size() <= 2 &&
           std::ranges::all_of(text, [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool has_no_ascii_control(std::string_view text, bool newline_allowed) {
    return std::ranges::none_of(text, [&](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && !(newline_allowed && c == '\n')) || byte == 0x7F;
    });
}

std::size_t characters(std::string_view text) {
    return static_cast<std::size_t>(std::ranges::count_if(
        text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

bool is_name(std::string_view text, std::size_t max_characters) {
    const std::size_t count = characters(text);
    return count >= 1 && count <= max_characters && has_no_ascii_control(text, false);
}

bool is_valid_range(const TimeRange& range) {
    return range.start >= 0 && range.start < range.end && range.end <= 1440;
}

bool disjoint(std::span<const TimeRange> ranges) {
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        for (std::size_t j = i + 1; j < ranges.size(); ++j) {
            if (ranges[i].start < ranges[j].end && ranges[j].start < ranges[i].end) {
                return false;
            }
        }
    }
    return true;
}

void check_rules(const QueueRules& rules) {
    require(rules.day_reset >= 0 && rules.day_reset < 1440, "day_reset is 00:00..23:59");
    require(rules.max_recalls >= 0 && rules.max_recalls <= 10, "max_recalls is 0..10");
    require(rules.no_show_requeue_after >= 0 && rules.no_show_requeue_after <= 50,
            "no_show_requeue_after is 0..50");
    require(rules.no_show_abandon_after >= 1 && rules.no_show_abandon_after <= 10,
            "no_show_abandon_after is 1..10");
    require(rules.appointment_early_minutes >= 0 && rules.appointment_early_minutes <= 240,
            "appointment_early_minutes is 0..240");
    require(rules.appointment_late_minutes >= 0 && rules.appointment_late_minutes <= 240,
            "appointment_late_minutes is 0..240");
}

void check_service(const ServiceItem& service) {
    require(is_identifier(service.code, 32), "a service code is [A-Za-z0-9_-]{1,32}");
    require(is_name(service.name_zh, 64), "name_zh is 1..64 printable characters");
    require(is_name(service.name_en, 128), "name_en is 1..128 printable characters");
    require(is_prefix(service.prefix), "a prefix is 1-2 uppercase letters");
    require(service.number_width >= 2 && service.number_width <= 5, "number_width is 2..5");
    require(service.daily_quota >= 0 && service.daily_quota <= 100000, "daily_quota is 0..100000");
    require(service.issuing_hours.size() <= 24, "at most 24 issuing ranges");
    require(std::ranges::all_of(service.issuing_hours, is_valid_range), "issuing ranges valid");
    require(disjoint(service.issuing_hours), "issuing ranges do not overlap");
    std::vector<TimeRange> slots;
    for (const auto& slot : service.slot_quotas) {
        require(is_valid_range(slot.range), "slot ranges valid");
        require(slot.quota >= 1 && slot.quota <= 100000, "slot quota is 1..100000");
        slots.push_back(slot.range);
    }
    require(slots.size() <= 96, "at most 96 slot quotas");
    require(disjoint(slots), "slot ranges do not overlap");
    require(service.materials_zh.size() <= 500 && has_no_ascii_control(service.materials_zh, true),
            "materials_zh is at most 500 printable bytes");
    require(service.direction_zh.size() <= 200 && has_no_ascii_control(service.direction_zh, false),
            "direction_zh is at most 200 printable bytes");
}

void check_strategy(const Strategy& strategy) {
    const auto kind = static_cast<int>(strategy.kind);
    require(kind >= static_cast<int>(StrategyKind::fifo) &&
                kind <= static_cast<int>(StrategyKind::service_weight),
            "the strategy kind is known");
    require(strategy.ratio_normal >= 1 && strategy.ratio_normal <= 20, "ratio_normal is 1..20");
    require(strategy.ratio_priority >= 1 && strategy.ratio_priority <= 20,
            "ratio_priority is 1..20");
    require(strategy.early_minutes >= 0 && strategy.early_minutes <= 120,
            "early_minutes is 0..120");
}

void check_window(const Window& window, const std::set<std::string>& codes) {
    require(is_identifier(window.id, 16), "a window id is [A-Za-z0-9_-]{1,16}");
    require(is_name(window.name, 32), "a window name is 1..32 printable characters");
    require(window.area.empty() || is_name(window.area, 64), "an area is 0..64 characters");
    require(window.display.empty() || is_identifier(window.display, 32),
            "a display is empty or [A-Za-z0-9_-]{1,32}");
    require(!window.serves.empty(), "a window serves at least one service");
    std::set<std::string> served;
    for (const auto& serves : window.serves) {
        require(codes.contains(serves.service), "a window serves only defined services");
        require(served.insert(serves.service).second, "a window lists a service once");
        require(serves.weight >= 1 && serves.weight <= 100, "a weight is 1..100");
    }
    check_strategy(window.strategy);
}

void check_accepted(const HallDefinition& hall) {
    check_rules(hall.rules);
    require(!hall.services.empty(), "a hall has a service");
    require(!hall.windows.empty(), "a hall has a window");
    std::set<std::string> codes;
    std::set<std::string> prefixes;
    for (const auto& service : hall.services) {
        check_service(service);
        require(codes.insert(service.code).second, "service codes are unique");
        require(prefixes.insert(service.prefix).second, "prefixes are unique");
    }
    std::set<std::string> ids;
    std::map<std::string, int> display_users;
    for (const auto& window : hall.windows) {
        check_window(window, codes);
        require(ids.insert(window.id).second, "window ids are unique");
        if (!window.display.empty()) {
            require(++display_users[window.display] <= 2, "at most two windows share a display");
        }
    }
}

void check_rejected(const hk::config::ConfigErrors& errors) {
    require(!errors.empty(), "a rejection has at least one error");
    for (const auto& error : errors) {
        require(error.source == kSource && !error.message.empty(),
                "every error names the source and has a message");
        require(error.line != 0 || error.column == 0, "a column comes with a line");
        // The text goes to logs and terminals: a file must not be able to inject control codes.
        require(has_no_ascii_control(error.to_string(), false),
                "error text has no control characters");
    }
    require(std::ranges::is_sorted(errors, {},
                                   [](const hk::config::ConfigError& error) {
                                       return std::pair(error.line, error.column);
                                   }),
            "errors are in file order");
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto hall = hk::config::parse_hall({reinterpret_cast<const char*>(data), size}, kSource);
    if (!hall) {
        check_rejected(hall.error());
        return 0;
    }
    check_accepted(*hall);
    return 0;
}

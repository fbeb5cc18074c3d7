// The hall definition file: TOML text to a validated queue::HallDefinition (hall_file.hpp).
// The rules and the alert thresholds are read first, then the services (collecting their codes
// and prefixes), then the windows, whose references are checked against the services; every
// problem is collected.
#include "daemon/config/hall_file.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <ranges>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "daemon/config/toml_support.hpp"

namespace hk::config {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the parsers' shared toolkit
using queue::AlertThresholds;
using queue::HallDefinition;
using queue::MinuteOfDay;
using queue::PriorityCode;
using queue::QueueRules;
using queue::ServiceItem;
using queue::SlotQuota;
using queue::Strategy;
using queue::StrategyKind;
using queue::TicketClass;
using queue::TicketTemplate;
using queue::TimeRange;
using queue::Window;
using queue::WindowServes;

constexpr FileKind kHallFile{.noun = "hall file", .content = "a hall file is a few pages"};

constexpr std::size_t kMaxCodeLength = 32;
constexpr std::size_t kMaxWindowIdLength = 16;
constexpr std::size_t kMaxDisplayLength = 32;
constexpr std::size_t kMaxWindowsPerDisplay = 2;  // 一屏双号双呼: one screen shows two windows
constexpr std::size_t kMaxPrefixLength = 2;
constexpr std::int64_t kMaxQuota = 100'000;
constexpr std::int64_t kMaxWeight = 100;
constexpr std::int64_t kMaxRatio = 20;
// Generous for a working day (two sessions; 15-minute appointment slots), and they keep the
// pairwise overlap check trivially cheap.
constexpr std::size_t kMaxIssuingRanges = 24;
constexpr std::size_t kMaxSlotQuotas = 96;
// An unknown-service message lists the defined codes, but stays one readable line.
constexpr std::size_t kMaxListedCodes = 12;
constexpr std::size_t kMinPriorityCodeDigits = 4;
constexpr std::size_t kMaxPriorityCodeDigits = 12;
constexpr MinuteOfDay kMinutesPerHour = 60;
constexpr MinuteOfDay kEndOfDay = 24 * kMinutesPerHour;

// ---------------------------------------------------------------------------------------------
// Names and text.

bool is_identifier_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

// Codes, ids and display names: they appear in logs, URLs and protocol messages.
template <typename T, std::string T::*Member, std::size_t MaxLength>
void read_identifier(const toml::node& value, const std::string& key, T& out, Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (text->empty() || text->size() > MaxLength ||
        !std::ranges::all_of(*text, is_identifier_char)) {
        problems.add(value.source(), key,
                     fmt::format("expected 1 to {} characters from A-Z, a-z, 0-9, '_' and '-', "
                                 "got {}",
                                 MaxLength, quote_value(*text)));
        return;
    }
    out.*Member = *text;
}

void read_prefix(const toml::node& value, const std::string& key, ServiceItem& out,
                 Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    const auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
    if (text->empty() || text->size() > kMaxPrefixLength || !std::ranges::all_of(*text, is_upper)) {
        problems.add(
            value.source(), key,
            fmt::format("expected 1 or 2 uppercase letters A-Z, got {}", quote_value(*text)));
        return;
    }
    out.prefix = *text;
}

enum class Measure : std::uint8_t { characters, bytes };

// What a piece of text shown to the public may be. Names are measured in characters (what fits
// on a screen); ticket texts in bytes (what the printer buffers).
struct TextRule {
    std::size_t min = 0;
    std::size_t max = 0;
    Measure measure = Measure::characters;
    bool multiline = false;
};

constexpr TextRule kChineseNameRule{.min = 1, .max = 64};
constexpr TextRule kEnglishNameRule{.min = 1, .max = 128};
constexpr TextRule kWindowNameRule{.min = 1, .max = 32};
constexpr TextRule kAreaRule{.min = 0, .max = 64};
constexpr TextRule kMaterialsRule{
    .min = 0, .max = 500, .measure = Measure::bytes, .multiline = true};
constexpr TextRule kDirectionRule{.min = 0, .max = 200, .measure = Measure::bytes};
constexpr TextRule kGroupRule{.min = 0, .max = 32};
constexpr TextRule kNoticeRule{.min = 0, .max = 200};
constexpr TextRule kTicketNoticeRule{
    .min = 0, .max = 300, .measure = Measure::bytes, .multiline = true};

// Whether `text` has nothing that would garble a screen, a ticket or a log: no control
// characters (but line breaks where allowed), no invisible direction marks.
bool is_clean_text(std::string_view text, bool multiline) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            if ((byte < 0x20 && !(multiline && byte == '\n')) || byte == 0x7F) {
                return false;
            }
            ++i;
            continue;
        }
        char32_t code_point = 0;
        const std::size_t length = decode_utf8(text.substr(i), code_point);
        if (length == 0 || is_invisible_control(code_point)) {
            return false;
        }
        i += length;
    }
    return true;
}

std::size_t count_characters(std::string_view text) {
    return static_cast<std::size_t>(std::ranges::count_if(
        text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

std::string length_rule(const TextRule& rule) {
    const std::string_view unit = rule.measure == Measure::bytes ? "bytes" : "characters";
    if (rule.min == 0) {
        return fmt::format("at most {} {}", rule.max, unit);
    }
    return fmt::format("{} to {} {}", rule.min, rule.max, unit);
}

template <typename T, std::string T::*Member, TextRule Rule>
void read_text(const toml::node& value, const std::string& key, T& out, Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (!is_clean_text(*text, Rule.multiline)) {
        problems.add(
            value.source(), key,
            fmt::format("expected text without control characters{}, got {}",
                        Rule.multiline ? " (line breaks are allowed)" : "", quote_value(*text)));
        return;
    }
    const std::size_t size =
        Rule.measure == Measure::bytes ? text->size() : count_characters(*text);
    if (size < Rule.min || size > Rule.max) {
        problems.add(value.source(), key,
                     fmt::format("expected {}, got {}", length_rule(Rule), size));
        return;
    }
    out.*Member = *text;
}

template <typename T, int T::*Member, std::int64_t Min, std::int64_t Max>
void read_int(const toml::node& value, const std::string& key, T& out, Problems& problems) {
    if (const auto number = read_integer(value, key, Min, Max, problems)) {
        out.*Member = static_cast<int>(*number);
    }
}

template <typename T, bool T::*Member>
void read_flag(const toml::node& value, const std::string& key, T& out, Problems& problems) {
    if (const auto flag = read_boolean(value, key, problems)) {
        out.*Member = *flag;
    }
}

// ---------------------------------------------------------------------------------------------
// Times of day and ranges.

// "HH:MM" as minutes since midnight; "24:00" only where `end_of_day_allowed`.
std::optional<MinuteOfDay> parse_clock(std::string_view text, bool end_of_day_allowed) {
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    if (text.size() != 5 || text[2] != ':' || !is_digit(text[0]) || !is_digit(text[1]) ||
        !is_digit(text[3]) || !is_digit(text[4])) {
        return std::nullopt;
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours == 24 && minutes == 0 && end_of_day_allowed) {
        return kEndOfDay;
    }
    if (hours > 23 || minutes > 59) {
        return std::nullopt;
    }
    return hours * kMinutesPerHour + minutes;
}

std::string format_range(const TimeRange& range) {
    return fmt::format("{:02}:{:02}-{:02}:{:02}", range.start / kMinutesPerHour,
                       range.start % kMinutesPerHour, range.end / kMinutesPerHour,
                       range.end % kMinutesPerHour);
}

// "HH:MM-HH:MM", or the message saying what is wrong with it.
std::expected<TimeRange, std::string> parse_range(std::string_view text) {
    constexpr std::size_t kClockLength = 5;
    std::optional<MinuteOfDay> start;
    std::optional<MinuteOfDay> end;
    if (text.size() == 2 * kClockLength + 1 && text[kClockLength] == '-') {
        start = parse_clock(text.substr(0, kClockLength), false);
        end = parse_clock(text.substr(kClockLength + 1), true);
    }
    if (!start || !end) {
        return std::unexpected(
            fmt::format("expected a time range \"HH:MM-HH:MM\" such as \"08:30-12:00\" "
                        "(24:00 is allowed as an end), got {}",
                        quote_value(text)));
    }
    if (*start >= *end) {
        return std::unexpected(
            fmt::format("expected the start before the end (a range cannot cross midnight), got {}",
                        quote_value(text)));
    }
    return TimeRange{.start = *start, .end = *end};
}

std::optional<TimeRange> read_range(const toml::node& value, const std::string& key,
                                    Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return std::nullopt;
    }
    auto range = parse_range(*text);
    if (!range) {
        problems.add(value.source(), key, std::move(range.error()));
        return std::nullopt;
    }
    return *range;
}

// A range read from a list, with what an overlap message needs.
struct PlacedRange {
    TimeRange range;
    toml::source_region where;
    std::string key;    // services[0].issuing_hours[1]
    std::string label;  // issuing_hours[1]
};

bool overlap(const TimeRange& a, const TimeRange& b) {
    return a.start < b.end && b.start < a.end;  // ends are exclusive: 08:30-12:00, 12:00-13:00
}

// Reports each range that overlaps one before it in the file. The lists are short (see
// kMaxIssuingRanges, kMaxSlotQuotas), so comparing every pair costs nothing.
void report_overlaps(std::span<const PlacedRange> ranges, Problems& problems) {
    for (std::size_t later = 1; later < ranges.size(); ++later) {
        for (std::size_t earlier = 0; earlier < later; ++earlier) {
            if (overlap(ranges[earlier].range, ranges[later].range)) {
                problems.add(ranges[later].where, ranges[later].key,
                             fmt::format("overlaps {} ({})", ranges[earlier].label,
                                         format_range(ranges[earlier].range)));
                break;
            }
        }
    }
}

// The array at `key` if it is one of at most `max` entries, reporting otherwise.
const toml::array* short_array(const toml::node& value, const std::string& key,
                               std::string_view expected, std::size_t max, Problems& problems) {
    const toml::array* list = value.as_array();
    if (list == nullptr) {
        wrong_type(value, key, expected, problems);
        return nullptr;
    }
    if (list->size() > max) {
        problems.add(value.source(), key,
                     fmt::format("expected at most {} entries, got {}", max, list->size()));
        return nullptr;
    }
    return list;
}

void read_issuing_hours(const toml::node& value, const std::string& key, ServiceItem& out,
                        Problems& problems) {
    const toml::array* list = short_array(value, key, "an array of time ranges \"HH:MM-HH:MM\"",
                                          kMaxIssuingRanges, problems);
    if (list == nullptr) {
        return;
    }
    if (list->empty()) {
        problems.add(value.source(), key,
                     "expected at least one time range; leave the key out to issue tickets all "
                     "day");
        return;
    }
    std::vector<PlacedRange> placed;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::node& entry = *list->get(i);
        std::string entry_key = indexed(key, i);
        if (const auto range = read_range(entry, entry_key, problems)) {
            out.issuing_hours.push_back(*range);
            placed.push_back(
                {*range, entry.source(), std::move(entry_key), indexed("issuing_hours", i)});
        }
    }
    report_overlaps(placed, problems);
}

void read_slot_range(const toml::node& value, const std::string& key, SlotQuota& out,
                     Problems& problems) {
    if (const auto range = read_range(value, key, problems)) {
        out.range = *range;
    }
}

constexpr std::array<KeySpec<SlotQuota>, 2> kSlotQuotaKeys{{
    {"range", read_slot_range, true},
    {"quota", read_int<SlotQuota, &SlotQuota::quota, 1, kMaxQuota>, true},
}};

void read_slot_quotas(const toml::node& value, const std::string& key, ServiceItem& out,
                      Problems& problems) {
    const toml::array* list =
        short_array(value, key, "an array of tables { range = \"HH:MM-HH:MM\", quota = N }",
                    kMaxSlotQuotas, problems);
    if (list == nullptr) {
        return;
    }
    std::vector<PlacedRange> placed;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::node& entry = *list->get(i);
        const std::string entry_key = indexed(key, i);
        const std::size_t known_problems = problems.size();
        SlotQuota slot;
        if (!read_table(entry, entry_key, "a slot quota", kSlotQuotaKeys, slot, problems)) {
            continue;
        }
        if (problems.size() == known_problems) {  // a clean slot: its range exists and is valid
            placed.push_back({slot.range, entry.as_table()->get("range")->source(),
                              dotted(entry_key, "range"), indexed("slot_quotas", i)});
        }
        out.slot_quotas.push_back(slot);
    }
    report_overlaps(placed, problems);
}

// ---------------------------------------------------------------------------------------------
// Rules, services and windows: their keys.

void read_day_reset(const toml::node& value, const std::string& key, QueueRules& out,
                    Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    const auto minute = parse_clock(*text, false);
    if (!minute) {
        problems.add(value.source(), key,
                     fmt::format("expected a time of day \"HH:MM\" from 00:00 to 23:59, got {}",
                                 quote_value(*text)));
        return;
    }
    out.day_reset = *minute;
}

constexpr std::array<KeySpec<QueueRules>, 7> kRuleKeys{{
    {"day_reset", read_day_reset},
    {"max_recalls", read_int<QueueRules, &QueueRules::max_recalls, 0, 10>},
    {"no_show_requeue_after", read_int<QueueRules, &QueueRules::no_show_requeue_after, 0, 50>},
    {"no_show_abandon_after", read_int<QueueRules, &QueueRules::no_show_abandon_after, 1, 10>},
    {"one_waiting_ticket_per_id", read_flag<QueueRules, &QueueRules::one_waiting_ticket_per_id>},
    {"appointment_early_minutes",
     read_int<QueueRules, &QueueRules::appointment_early_minutes, 0, 240>},
    {"appointment_late_minutes",
     read_int<QueueRules, &QueueRules::appointment_late_minutes, 0, 240>},
}};

// Alert thresholds: minutes up to a day, queue lengths up to a day's largest quota.
constexpr std::int64_t kMaxAlertMinutes = 1440;
constexpr std::array<KeySpec<AlertThresholds>, 3> kAlertKeys{{
    {"max_wait_minutes",
     read_int<AlertThresholds, &AlertThresholds::max_wait_minutes, 0, kMaxAlertMinutes>},
    {"max_queue_length",
     read_int<AlertThresholds, &AlertThresholds::max_queue_length, 0, kMaxQuota>},
    {"idle_window_minutes",
     read_int<AlertThresholds, &AlertThresholds::idle_window_minutes, 0, kMaxAlertMinutes>},
}};

constexpr std::array<KeySpec<ServiceItem>, 13> kServiceKeys{{
    {"code", read_identifier<ServiceItem, &ServiceItem::code, kMaxCodeLength>, true},
    {"name_zh", read_text<ServiceItem, &ServiceItem::name_zh, kChineseNameRule>, true},
    {"name_en", read_text<ServiceItem, &ServiceItem::name_en, kEnglishNameRule>, true},
    {"prefix", read_prefix, true},
    {"number_width", read_int<ServiceItem, &ServiceItem::number_width, 2, 5>},
    {"issuing_hours", read_issuing_hours},
    {"daily_quota", read_int<ServiceItem, &ServiceItem::daily_quota, 0, kMaxQuota>},
    {"slot_quotas", read_slot_quotas},
    {"materials_zh", read_text<ServiceItem, &ServiceItem::materials_zh, kMaterialsRule>},
    {"direction_zh", read_text<ServiceItem, &ServiceItem::direction_zh, kDirectionRule>},
    {"materials_en", read_text<ServiceItem, &ServiceItem::materials_en, kMaterialsRule>},
    {"group_zh", read_text<ServiceItem, &ServiceItem::group_zh, kGroupRule>},
    {"group_en", read_text<ServiceItem, &ServiceItem::group_en, kGroupRule>},
}};

// The hall's own name, for the screens.
constexpr std::array<KeySpec<HallDefinition>, 4> kHallKeys{{
    {"name_zh", read_text<HallDefinition, &HallDefinition::name_zh, kChineseNameRule>},
    {"name_en", read_text<HallDefinition, &HallDefinition::name_en, kEnglishNameRule>},
    {"notice_zh", read_text<HallDefinition, &HallDefinition::notice_zh, kNoticeRule>},
    {"notice_en", read_text<HallDefinition, &HallDefinition::notice_en, kNoticeRule>},
}};

void read_priority_digits(const toml::node& value, const std::string& key, PriorityCode& out,
                          Problems& problems) {
    const std::string* text = expect_string(value, key, problems);
    if (text == nullptr) {
        return;
    }
    if (text->size() < kMinPriorityCodeDigits || text->size() > kMaxPriorityCodeDigits ||
        !std::ranges::all_of(*text, [](char c) { return c >= '0' && c <= '9'; })) {
        // The code is a credential: not repeated in the message.
        problems.add(value.source(), key,
                     fmt::format("expected {} to {} digits", kMinPriorityCodeDigits,
                                 kMaxPriorityCodeDigits));
        return;
    }
    out.code = *text;
}

constexpr std::array<Choice<TicketClass>, 2> kPriorityClasses{{
    {"green", TicketClass::green},
    {"vip", TicketClass::vip},
}};

void read_priority_class(const toml::node& value, const std::string& key, PriorityCode& out,
                         Problems& problems) {
    read_choice(value, key, kPriorityClasses, out.ticket_class, problems);
}

constexpr std::array<Choice<TicketTemplate::Code>, 3> kTicketCodes{{
    {"qr", TicketTemplate::Code::qr},
    {"code128", TicketTemplate::Code::code128},
    {"none", TicketTemplate::Code::none},
}};

void read_ticket_code(const toml::node& value, const std::string& key, TicketTemplate& out,
                      Problems& problems) {
    read_choice(value, key, kTicketCodes, out.code, problems);
}

// The printed ticket's layout.
constexpr std::array<KeySpec<TicketTemplate>, 4> kTicketKeys{{
    {"code", read_ticket_code},
    {"english", read_flag<TicketTemplate, &TicketTemplate::english>},
    {"notice_zh", read_text<TicketTemplate, &TicketTemplate::notice_zh, kTicketNoticeRule>},
    {"notice_en", read_text<TicketTemplate, &TicketTemplate::notice_en, kTicketNoticeRule>},
}};

constexpr std::array<KeySpec<PriorityCode>, 2> kPriorityCodeKeys{{
    {"code", read_priority_digits, true},
    {"class", read_priority_class, true},
}};

constexpr std::array<Choice<StrategyKind>, 6> kStrategyKinds{{
    {"fifo", StrategyKind::fifo},
    {"class_priority", StrategyKind::class_priority},
    {"counted_ratio", StrategyKind::counted_ratio},
    {"appointment_slot", StrategyKind::appointment_slot},
    {"longest_wait", StrategyKind::longest_wait},
    {"service_weight", StrategyKind::service_weight},
}};

void read_kind(const toml::node& value, const std::string& key, Strategy& out, Problems& problems) {
    read_choice(value, key, kStrategyKinds, out.kind, problems);
}

constexpr std::array<KeySpec<Strategy>, 4> kStrategyKeys{{
    {"kind", read_kind, true},
    {"ratio_normal", read_int<Strategy, &Strategy::ratio_normal, 1, kMaxRatio>},
    {"ratio_priority", read_int<Strategy, &Strategy::ratio_priority, 1, kMaxRatio>},
    {"early_minutes", read_int<Strategy, &Strategy::early_minutes, 0, 120>},
}};

// Keys that mean something for one kind only: given with another kind they are a mistake
// (a ratio on a fifo window would silently do nothing).
struct KindSpecificKey {
    std::string_view name;
    StrategyKind kind;
};

constexpr std::array<KindSpecificKey, 3> kKindSpecificKeys{{
    {"ratio_normal", StrategyKind::counted_ratio},
    {"ratio_priority", StrategyKind::counted_ratio},
    {"early_minutes", StrategyKind::appointment_slot},
}};

void read_strategy(const toml::node& value, const std::string& key, Window& out,
                   Problems& problems) {
    if (!read_table(value, key, "a strategy", kStrategyKeys, out.strategy, problems)) {
        return;
    }
    const toml::table& table = *value.as_table();
    const auto* kind = table.get_as<std::string>("kind");
    if (kind == nullptr || std::ranges::find(kStrategyKinds, kind->get(),
                                             &Choice<StrategyKind>::name) == kStrategyKinds.end()) {
        return;  // reported already; which keys fit is unknown
    }
    for (const auto& specific : kKindSpecificKeys) {
        const toml::node* given = table.get(specific.name);
        if (given != nullptr && out.strategy.kind != specific.kind) {
            problems.add(given->source(), dotted(key, specific.name),
                         fmt::format("applies only to kind = \"{}\", not \"{}\"",
                                     name_of(kStrategyKinds, specific.kind),
                                     name_of(kStrategyKinds, out.strategy.kind)));
        }
    }
}

void read_served_code(const toml::node& value, const std::string& key, WindowServes& out,
                      Problems& problems) {
    if (const std::string* code = expect_string(value, key, problems)) {
        out.service = *code;
    }
}

constexpr std::array<KeySpec<WindowServes>, 2> kServesKeys{{
    {"service", read_served_code, true},
    {"weight", read_int<WindowServes, &WindowServes::weight, 1, kMaxWeight>},
}};

// The node naming the service in a serves entry ("RE" or { service = "RE", ... }), if any.
const toml::node* service_node_of(const toml::node& entry) {
    if (const toml::table* table = entry.as_table()) {
        return table->get("service");
    }
    return &entry;
}

std::string service_key_of(const toml::node& entry, const std::string& entry_key) {
    return entry.is_table() ? dotted(entry_key, "service") : entry_key;
}

void read_serves(const toml::node& value, const std::string& key, Window& out, Problems& problems) {
    const toml::array* list = value.as_array();
    if (list == nullptr) {
        wrong_type(value, key, "an array of service codes", problems);
        return;
    }
    if (list->empty()) {
        problems.add(value.source(), key, "expected at least one service code");
        return;
    }
    std::map<std::string, std::size_t, std::less<>> first_listed;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::node& entry = *list->get(i);
        const std::string entry_key = indexed(key, i);
        WindowServes serves;
        if (const auto* code = entry.as_string()) {
            serves.service = code->get();
        } else if (entry.is_table()) {
            read_table(entry, entry_key, "a serves entry", kServesKeys, serves, problems);
        } else {
            wrong_type(entry, entry_key,
                       "a service code or a table { service = \"CODE\", weight = N }", problems);
            continue;
        }
        if (const auto* service = service_node_of(entry);
            service != nullptr && service->is_string()) {
            const auto [first, inserted] = first_listed.try_emplace(serves.service, i);
            if (!inserted) {
                problems.add(service->source(), service_key_of(entry, entry_key),
                             fmt::format("service '{}' is listed twice (also serves[{}])",
                                         shown_name(serves.service), first->second));
            }
        }
        out.serves.push_back(std::move(serves));
    }
}

constexpr std::array<KeySpec<Window>, 6> kWindowKeys{{
    {"id", read_identifier<Window, &Window::id, kMaxWindowIdLength>, true},
    {"name", read_text<Window, &Window::name, kWindowNameRule>, true},
    {"area", read_text<Window, &Window::area, kAreaRule>},
    {"display", read_identifier<Window, &Window::display, kMaxDisplayLength>},
    {"serves", read_serves, true},
    {"strategy", read_strategy},
}};

constexpr std::array<std::string_view, 7> kTopLevelNames{
    "hall", "rules", "alerts", "services", "windows", "priority_codes", "ticket"};
constexpr auto kRuleKeyNames = names_of(kRuleKeys);
constexpr auto kAlertKeyNames = names_of(kAlertKeys);

// ---------------------------------------------------------------------------------------------
// Cross-references: uniqueness across entries, and windows naming defined services.

// Which entry (its key path) first used each name.
using Owners = std::map<std::string, std::string, std::less<>>;

// The owner already holding `name`, or nothing after recording `owner` as holding it.
std::optional<std::string> claim(Owners& owners, const std::string& name,
                                 const std::string& owner) {
    const auto [it, inserted] = owners.try_emplace(name, owner);
    if (inserted) {
        return std::nullopt;
    }
    return it->second;
}

struct Catalogue {
    bool checkable = false;          // services were read, so references can be checked
    std::vector<std::string> codes;  // valid codes in file order, for messages
    // Every code written, valid or not: a window naming a malformed code is not reported
    // again, the service is.
    std::set<std::string, std::less<>> written;
    Owners code_owners;
    Owners prefix_owners;
};

struct WindowIndex {
    Owners ids;
    std::map<std::string, std::vector<std::string>, std::less<>> display_users;
};

void register_service(const toml::table& table, const std::string& path, const ServiceItem& item,
                      Catalogue& catalogue, Problems& problems) {
    if (const auto* code = table.get_as<std::string>("code")) {
        catalogue.written.insert(code->get());
    }
    if (!item.code.empty()) {
        if (const auto owner = claim(catalogue.code_owners, item.code, path)) {
            problems.add(table.get("code")->source(), dotted(path, "code"),
                         fmt::format("duplicate service code '{}' (also {})", item.code, *owner));
        } else {
            catalogue.codes.push_back(item.code);
        }
    }
    if (!item.prefix.empty()) {
        if (const auto owner = claim(catalogue.prefix_owners, item.prefix, path)) {
            problems.add(table.get("prefix")->source(), dotted(path, "prefix"),
                         fmt::format("prefix '{}' is already used by {}", item.prefix, *owner));
        }
    }
}

std::string defined_codes(const Catalogue& catalogue) {
    if (catalogue.codes.empty()) {
        return "none valid";
    }
    const auto shown = catalogue.codes | std::views::take(kMaxListedCodes);
    std::string out = fmt::format("{}", fmt::join(shown, ", "));
    if (catalogue.codes.size() > kMaxListedCodes) {
        out += fmt::format(", ... ({} in all)", catalogue.codes.size());
    }
    return out;
}

void check_served_services(const toml::table& table, const std::string& path,
                           const Catalogue& catalogue, Problems& problems) {
    const auto* list = table.get_as<toml::array>("serves");
    if (!catalogue.checkable || list == nullptr) {
        return;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::node& entry = *list->get(i);
        const toml::node* service = service_node_of(entry);
        const auto* code = service == nullptr ? nullptr : service->as_string();
        if (code == nullptr || catalogue.written.contains(code->get())) {
            continue;
        }
        problems.add(service->source(), service_key_of(entry, indexed(dotted(path, "serves"), i)),
                     fmt::format("unknown service '{}' (defined: {})", shown_name(code->get()),
                                 defined_codes(catalogue)));
    }
}

void register_window(const toml::table& table, const std::string& path, const Window& window,
                     WindowIndex& index, Problems& problems) {
    if (!window.id.empty()) {
        if (const auto owner = claim(index.ids, window.id, path)) {
            problems.add(table.get("id")->source(), dotted(path, "id"),
                         fmt::format("duplicate window id '{}' (also {})", window.id, *owner));
        }
    }
    if (window.display.empty()) {
        return;
    }
    auto& users = index.display_users[window.display];
    if (users.size() >= kMaxWindowsPerDisplay) {
        problems.add(table.get("display")->source(), dotted(path, "display"),
                     fmt::format("display '{}' is already shared by {}; at most {} windows may "
                                 "share a display",
                                 window.display, fmt::join(users, " and "), kMaxWindowsPerDisplay));
        return;
    }
    users.push_back(path);
}

// ---------------------------------------------------------------------------------------------
// The whole file.

// The entries of the top-level array of tables `name`, or nothing after reporting why not.
const toml::array* entries_of(const toml::table& root, std::string_view name, std::string_view what,
                              Problems& problems) {
    const toml::node* node = root.get(name);
    if (node == nullptr) {
        problems.add_unplaced(
            std::string(name),
            fmt::format("missing; a hall needs at least one {} ([[{}]])", what, name));
        return nullptr;
    }
    const toml::array* list = node->as_array();
    if (list == nullptr) {
        wrong_type(*node, std::string(name), fmt::format("an array of tables ([[{}]])", name),
                   problems);
        return nullptr;
    }
    if (list->empty()) {
        problems.add(node->source(), std::string(name),
                     fmt::format("expected at least one {}", what));
        return nullptr;
    }
    return list;
}

// Reads each entry of the top-level array of tables `name` into `out`, handing each entry
// that is a table to `check` for the checks across entries. Returns whether the array exists
// and has entries.
template <typename Item, std::size_t N, typename Check>
bool read_entries(const toml::table& root, std::string_view name, std::string_view what,
                  const std::array<KeySpec<Item>, N>& keys, std::vector<Item>& out, Check check,
                  Problems& problems) {
    const toml::array* list = entries_of(root, name, what, problems);
    if (list == nullptr) {
        return false;
    }
    const std::string owner = fmt::format("a {}", what);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::node& entry = *list->get(i);
        const std::string path = indexed(name, i);
        Item item;
        if (read_table(entry, path, owner, keys, item, problems)) {
            check(*entry.as_table(), path, item);
            out.push_back(std::move(item));
        }
    }
    return true;
}

std::string unknown_top_level_message(const toml::key& key) {
    if (const auto suggestion = closest(key.str(), kTopLevelNames)) {
        return fmt::format("unknown key; did you mean '{}'?", *suggestion);
    }
    if (std::ranges::find(kRuleKeyNames, key.str()) != kRuleKeyNames.end()) {
        return fmt::format("a rule outside [rules]; did you mean 'rules.{}'?", key.str());
    }
    if (std::ranges::find(kAlertKeyNames, key.str()) != kAlertKeyNames.end()) {
        return fmt::format("an alert threshold outside [alerts]; did you mean 'alerts.{}'?",
                           key.str());
    }
    return "unknown key; a hall file has [hall], [rules], [alerts], [[services]], [[windows]], "
           "[[priority_codes]] and [ticket]";
}

void read_hall(const toml::table& root, HallDefinition& hall, Problems& problems) {
    if (const toml::node* name = root.get("hall")) {
        read_table(*name, "hall", "[hall]", kHallKeys, hall, problems);
    }
    if (const toml::node* rules = root.get("rules")) {
        read_table(*rules, "rules", "[rules]", kRuleKeys, hall.rules, problems);
    }
    if (const toml::node* ticket = root.get("ticket")) {
        read_table(*ticket, "ticket", "[ticket]", kTicketKeys, hall.ticket, problems);
    }
    if (const toml::node* alerts = root.get("alerts")) {
        read_table(*alerts, "alerts", "[alerts]", kAlertKeys, hall.alerts, problems);
    }
    Catalogue catalogue;
    catalogue.checkable = read_entries(
        root, "services", "service", kServiceKeys, hall.services,
        [&](const toml::table& table, const std::string& path, const ServiceItem& service) {
            register_service(table, path, service, catalogue, problems);
        },
        problems);
    WindowIndex index;
    read_entries(
        root, "windows", "window", kWindowKeys, hall.windows,
        [&](const toml::table& table, const std::string& path, const Window& window) {
            register_window(table, path, window, index, problems);
            check_served_services(table, path, catalogue, problems);
        },
        problems);
    if (root.contains("priority_codes")) {
        Owners codes;
        read_entries(
            root, "priority_codes", "priority code", kPriorityCodeKeys, hall.priority_codes,
            [&](const toml::table& table, const std::string& path, const PriorityCode& code) {
                if (code.code.empty()) {
                    return;
                }
                if (const auto owner = claim(codes, code.code, path)) {
                    problems.add(table.get("code")->source(), dotted(path, "code"),
                                 fmt::format("duplicate priority code (also {})", *owner));
                }
            },
            problems);
    }
    for (const auto& [key, value] : root) {
        if (std::ranges::find(kTopLevelNames, key.str()) == kTopLevelNames.end()) {
            problems.add(key.source(), printable(key.str()), unknown_top_level_message(key));
        }
    }
}

// packaging/demo-hall.toml, verbatim (a test checks that both define the same hall).
constexpr std::string_view kDemoHall = R"hall(
# The demo hall: a small township service centre (便民服务中心) with five service items and
# five windows. hallkeeperd runs this hall when no hall file is given, and scripts/demo shows
# it. docs/hall-file.md describes every key.

# The hall's name, shown on the screens.
[hall]
name_zh = "示范镇便民服务中心"
name_en = "Demo Town Service Centre"
notice_zh = "请携带身份证原件，留意叫号；过号请到服务台重新排队"
notice_en = "Please bring your ID card and listen for your number"

# Hall-wide queue rules. These are the defaults, written out so the demo shows them.
[rules]
day_reset = "00:00"              # numbering restarts at local midnight
max_recalls = 3                  # an officer may recall (重呼) a ticket three times
no_show_requeue_after = 3        # a no-show (过号) goes back behind three waiting tickets
no_show_abandon_after = 2        # and is dropped at its second no-show
one_waiting_ticket_per_id = true # one waiting ticket per ID card and service
appointment_early_minutes = 30   # appointments can check in from 30 minutes before the slot
appointment_late_minutes = 15    # until 15 minutes after it ends

# When hallkeeperd warns the hall (docs/statistics.md); 0 turns an alert off. The defaults.
[alerts]
max_wait_minutes = 30            # someone has waited over 30 minutes for one service
max_queue_length = 30            # over 30 tickets wait for one service
idle_window_minutes = 5          # a staffed window idle over 5 minutes while its tickets wait

# ---------------------------------------------------------------------------------------------
# Service items (事项). Every item has its own ticket prefix, so the number on a ticket tells
# the officer and the screens which queue it belongs to. Tickets are issued in the morning and
# afternoon sessions only; the lunch break is closed.

[[services]]
code = "SOC"
name_zh = "社会保险"
name_en = "Social insurance"
prefix = "A"                     # tickets A001, A002, ...
issuing_hours = ["08:30-12:00", "13:30-17:30"]
daily_quota = 200
materials_zh = "身份证原件；社保卡"
direction_zh = "请到一楼1、2号窗口办理"
group_zh = "社保医保"
group_en = "Social and medical insurance"
materials_en = "ID card; social security card"

[[services]]
code = "MED"
name_zh = "医疗保障"
name_en = "Medical insurance"
prefix = "B"
issuing_hours = ["08:30-12:00", "13:30-17:30"]
daily_quota = 150
materials_zh = "身份证原件；医保电子凭证或医保卡"
direction_zh = "请到一楼1、2号窗口办理"
group_zh = "社保医保"
group_en = "Social and medical insurance"
materials_en = "ID card; medical insurance e-voucher or card"

# Real estate cases take long and are mostly booked ahead, so each session has its own quota
# besides the daily one.
[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate registration"
prefix = "C"
issuing_hours = ["08:30-12:00", "13:30-17:30"]
daily_quota = 60
slot_quotas = [
    { range = "08:30-12:00", quota = 30 },
    { range = "13:30-17:30", quota = 30 },
]
materials_zh = "身份证原件；不动产权证书；购房合同"
direction_zh = "请到一楼3号窗口办理"
group_zh = "不动产"
group_en = "Real estate"
materials_en = "ID card; property certificate; purchase contract"

[[services]]
code = "HH"
name_zh = "户籍办理"
name_en = "Household registration"
prefix = "D"
issuing_hours = ["08:30-12:00", "13:30-17:30"]
daily_quota = 80
materials_zh = "身份证原件；户口簿"
direction_zh = "请到一楼4号窗口办理"
group_zh = "户籍"
group_en = "Household registration"
materials_en = "ID card; household register"

# The comprehensive counter (综合受理) takes every other matter, so it has no quota.
[[services]]
code = "GEN"
name_zh = "综合受理"
name_en = "Comprehensive services"
prefix = "E"
issuing_hours = ["08:30-12:00", "13:30-17:30"]
direction_zh = "请到一楼1号或4号窗口办理"
group_zh = "综合"
group_en = "General"

# ---------------------------------------------------------------------------------------------
# Windows (窗口). `serves` lists the items a window may call; `strategy` says how it picks the
# next ticket among them (fifo when not given).

# The comprehensive window (综合窗口): mostly comprehensive matters, helping with social and
# medical insurance when those queues are long. service_weight calls the head ticket with the
# largest weight x waiting time, so a GEN ticket's wait counts three times.
[[windows]]
id = "1"
name = "1号窗口"
area = "一楼综合受理区"
display = "screen-1"
serves = [{ service = "GEN", weight = 3 }, "SOC", "MED"]
strategy = { kind = "service_weight" }

# Insurance window with a green channel (绿色通道) for the elderly, disabled and pregnant: one
# priority ticket after every two normal ones, so neither queue starves.
# Windows 1 and 2 share one screen above them (一屏双号双呼).
[[windows]]
id = "2"
name = "2号窗口"
area = "一楼综合受理区"
display = "screen-1"
serves = ["SOC", "MED"]
strategy = { kind = "counted_ratio", ratio_normal = 2, ratio_priority = 1 }

# Real estate window: booked appointments are called from ten minutes before their slot,
# walk-in tickets fill the gaps.
[[windows]]
id = "3"
name = "3号窗口"
area = "一楼不动产专区"
display = "screen-3"
serves = ["RE"]
strategy = { kind = "appointment_slot", early_minutes = 10 }

# Household registration and comprehensive matters: green channel first, then VIP, then
# appointments, then everyone else.
[[windows]]
id = "4"
name = "4号窗口"
area = "一楼户籍专区"
display = "screen-4"
serves = ["HH", "GEN"]
strategy = { kind = "class_priority" }

# A flexible window (潮汐窗口) opened at peak times; it helps whichever queue has waited
# longest. It has no screen of its own: the hall screen announces its calls.
[[windows]]
id = "5"
name = "5号窗口"
area = "一楼综合受理区"
serves = ["SOC", "MED", "HH"]
strategy = { kind = "longest_wait" }

# ---------------------------------------------------------------------------------------------
# Priority codes (绿色通道口令): a citizen of a special group (elderly, disabled, pregnant) gets
# one from the hall's guide and enters it at the kiosk for a green-channel ticket.

[[priority_codes]]
code = "2468"
class = "green"

[[priority_codes]]
code = "13579"
class = "vip"

# ---------------------------------------------------------------------------------------------
# The printed ticket (docs/tickets.md): a QR code carrying the ticket's id, English lines, and a
# notice at the bottom.

[ticket]
code = "qr"
english = true
notice_zh = "过号请到服务台重新取号，谢谢配合"
notice_en = "Missed your number? Please ask at the service desk"
)hall";

}  // namespace

std::expected<HallDefinition, ConfigErrors> parse_hall(std::string_view toml_text,
                                                       std::string_view source) {
    Problems problems(source);
    HallDefinition hall;
    if (const auto root = parse_toml(toml_text, problems)) {
        read_hall(*root, hall, problems);
    }
    if (!problems.empty()) {
        return std::unexpected(problems.take());
    }
    return hall;
}

std::expected<HallDefinition, ConfigErrors> load_hall_file(const std::filesystem::path& file) {
    const auto text = read_small_file(file, kHallFile);
    if (!text) {
        return std::unexpected(text.error());
    }
    return parse_hall(*text, file.string());
}

const HallDefinition& demo_hall() {
    static const HallDefinition kHall = [] {
        auto hall = parse_hall(kDemoHall, "<embedded demo hall>");
        if (!hall) {
            // Only a broken build gets here; the hall-file tests parse the same text.
            for (const auto& error : hall.error()) {
                static_cast<void>(std::fprintf(stderr, "%s\n", error.to_string().c_str()));
            }
            std::abort();
        }
        return std::move(*hall);
    }();
    return kHall;
}

}  // namespace hk::config

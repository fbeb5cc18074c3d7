// The hall definition file: what a valid file yields, the defaults, every kind of mistake with
// its exact position and key path, cross-references between services and windows, reading the
// file, and the shipped demo hall.
#include "daemon/config/hall_file.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <ranges>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/queue/hall.hpp"
#include "tests/daemon/config/config_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::config {
namespace {

using hk::test::TempDir;
using hk::test::write_file;
using queue::AlertThresholds;
using queue::HallDefinition;
using queue::QueueRules;
using queue::ServiceItem;
using queue::SlotQuota;
using queue::Strategy;
using queue::StrategyKind;
using queue::TimeRange;
using queue::Window;
using queue::WindowServes;

// The five lines of a service, valid unless a test changes a value.
struct ServiceLines {
    std::string_view code = "RE";
    std::string_view name_zh = "不动产登记";
    std::string_view name_en = "Real estate registration";
    std::string_view prefix = "A";
};

std::string service_lines(const ServiceLines& lines) {
    return "[[services]]\ncode = \"" + std::string(lines.code) + "\"\nname_zh = \"" +
           std::string(lines.name_zh) + "\"\nname_en = \"" + std::string(lines.name_en) +
           "\"\nprefix = \"" + std::string(lines.prefix) + "\"\n";
}

// Lines 1-5: one valid service.
const std::string kService = service_lines({});

// Four lines: one valid window serving it.
constexpr std::string_view kWindow =
    "[[windows]]\n"
    "id = \"1\"\n"
    "name = \"1号窗口\"\n"
    "serves = [\"RE\"]\n";

// A hall whose only service is `lines` (lines 1-5), served by one window.
std::string hall_of_service(const ServiceLines& lines) {
    return service_lines(lines) + std::string(kWindow);
}

// `count` times the character 税.
std::string chinese_text(int count) {
    std::string text;
    for (int i = 0; i < count; ++i) {
        text += "税";
    }
    return text;
}

// A valid hall whose service has `lines` added, from line 6 on.
std::string hall_with_service(std::string_view lines) {
    return kService + std::string(lines) + std::string(kWindow);
}

// A valid hall whose window has `lines` added, from line 10 on.
std::string hall_with_window(std::string_view lines) {
    return kService + std::string(kWindow) + std::string(lines);
}

// A valid hall with a [rules] section whose keys are `lines`, from line 2 on.
std::string hall_with_rules(std::string_view lines) {
    return "[rules]\n" + std::string(lines) + kService + std::string(kWindow);
}

// A hall whose window serves `serves` (the value written on line 9, from column 10).
std::string hall_serving(std::string_view serves) {
    return kService +
           "[[windows]]\nid = \"1\"\nname = \"1号窗口\"\nserves = " + std::string(serves) + "\n";
}

HallDefinition parsed_hall(std::string_view text) {
    auto result = parse_hall(text, "test.toml");
    if (!result) {
        FAIL("unexpected errors:\n" << test::describe(result.error()));
    }
    return *result;
}

ConfigErrors hall_errors_of(std::string_view text) {
    auto result = parse_hall(text, "test.toml");
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

ConfigError only_hall_error_of(std::string_view text) {
    const ConfigErrors errors = hall_errors_of(text);
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 1);
    return errors.front();
}

// Checks the position, key and message of an error in one go, showing all of it on failure.
void check_error(const ConfigError& error, std::uint32_t line, std::uint32_t column,
                 std::string_view key, std::string_view message) {
    INFO(error.to_string());
    CHECK(error.line == line);
    CHECK(error.column == column);
    CHECK(error.key == key);
    CHECK(error.message == message);
}

constexpr int kHour = 60;  // in minutes, the unit of queue::MinuteOfDay

// ---------------------------------------------------------------------------------------------
// What valid files yield.

TEST_CASE("a hall file stating every key yields exactly that definition") {
    const HallDefinition hall = parsed_hall(R"([rules]
day_reset = "02:30"
max_recalls = 5
no_show_requeue_after = 10
no_show_abandon_after = 3
one_waiting_ticket_per_id = false
appointment_early_minutes = 45
appointment_late_minutes = 20

[alerts]
max_wait_minutes = 45
max_queue_length = 0
idle_window_minutes = 10

[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate registration"
prefix = "A"
number_width = 4
issuing_hours = ["08:30-12:00", "13:30-24:00"]
daily_quota = 300
slot_quotas = [{ range = "08:30-10:00", quota = 50 }, { range = "10:00-12:00", quota = 40 }]
materials_zh = "身份证原件\n不动产权证书"
direction_zh = "请到一楼A区"

[[services]]
code = "TAX"
name_zh = "税务"
name_en = "Taxation"
prefix = "BT"

[[windows]]
id = "1"
name = "1号窗口"
area = "一楼综合区"
display = "screen-1"
serves = ["RE", { service = "TAX", weight = 2 }]
strategy = { kind = "counted_ratio", ratio_normal = 3, ratio_priority = 2 }

[[windows]]
id = "vip_2"
name = "2号窗口"
serves = ["TAX"]
strategy = { kind = "appointment_slot", early_minutes = 0 }
)");
    const HallDefinition expected{
        .services =
            {
                ServiceItem{
                    .code = "RE",
                    .name_zh = "不动产登记",
                    .name_en = "Real estate registration",
                    .prefix = "A",
                    .number_width = 4,
                    .issuing_hours = {TimeRange{.start = 8 * kHour + 30, .end = 12 * kHour},
                                      TimeRange{.start = 13 * kHour + 30, .end = 24 * kHour}},
                    .daily_quota = 300,
                    .slot_quotas = {SlotQuota{.range = {.start = 8 * kHour + 30, .end = 10 * kHour},
                                              .quota = 50},
                                    SlotQuota{.range = {.start = 10 * kHour, .end = 12 * kHour},
                                              .quota = 40}},
                    .materials_zh = "身份证原件\n不动产权证书",
                    .direction_zh = "请到一楼A区",
                },
                ServiceItem{
                    .code = "TAX", .name_zh = "税务", .name_en = "Taxation", .prefix = "BT"},
            },
        .windows =
            {
                Window{.id = "1",
                       .name = "1号窗口",
                       .area = "一楼综合区",
                       .serves = {WindowServes{.service = "RE", .weight = 1},
                                  WindowServes{.service = "TAX", .weight = 2}},
                       .strategy = Strategy{.kind = StrategyKind::counted_ratio,
                                            .ratio_normal = 3,
                                            .ratio_priority = 2},
                       .display = "screen-1"},
                Window{.id = "vip_2",
                       .name = "2号窗口",
                       .serves = {WindowServes{.service = "TAX"}},
                       .strategy =
                           Strategy{.kind = StrategyKind::appointment_slot, .early_minutes = 0}},
            },
        .rules =
            QueueRules{
                .day_reset = 2 * kHour + 30,
                .max_recalls = 5,
                .no_show_requeue_after = 10,
                .no_show_abandon_after = 3,
                .one_waiting_ticket_per_id = false,
                .appointment_early_minutes = 45,
                .appointment_late_minutes = 20,
            },
        .alerts =
            AlertThresholds{
                .max_wait_minutes = 45,
                .max_queue_length = 0,
                .idle_window_minutes = 10,
            },
    };
    CHECK(hall == expected);
}

TEST_CASE("a minimal hall file leaves every optional key at its default") {
    const HallDefinition hall = parsed_hall(kService + std::string(kWindow));
    REQUIRE(hall.services.size() == 1);
    REQUIRE(hall.windows.size() == 1);
    const ServiceItem& service = hall.services.front();
    CHECK(service.number_width == 3);
    CHECK(service.issuing_hours.empty());
    CHECK(service.daily_quota == 0);
    CHECK(service.slot_quotas.empty());
    CHECK(service.materials_zh.empty());
    CHECK(service.direction_zh.empty());
    const Window& window = hall.windows.front();
    CHECK(window.area.empty());
    CHECK(window.display.empty());
    CHECK(window.serves == std::vector<WindowServes>{{.service = "RE", .weight = 1}});
    CHECK(window.strategy == Strategy{});
    CHECK(window.strategy.kind == StrategyKind::fifo);
}

TEST_CASE("a hall file without [rules] gets the default queue rules") {
    const HallDefinition hall = parsed_hall(kService + std::string(kWindow));
    CHECK(hall.rules == QueueRules{});
    CHECK(hall.rules.day_reset == 0);
    CHECK(hall.rules.max_recalls == 3);
    CHECK(hall.rules.no_show_requeue_after == 3);
    CHECK(hall.rules.no_show_abandon_after == 2);
    CHECK(hall.rules.one_waiting_ticket_per_id);
    CHECK(hall.rules.appointment_early_minutes == 30);
    CHECK(hall.rules.appointment_late_minutes == 15);
}

TEST_CASE("a hall file without [alerts] gets the default alert thresholds") {
    const HallDefinition hall = parsed_hall(kService + std::string(kWindow));
    CHECK(hall.alerts == AlertThresholds{});
    CHECK(hall.alerts.max_wait_minutes == 30);
    CHECK(hall.alerts.max_queue_length == 30);
    CHECK(hall.alerts.idle_window_minutes == 5);
}

TEST_CASE("an [alerts] table may set some thresholds and leave the others at their default") {
    const HallDefinition hall =
        parsed_hall("[alerts]\nmax_queue_length = 12\n" + kService + std::string(kWindow));
    CHECK(hall.alerts == AlertThresholds{.max_wait_minutes = 30,
                                         .max_queue_length = 12,
                                         .idle_window_minutes = 5});
}

TEST_CASE("a strategy naming only its kind keeps the default ratio and early margin") {
    const auto ratio = parsed_hall(hall_with_window("strategy = { kind = \"counted_ratio\" }\n"));
    CHECK(ratio.windows.front().strategy ==
          Strategy{.kind = StrategyKind::counted_ratio, .ratio_normal = 2, .ratio_priority = 1});
    const auto slot = parsed_hall(hall_with_window("strategy = { kind = \"appointment_slot\" }\n"));
    CHECK(slot.windows.front().strategy.early_minutes == 10);
}

// The strategy kind of a hall whose window states `kind = "<name>"`.
StrategyKind kind_named(std::string_view name) {
    const std::string line = "strategy = { kind = \"" + std::string(name) + "\" }\n";
    return parsed_hall(hall_with_window(line)).windows.front().strategy.kind;
}

TEST_CASE("every strategy kind is accepted by its name") {
    CHECK(kind_named("fifo") == StrategyKind::fifo);
    CHECK(kind_named("class_priority") == StrategyKind::class_priority);
    CHECK(kind_named("counted_ratio") == StrategyKind::counted_ratio);
    CHECK(kind_named("appointment_slot") == StrategyKind::appointment_slot);
    CHECK(kind_named("longest_wait") == StrategyKind::longest_wait);
    CHECK(kind_named("service_weight") == StrategyKind::service_weight);
}

TEST_CASE("a strategy may be written as a sub-table of its window") {
    const auto hall =
        parsed_hall(hall_with_window("[windows.strategy]\nkind = \"longest_wait\"\n"));
    CHECK(hall.windows.front().strategy.kind == StrategyKind::longest_wait);
}

TEST_CASE("24:00 is accepted as the end of a range") {
    const auto hall = parsed_hall(hall_with_service("issuing_hours = [\"00:00-24:00\"]\n"));
    CHECK(hall.services.front().issuing_hours ==
          std::vector<TimeRange>{{.start = 0, .end = 24 * kHour}});
}

TEST_CASE("ranges that only touch do not overlap") {
    const auto hall =
        parsed_hall(hall_with_service("issuing_hours = [\"12:00-13:00\", \"08:30-12:00\"]\n"
                                      "slot_quotas = [{ range = \"09:00-10:00\", quota = 5 },"
                                      " { range = \"10:00-11:00\", quota = 5 }]\n"));
    CHECK(hall.services.front().issuing_hours.size() == 2);
    CHECK(hall.services.front().slot_quotas.size() == 2);
}

TEST_CASE("two windows may share one display") {
    const auto hall = parsed_hall(kService +
                                  "[[windows]]\nid = \"1\"\nname = \"1号\"\nserves = [\"RE\"]\n"
                                  "display = \"screen-1\"\n"
                                  "[[windows]]\nid = \"2\"\nname = \"2号\"\nserves = [\"RE\"]\n"
                                  "display = \"screen-1\"\n");
    CHECK(hall.windows.at(0).display == "screen-1");
    CHECK(hall.windows.at(1).display == "screen-1");
}

TEST_CASE("a service that no window serves is accepted") {
    const auto hall = parsed_hall(kService +
                                  "[[services]]\ncode = \"TAX\"\nname_zh = \"税务\"\n"
                                  "name_en = \"Taxation\"\nprefix = \"B\"\n" +
                                  std::string(kWindow));
    CHECK(hall.services.size() == 2);
}

TEST_CASE("names are measured in characters, so 64 Chinese characters are accepted") {
    const std::string name = chinese_text(64);  // 192 bytes
    CHECK(parsed_hall(hall_of_service({.name_zh = name})).services.front().name_zh == name);
}

TEST_CASE("a line break is allowed in the materials text") {
    const auto hall = parsed_hall(hall_with_service("materials_zh = \"身份证\\n户口簿\"\n"));
    CHECK(hall.services.front().materials_zh == "身份证\n户口簿");
}

// ---------------------------------------------------------------------------------------------
// Structure: syntax, unknown and missing keys, wrong types.

TEST_CASE("the hall's name, the kiosk's groups and priority codes are read") {
    const auto hall =
        parsed_hall("[hall]\nname_zh = \"示例中心\"\nname_en = \"Demo centre\"\n" +
                    hall_with_service("group_zh = \"不动产\"\ngroup_en = \"Real estate\"\n"
                                      "materials_en = \"ID card\"\n") +
                    "[[priority_codes]]\ncode = \"2468\"\nclass = \"green\"\n"
                    "[[priority_codes]]\ncode = \"13579\"\nclass = \"vip\"\n");
    CHECK(hall.name_zh == "示例中心");
    CHECK(hall.name_en == "Demo centre");
    CHECK(hall.services.at(0).group_zh == "不动产");
    CHECK(hall.services.at(0).group_en == "Real estate");
    CHECK(hall.services.at(0).materials_en == "ID card");
    CHECK(hall.priority_codes ==
          std::vector<queue::PriorityCode>{{"2468", queue::TicketClass::green},
                                           {"13579", queue::TicketClass::vip}});
    CHECK(parsed_hall(hall_of_service({})).priority_codes.empty());
}

TEST_CASE("a priority code must be digits, of a priority class, and unique") {
    const auto codes = [](std::string_view lines) {
        return hall_of_service({}) + std::string(lines);
    };
    // Lines 1-9 are the hall; the codes start on line 10. The code is never echoed.
    check_error(
        only_hall_error_of(codes("[[priority_codes]]\ncode = \"24a8\"\nclass = \"green\"\n")), 11,
        8, "priority_codes[0].code", "expected 4 to 12 digits");
    check_error(
        only_hall_error_of(codes("[[priority_codes]]\ncode = \"2468\"\nclass = \"normal\"\n")), 12,
        9, "priority_codes[0].class", "expected one of green, vip, got \"normal\"");
    check_error(only_hall_error_of(codes("[[priority_codes]]\ncode = \"2468\"\nclass = \"green\"\n"
                                         "[[priority_codes]]\ncode = \"2468\"\nclass = \"vip\"\n")),
                14, 8, "priority_codes[1].code",
                "duplicate priority code (also priority_codes[0])");
}

TEST_CASE("the printed ticket's layout is read from [ticket]") {
    const auto hall = parsed_hall(
        "[ticket]\ncode = \"code128\"\nenglish = false\n"
        "notice_zh = \"过号请重新取号\"\nnotice_en = \"Missed? Take a new one\"\n" +
        hall_of_service({}));
    CHECK(hall.ticket == queue::TicketTemplate{.code = queue::TicketTemplate::Code::code128,
                                               .english = false,
                                               .notice_zh = "过号请重新取号",
                                               .notice_en = "Missed? Take a new one"});
    CHECK(parsed_hall(hall_of_service({})).ticket == queue::TicketTemplate{});
    check_error(only_hall_error_of("[ticket]\ncode = \"pdf417\"\n" + hall_of_service({})), 2, 8,
                "ticket.code", "expected one of qr, code128, none, got \"pdf417\"");
}

TEST_CASE("a group name is at most 32 characters") {
    const auto error =
        only_hall_error_of(hall_with_service("group_zh = \"" + chinese_text(33) + "\"\n"));
    check_error(error, 6, 12, "services[0].group_zh", "expected at most 32 characters, got 33");
}

TEST_CASE("a TOML syntax error is one error with its position and no key") {
    const ConfigError error = only_hall_error_of("[[services]\ncode = \"RE\"\n");
    CHECK(error.line == 1);
    CHECK(error.key.empty());
    CHECK_FALSE(error.message.empty());
}

TEST_CASE("an unknown key in a service close to a known one suggests it") {
    const ConfigError error = only_hall_error_of(hall_with_service("daily_qouta = 10\n"));
    check_error(error, 6, 1, "services[0].daily_qouta", "unknown key; did you mean 'daily_quota'?");
}

TEST_CASE("an unknown key in a window far from every known one lists the window's keys") {
    const ConfigError error = only_hall_error_of(hall_with_window("colour = \"red\"\n"));
    check_error(error, 10, 1, "windows[0].colour",
                "unknown key; a window has id, name, area, display, serves, strategy");
}

TEST_CASE("an unknown key in [rules] suggests the rule meant") {
    const ConfigError error = only_hall_error_of(hall_with_rules("max_recall = 2\n"));
    check_error(error, 2, 1, "rules.max_recall", "unknown key; did you mean 'max_recalls'?");
}

TEST_CASE("an unknown key in a strategy has the strategy's key path") {
    const ConfigError error =
        only_hall_error_of(hall_with_window("strategy = { kind = \"fifo\", knd = 1 }\n"));
    check_error(error, 10, 29, "windows[0].strategy.knd", "unknown key; did you mean 'kind'?");
}

TEST_CASE("an unknown key in a serves entry has the entry's key path") {
    const ConfigError error =
        only_hall_error_of(hall_serving("[{ service = \"RE\", wieght = 2 }]"));
    check_error(error, 9, 29, "windows[0].serves[0].wieght", "unknown key; did you mean 'weight'?");
}

TEST_CASE("a misspelt top-level array suggests the right one") {
    const ConfigError error =
        only_hall_error_of(kService + std::string(kWindow) + "[[window]]\nid = \"2\"\n");
    check_error(error, 10, 3, "window", "unknown key; did you mean 'windows'?");
}

TEST_CASE("a rule written above [rules] is pointed at its place") {
    const ConfigError error =
        only_hall_error_of("max_recalls = 2\n" + kService + std::string(kWindow));
    check_error(error, 1, 1, "max_recalls",
                "a rule outside [rules]; did you mean 'rules.max_recalls'?");
}

TEST_CASE("an unrelated top-level key lists what a hall file has") {
    const ConfigError error =
        only_hall_error_of("hall_name = \"x\"\n" + kService + std::string(kWindow));
    check_error(
        error, 1, 1, "hall_name",
        "unknown key; a hall file has [hall], [rules], [alerts], [[services]], [[windows]], "
        "[[priority_codes]] and [ticket]");
}

TEST_CASE("an alert threshold written outside [alerts] is pointed at its place") {
    const ConfigError error =
        only_hall_error_of("idle_window_minutes = 5\n" + kService + std::string(kWindow));
    check_error(error, 1, 1, "idle_window_minutes",
                "an alert threshold outside [alerts]; did you mean 'alerts.idle_window_minutes'?");
}

TEST_CASE("a misspelt [alerts] table suggests the right one") {
    const ConfigError error =
        only_hall_error_of("[alert]\nmax_wait_minutes = 5\n" + kService + std::string(kWindow));
    check_error(error, 1, 2, "alert", "unknown key; did you mean 'alerts'?");
}

TEST_CASE("an unknown key in [alerts] suggests the threshold meant") {
    const ConfigError error =
        only_hall_error_of("[alerts]\nmax_wait_minute = 5\n" + kService + std::string(kWindow));
    check_error(error, 2, 1, "alerts.max_wait_minute",
                "unknown key; did you mean 'max_wait_minutes'?");
}

TEST_CASE("an unknown key in [alerts] far from every threshold lists them") {
    const ConfigError error =
        only_hall_error_of("[alerts]\nsms = true\n" + kService + std::string(kWindow));
    check_error(error, 2, 1, "alerts.sms",
                "unknown key; [alerts] has max_wait_minutes, max_queue_length, "
                "idle_window_minutes");
}

TEST_CASE("alerts must be a table and its thresholds integers") {
    check_error(only_hall_error_of("alerts = 5\n" + kService + std::string(kWindow)), 1, 10,
                "alerts", "expected a table, got an integer");
    check_error(only_hall_error_of("[alerts]\nmax_queue_length = \"20\"\n" + kService +
                                   std::string(kWindow)),
                2, 20, "alerts.max_queue_length", "expected an integer, got a string");
}

TEST_CASE("each missing required key of a service is reported at the service's header") {
    const ConfigErrors errors =
        hall_errors_of("[[services]]\nname_zh = \"税务\"\n" + std::string(kWindow));
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 4);  // code, name_en, prefix; and the window's now unknown "RE"
    check_error(errors[0], 1, 1, "services[0].code", "missing; this key is required");
    check_error(errors[1], 1, 1, "services[0].name_en", "missing; this key is required");
    check_error(errors[2], 1, 1, "services[0].prefix", "missing; this key is required");
    check_error(errors[3], 6, 11, "windows[0].serves[0]",
                "unknown service 'RE' (defined: none valid)");
}

TEST_CASE("a window without serves is reported at its header") {
    const ConfigError error =
        only_hall_error_of(kService + "[[windows]]\nid = \"1\"\nname = \"1号\"\n");
    check_error(error, 6, 1, "windows[0].serves", "missing; this key is required");
}

TEST_CASE("a slot quota without its range is reported at its opening brace") {
    const ConfigError error =
        only_hall_error_of(hall_with_service("slot_quotas = [{ quota = 5 }]\n"));
    check_error(error, 6, 16, "services[0].slot_quotas[0].range", "missing; this key is required");
}

TEST_CASE("a strategy without its kind is an error") {
    const ConfigError error =
        only_hall_error_of(hall_with_window("strategy = { ratio_normal = 2 }\n"));
    check_error(error, 10, 12, "windows[0].strategy.kind", "missing; this key is required");
}

TEST_CASE("a file without services and windows is two errors without a position") {
    const ConfigErrors errors = hall_errors_of("[rules]\nmax_recalls = 2\n");
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 2);
    check_error(errors[0], 0, 0, "services",
                "missing; a hall needs at least one service ([[services]])");
    check_error(errors[1], 0, 0, "windows",
                "missing; a hall needs at least one window ([[windows]])");
    CHECK(errors[0].to_string() ==
          "test.toml: key 'services': missing; a hall needs at least one service ([[services]])");
}

TEST_CASE("an empty services array is an error at the array") {
    const ConfigError error = only_hall_error_of("services = []\n" + std::string(kWindow));
    // The window's service is not reported as unknown: there is no catalogue to check against.
    check_error(error, 1, 12, "services", "expected at least one service");
}

TEST_CASE("services written as a single table is a type error") {
    const ConfigError error =
        only_hall_error_of("[services]\ncode = \"RE\"\n" + std::string(kWindow));
    check_error(error, 1, 1, "services", "expected an array of tables ([[services]]), got a table");
}

TEST_CASE("a value of the wrong type names the type expected and the type found") {
    const ConfigError error = only_hall_error_of(hall_with_service("number_width = \"3\"\n"));
    check_error(error, 6, 16, "services[0].number_width", "expected an integer, got a string");
}

TEST_CASE("a rule flag must be a boolean") {
    const ConfigError error =
        only_hall_error_of(hall_with_rules("one_waiting_ticket_per_id = 1\n"));
    check_error(error, 2, 29, "rules.one_waiting_ticket_per_id",
                "expected a boolean (true or false), got an integer");
}

TEST_CASE("a strategy written as a string is a type error") {
    const ConfigError error = only_hall_error_of(hall_with_window("strategy = \"fifo\"\n"));
    check_error(error, 10, 12, "windows[0].strategy", "expected a table, got a string");
}

// ---------------------------------------------------------------------------------------------
// Values out of their range.

TEST_CASE("every integer rule accepts its bounds and rejects the values just outside") {
    struct Bound {
        std::string_view key;
        int min;
        int max;
    };
    const std::array<Bound, 5> bounds{{
        {"max_recalls", 0, 10},
        {"no_show_requeue_after", 0, 50},
        {"no_show_abandon_after", 1, 10},
        {"appointment_early_minutes", 0, 240},
        {"appointment_late_minutes", 0, 240},
    }};
    for (const auto& [key, min, max] : bounds) {
        INFO(key);
        const auto line = [&](int value) {
            return std::string(key) + " = " + std::to_string(value) + "\n";
        };
        CHECK(parse_hall(hall_with_rules(line(min)), "test.toml").has_value());
        CHECK(parse_hall(hall_with_rules(line(max)), "test.toml").has_value());
        const std::string expected =
            "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
        check_error(only_hall_error_of(hall_with_rules(line(min - 1))), 2,
                    static_cast<std::uint32_t>(key.size() + 4), "rules." + std::string(key),
                    expected + ", got " + std::to_string(min - 1));
        check_error(only_hall_error_of(hall_with_rules(line(max + 1))), 2,
                    static_cast<std::uint32_t>(key.size() + 4), "rules." + std::string(key),
                    expected + ", got " + std::to_string(max + 1));
    }
}

TEST_CASE("every alert threshold accepts its bounds and rejects the values just outside") {
    struct Bound {
        std::string_view key;
        int max;
    };
    const std::array<Bound, 3> bounds{{
        {"max_wait_minutes", 1440},
        {"max_queue_length", 100000},
        {"idle_window_minutes", 1440},
    }};
    for (const auto& [key, max] : bounds) {
        INFO(key);
        const auto hall = [&](int value) {
            return "[alerts]\n" + std::string(key) + " = " + std::to_string(value) + "\n" +
                   kService + std::string(kWindow);
        };
        CHECK(parse_hall(hall(0), "test.toml").has_value());
        CHECK(parse_hall(hall(max), "test.toml").has_value());
        const std::string expected = "expected an integer from 0 to " + std::to_string(max);
        const auto column = static_cast<std::uint32_t>(key.size() + 4);
        check_error(only_hall_error_of(hall(-1)), 2, column, "alerts." + std::string(key),
                    expected + ", got -1");
        check_error(only_hall_error_of(hall(max + 1)), 2, column, "alerts." + std::string(key),
                    expected + ", got " + std::to_string(max + 1));
    }
}

TEST_CASE("day_reset accepts 23:59 and rejects 24:00") {
    CHECK(parsed_hall(hall_with_rules("day_reset = \"23:59\"\n")).rules.day_reset == 1439);
    const ConfigError error = only_hall_error_of(hall_with_rules("day_reset = \"24:00\"\n"));
    check_error(error, 2, 13, "rules.day_reset",
                "expected a time of day \"HH:MM\" from 00:00 to 23:59, got \"24:00\"");
}

TEST_CASE("day_reset rejects a time without leading zero") {
    const ConfigError error = only_hall_error_of(hall_with_rules("day_reset = \"3:00\"\n"));
    CHECK(error.message == "expected a time of day \"HH:MM\" from 00:00 to 23:59, got \"3:00\"");
}

TEST_CASE("a service code accepts 32 characters of its alphabet") {
    const std::string code = "Ab_-" + std::string(28, '9');
    const auto hall =
        parsed_hall(service_lines({.code = code}) +
                    "[[windows]]\nid = \"1\"\nname = \"1号\"\nserves = [\"" + code + "\"]\n");
    CHECK(hall.services.front().code == code);
}

TEST_CASE("a service code rejects 33 characters") {
    const std::string code(33, 'R');
    const ConfigErrors errors = hall_errors_of(hall_of_service({.code = code}));
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 2);  // and the window's "RE" is now unknown
    check_error(
        errors[0], 2, 8, "services[0].code",
        "expected 1 to 32 characters from A-Z, a-z, 0-9, '_' and '-', got \"" + code + "\"");
}

TEST_CASE("a service code rejects a space") {
    const ConfigErrors errors = hall_errors_of(hall_of_service({.code = "R E"}));
    check_error(errors.front(), 2, 8, "services[0].code",
                "expected 1 to 32 characters from A-Z, a-z, 0-9, '_' and '-', got \"R E\"");
}

TEST_CASE("a prefix of two uppercase letters is accepted") {
    CHECK(parsed_hall(hall_of_service({.prefix = "ZZ"})).services.front().prefix == "ZZ");
}

TEST_CASE("a prefix rejects lowercase letters, digits, three letters and nothing") {
    for (const std::string_view prefix : {"a", "ABC", "A1", ""}) {
        INFO(prefix);
        const ConfigError error = only_hall_error_of(hall_of_service({.prefix = prefix}));
        check_error(error, 5, 10, "services[0].prefix",
                    "expected 1 or 2 uppercase letters A-Z, got \"" + std::string(prefix) + "\"");
    }
}

TEST_CASE("number_width accepts 2 to 5 digits") {
    CHECK(parsed_hall(hall_with_service("number_width = 2\n")).services.front().number_width == 2);
    CHECK(parsed_hall(hall_with_service("number_width = 5\n")).services.front().number_width == 5);
    check_error(only_hall_error_of(hall_with_service("number_width = 1\n")), 6, 16,
                "services[0].number_width", "expected an integer from 2 to 5, got 1");
    check_error(only_hall_error_of(hall_with_service("number_width = 6\n")), 6, 16,
                "services[0].number_width", "expected an integer from 2 to 5, got 6");
}

TEST_CASE("daily_quota accepts 0 to 100000") {
    CHECK(parsed_hall(hall_with_service("daily_quota = 100000\n")).services.front().daily_quota ==
          100000);
    check_error(only_hall_error_of(hall_with_service("daily_quota = 100001\n")), 6, 15,
                "services[0].daily_quota", "expected an integer from 0 to 100000, got 100001");
    check_error(only_hall_error_of(hall_with_service("daily_quota = -1\n")), 6, 15,
                "services[0].daily_quota", "expected an integer from 0 to 100000, got -1");
}

TEST_CASE("a Chinese name of 65 characters is too long") {
    const ConfigError error = only_hall_error_of(hall_of_service({.name_zh = chinese_text(65)}));
    check_error(error, 3, 11, "services[0].name_zh", "expected 1 to 64 characters, got 65");
}

TEST_CASE("a window name must not be empty") {
    const ConfigError error = only_hall_error_of(kService +
                                                 "[[windows]]\nid = \"1\"\nname = \"\"\n"
                                                 "serves = [\"RE\"]\n");
    check_error(error, 8, 8, "windows[0].name", "expected 1 to 32 characters, got 0");
}

TEST_CASE("the materials text accepts 500 bytes and rejects 501") {
    const std::string fits(500, 'x');
    CHECK(parsed_hall(hall_with_service("materials_zh = \"" + fits + "\"\n"))
              .services.front()
              .materials_zh == fits);
    const ConfigError error =
        only_hall_error_of(hall_with_service("materials_zh = \"" + fits + "y\"\n"));
    check_error(error, 6, 16, "services[0].materials_zh", "expected at most 500 bytes, got 501");
}

TEST_CASE("the direction text rejects 201 bytes") {
    const ConfigError error =
        only_hall_error_of(hall_with_service("direction_zh = \"" + std::string(201, 'x') + "\"\n"));
    check_error(error, 6, 16, "services[0].direction_zh", "expected at most 200 bytes, got 201");
}

TEST_CASE("text with a control character is rejected and shown escaped") {
    const ConfigError error =
        only_hall_error_of(hall_with_service("direction_zh = \"一楼\\u001b[2J\"\n"));
    check_error(error, 6, 16, "services[0].direction_zh",
                "expected text without control characters, got \"一楼\\x1b[2J\"");
}

TEST_CASE("a name with a bidi override is rejected") {
    const ConfigError error = only_hall_error_of(hall_of_service({.name_en = "\\u202eReal"}));
    check_error(error, 4, 11, "services[0].name_en",
                "expected text without control characters, got \"\\u{202e}Real\"");
}

TEST_CASE("an issuing range must be written HH:MM-HH:MM") {
    for (const std::string_view range :
         {"8:30-12:00", "08:30 - 12:00", "08:60-09:00", "24:00-24:00", "08:30-24:01", "08:30"}) {
        INFO(range);
        const ConfigError error = only_hall_error_of(
            hall_with_service("issuing_hours = [\"" + std::string(range) + "\"]\n"));
        check_error(error, 6, 18, "services[0].issuing_hours[0]",
                    "expected a time range \"HH:MM-HH:MM\" such as \"08:30-12:00\" (24:00 is "
                    "allowed as an end), got \"" +
                        std::string(range) + "\"");
    }
}

TEST_CASE("an issuing range must start before it ends") {
    const ConfigError error = only_hall_error_of(
        hall_with_service("issuing_hours = [\"08:30-12:00\", \"17:00-13:30\"]\n"));
    check_error(error, 6, 33, "services[0].issuing_hours[1]",
                "expected the start before the end (a range cannot cross midnight), got "
                "\"17:00-13:30\"");
}

TEST_CASE("overlapping issuing ranges are reported at the later one") {
    const ConfigError error = only_hall_error_of(
        hall_with_service("issuing_hours = [\"08:30-12:00\", \"11:30-13:00\"]\n"));
    check_error(error, 6, 33, "services[0].issuing_hours[1]",
                "overlaps issuing_hours[0] (08:30-12:00)");
}

TEST_CASE("an empty issuing_hours list is an error rather than all day") {
    const ConfigError error = only_hall_error_of(hall_with_service("issuing_hours = []\n"));
    check_error(error, 6, 17, "services[0].issuing_hours",
                "expected at least one time range; leave the key out to issue tickets all day");
}

TEST_CASE("more than 24 issuing ranges are refused") {
    std::string list = "issuing_hours = [";
    for (int i = 0; i < 25; ++i) {
        list += i == 0 ? "\"00:00-00:01\"" : ", \"00:00-00:01\"";
    }
    const ConfigError error = only_hall_error_of(hall_with_service(list + "]\n"));
    check_error(error, 6, 17, "services[0].issuing_hours", "expected at most 24 entries, got 25");
}

TEST_CASE("a slot quota must be at least 1") {
    const ConfigError error = only_hall_error_of(
        hall_with_service("slot_quotas = [{ range = \"08:30-10:00\", quota = 0 }]\n"));
    check_error(error, 6, 49, "services[0].slot_quotas[0].quota",
                "expected an integer from 1 to 100000, got 0");
}

TEST_CASE("a slot quota's range follows the rules of every range") {
    const ConfigError error = only_hall_error_of(
        hall_with_service("slot_quotas = [{ range = \"10:00-08:30\", quota = 5 }]\n"));
    check_error(error, 6, 26, "services[0].slot_quotas[0].range",
                "expected the start before the end (a range cannot cross midnight), got "
                "\"10:00-08:30\"");
}

TEST_CASE("overlapping slot quotas are reported at the later one") {
    const ConfigError error =
        only_hall_error_of(hall_with_service("slot_quotas = [\n"
                                             "  { range = \"08:30-10:00\", quota = 5 },\n"
                                             "  { range = \"09:30-11:00\", quota = 5 },\n"
                                             "]\n"));
    check_error(error, 8, 13, "services[0].slot_quotas[1].range",
                "overlaps slot_quotas[0] (08:30-10:00)");
}

TEST_CASE("a slot quota entry must be a table") {
    const ConfigError error =
        only_hall_error_of(hall_with_service("slot_quotas = [\"08:30-10:00\"]\n"));
    check_error(error, 6, 16, "services[0].slot_quotas[0]", "expected a table, got a string");
}

TEST_CASE("a window id rejects 17 characters") {
    const std::string id(17, '7');
    const ConfigError error = only_hall_error_of(kService + "[[windows]]\nid = \"" + id +
                                                 "\"\nname = \"1号\"\nserves = [\"RE\"]\n");
    check_error(error, 7, 6, "windows[0].id",
                "expected 1 to 16 characters from A-Z, a-z, 0-9, '_' and '-', got \"" + id + "\"");
}

TEST_CASE("a display name follows the identifier rule") {
    const ConfigError error = only_hall_error_of(hall_with_window("display = \"screen 1\"\n"));
    check_error(error, 10, 11, "windows[0].display",
                "expected 1 to 32 characters from A-Z, a-z, 0-9, '_' and '-', got \"screen 1\"");
}

TEST_CASE("a serves weight accepts 1 to 100") {
    const auto hall = parsed_hall(hall_serving("[{ service = \"RE\", weight = 100 }]"));
    CHECK(hall.windows.front().serves.front().weight == 100);
    check_error(only_hall_error_of(hall_serving("[{ service = \"RE\", weight = 0 }]")), 9, 38,
                "windows[0].serves[0].weight", "expected an integer from 1 to 100, got 0");
    check_error(only_hall_error_of(hall_serving("[{ service = \"RE\", weight = 101 }]")), 9, 38,
                "windows[0].serves[0].weight", "expected an integer from 1 to 100, got 101");
}

TEST_CASE("a serves entry is a code or a table") {
    const ConfigError error = only_hall_error_of(hall_serving("[\"RE\", 2]"));
    check_error(error, 9, 17, "windows[0].serves[1]",
                "expected a service code or a table { service = \"CODE\", weight = N }, got an "
                "integer");
}

TEST_CASE("serves must list at least one service") {
    const ConfigError error = only_hall_error_of(hall_serving("[]"));
    check_error(error, 9, 10, "windows[0].serves", "expected at least one service code");
}

TEST_CASE("serves must be an array") {
    const ConfigError error = only_hall_error_of(hall_serving("\"RE\""));
    check_error(error, 9, 10, "windows[0].serves",
                "expected an array of service codes, got a string");
}

TEST_CASE("a service listed twice by one window is reported at the second") {
    const ConfigError error = only_hall_error_of(hall_serving("[\"RE\", { service = \"RE\" }]"));
    check_error(error, 9, 29, "windows[0].serves[1].service",
                "service 'RE' is listed twice (also serves[0])");
}

TEST_CASE("an unknown strategy kind lists the kinds") {
    const ConfigError error =
        only_hall_error_of(hall_with_window("strategy = { kind = \"ratio\" }\n"));
    check_error(error, 10, 21, "windows[0].strategy.kind",
                "expected one of fifo, class_priority, counted_ratio, appointment_slot, "
                "longest_wait, service_weight, got \"ratio\"");
}

TEST_CASE("a ratio given to a strategy of another kind is an error") {
    const ConfigError error = only_hall_error_of(
        hall_with_window("strategy = { kind = \"fifo\", ratio_priority = 2 }\n"));
    check_error(error, 10, 46, "windows[0].strategy.ratio_priority",
                "applies only to kind = \"counted_ratio\", not \"fifo\"");
}

TEST_CASE("an early margin given to a counted_ratio strategy is an error") {
    const ConfigError error = only_hall_error_of(
        hall_with_window("strategy = { kind = \"counted_ratio\", early_minutes = 5 }\n"));
    check_error(error, 10, 54, "windows[0].strategy.early_minutes",
                "applies only to kind = \"appointment_slot\", not \"counted_ratio\"");
}

TEST_CASE("strategy numbers are checked against their ranges") {
    check_error(
        only_hall_error_of(
            hall_with_window("strategy = { kind = \"counted_ratio\", ratio_normal = 21 }\n")),
        10, 53, "windows[0].strategy.ratio_normal", "expected an integer from 1 to 20, got 21");
    check_error(
        only_hall_error_of(
            hall_with_window("strategy = { kind = \"counted_ratio\", ratio_priority = 0 }\n")),
        10, 55, "windows[0].strategy.ratio_priority", "expected an integer from 1 to 20, got 0");
    check_error(
        only_hall_error_of(
            hall_with_window("strategy = { kind = \"appointment_slot\", early_minutes = 121 }\n")),
        10, 57, "windows[0].strategy.early_minutes", "expected an integer from 0 to 120, got 121");
}

// ---------------------------------------------------------------------------------------------
// Cross-references between services and windows.

constexpr std::string_view kThreeServices =
    "[[services]]\ncode = \"RE\"\nname_zh = \"不动产登记\"\nname_en = \"Real estate\"\n"
    "prefix = \"A\"\n"
    "[[services]]\ncode = \"TAX\"\nname_zh = \"税务\"\nname_en = \"Taxation\"\nprefix = \"B\"\n"
    "[[services]]\ncode = \"SOC\"\nname_zh = \"社保\"\nname_en = \"Social insurance\"\n"
    "prefix = \"C\"\n";

TEST_CASE("a window serving an undefined service names the defined ones") {
    const ConfigError error = only_hall_error_of(
        std::string(kThreeServices) +
        "[[windows]]\nid = \"1\"\nname = \"1号\"\nserves = [\"RE\"]\n"    // lines 16-19
        "[[windows]]\nid = \"2\"\nname = \"2号\"\nserves = [\"TAX\"]\n"   // lines 20-23
        "[[windows]]\nid = \"3\"\nname = \"3号\"\nserves = [\"RX\"]\n");  // lines 24-27
    check_error(error, 27, 11, "windows[2].serves[0]",
                "unknown service 'RX' (defined: RE, TAX, SOC)");
    CHECK(error.to_string() ==
          "test.toml:27:11: key 'windows[2].serves[0]': unknown service 'RX' (defined: RE, TAX, "
          "SOC)");
}

TEST_CASE("an undefined service in a weighted entry is reported at its service key") {
    const ConfigError error =
        only_hall_error_of(hall_serving("[{ service = \"TAX\", weight = 2 }]"));
    check_error(error, 9, 23, "windows[0].serves[0].service",
                "unknown service 'TAX' (defined: RE)");
}

TEST_CASE("references are case-sensitive") {
    const ConfigError error = only_hall_error_of(hall_serving("[\"re\"]"));
    check_error(error, 9, 11, "windows[0].serves[0]", "unknown service 're' (defined: RE)");
}

TEST_CASE("an unknown service name is shown escaped") {
    const ConfigError error = only_hall_error_of(hall_serving("[\"R\\u001bE\"]"));
    CHECK(error.message == "unknown service 'R\\x1bE' (defined: RE)");
}

TEST_CASE("the list of defined services is cut after twelve codes") {
    std::string text;
    for (int i = 0; i < 14; ++i) {
        const std::string code = "S" + std::to_string(i);
        const std::string prefix(1, static_cast<char>('A' + i));
        text += service_lines({.code = code, .prefix = prefix});
    }
    text += "[[windows]]\nid = \"1\"\nname = \"1号\"\nserves = [\"S99\"]\n";
    const ConfigError error = only_hall_error_of(text);
    CHECK(error.message ==
          "unknown service 'S99' (defined: S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, ... "
          "(14 in all))");
}

TEST_CASE("a window naming a malformed service code is reported only at the service") {
    const ConfigError error =
        only_hall_error_of(service_lines({.code = "R E"}) +
                           "[[windows]]\nid = \"1\"\nname = \"1号\"\nserves = [\"R E\"]\n");
    CHECK(error.key == "services[0].code");
}

TEST_CASE("a misspelt services array does not make every reference unknown") {
    std::string text = kService + std::string(kWindow);
    text.replace(2, 8, "servces");  // [[servces]]
    const ConfigErrors errors = hall_errors_of(text);
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 2);
    check_error(errors[0], 0, 0, "services",
                "missing; a hall needs at least one service ([[services]])");
    check_error(errors[1], 1, 3, "servces", "unknown key; did you mean 'services'?");
}

TEST_CASE("a duplicate service code is reported at the second service") {
    const ConfigError error = only_hall_error_of(
        kService + service_lines({.code = "RE", .prefix = "B"}) + std::string(kWindow));
    check_error(error, 7, 8, "services[1].code", "duplicate service code 'RE' (also services[0])");
}

TEST_CASE("a prefix used by two services is reported at the second") {
    const ConfigError error = only_hall_error_of(
        kService + service_lines({.code = "TAX", .prefix = "A"}) + std::string(kWindow));
    check_error(error, 10, 10, "services[1].prefix", "prefix 'A' is already used by services[0]");
}

TEST_CASE("a duplicate window id is reported at the second window") {
    const ConfigError error =
        only_hall_error_of(kService + std::string(kWindow) + std::string(kWindow));
    check_error(error, 11, 6, "windows[1].id", "duplicate window id '1' (also windows[0])");
}

TEST_CASE("a third window on one display is an error") {
    std::string text = kService;
    for (int i = 1; i <= 4; ++i) {
        text += "[[windows]]\nid = \"" + std::to_string(i) +
                "\"\nname = \"窗口\"\nserves = [\"RE\"]\ndisplay = \"screen-1\"\n";
    }
    const ConfigErrors errors = hall_errors_of(text);
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 2);
    check_error(errors[0], 20, 11, "windows[2].display",
                "display 'screen-1' is already shared by windows[0] and windows[1]; at most 2 "
                "windows may share a display");
    check_error(errors[1], 25, 11, "windows[3].display",
                "display 'screen-1' is already shared by windows[0] and windows[1]; at most 2 "
                "windows may share a display");
}

// ---------------------------------------------------------------------------------------------
// Several problems at once.

TEST_CASE("every problem of a file is reported in one pass, in file order") {
    const ConfigErrors errors = hall_errors_of(R"([rules]
max_recalls = 11
day_reset = "7:00"

[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate"
prefix = "A"
number_width = 9

[[services]]
code = "RE"
name_zh = "税务"
name_en = "Taxation"
prefix = "a"

[[windows]]
id = "1"
name = "1号窗口"
serves = ["RE", "TAXX"]
strategy = { kind = "fifo", early_minutes = 5 }
colour = "blue"
)");
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 8);
    CHECK(errors[0].key == "rules.max_recalls");
    CHECK(errors[0].line == 2);
    CHECK(errors[1].key == "rules.day_reset");
    CHECK(errors[1].line == 3);
    CHECK(errors[2].key == "services[0].number_width");
    CHECK(errors[2].line == 10);
    CHECK(errors[3].key == "services[1].code");
    CHECK(errors[3].line == 13);
    CHECK(errors[4].key == "services[1].prefix");
    CHECK(errors[4].line == 16);
    CHECK(errors[5].key == "windows[0].serves[1]");
    CHECK(errors[5].line == 21);
    CHECK(errors[6].key == "windows[0].strategy.early_minutes");
    CHECK(errors[6].line == 22);
    CHECK(errors[7].key == "windows[0].colour");
    CHECK(errors[7].line == 23);
}

// ---------------------------------------------------------------------------------------------
// Reading the file.

TEST_CASE("load_hall_file reads and validates a hall file") {
    const TempDir dir;
    write_file(dir / "hall.toml", kService + std::string(kWindow));
    const auto result = load_hall_file(dir / "hall.toml");
    REQUIRE(result.has_value());
    CHECK(result->services.front().code == "RE");
}

TEST_CASE("load_hall_file names the file in the errors of its content") {
    const TempDir dir;
    const auto file = dir / "hall.toml";
    write_file(file, hall_serving("[\"RX\"]"));
    const auto result = load_hall_file(file);
    REQUIRE_FALSE(result.has_value());
    REQUIRE(result.error().size() == 1);
    CHECK(result.error().front().to_string() ==
          file.string() + ":9:11: key 'windows[0].serves[0]': unknown service 'RX' (defined: RE)");
}

TEST_CASE("a missing hall file is one error at line 0 saying why") {
    const TempDir dir;
    const auto result = load_hall_file(dir / "absent.toml");
    REQUIRE_FALSE(result.has_value());
    REQUIRE(result.error().size() == 1);
    CHECK(result.error().front().line == 0);
    CHECK(result.error().front().message == "cannot open the hall file: No such file or directory");
}

TEST_CASE("a directory is refused as a hall file") {
    const TempDir dir;
    const auto result = load_hall_file(dir.path());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().front().message == "is a directory, not a hall file");
}

TEST_CASE("a hall file larger than 1 MiB is refused without parsing") {
    const TempDir dir;
    write_file(dir / "big.toml", std::string(std::size_t{1024} * 1024 + 1, '#'));
    const auto result = load_hall_file(dir / "big.toml");
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().front().message ==
          "the file has more than 1048576 bytes (1048577); a hall file is a few pages, is this "
          "the right file?");
}

// ---------------------------------------------------------------------------------------------
// The demo hall.

const std::filesystem::path kDemoFile =
    std::filesystem::path(HK_SOURCE_DIR) / "packaging" / "demo-hall.toml";

TEST_CASE("the shipped demo hall file and the embedded demo hall define the same hall") {
    const auto loaded = load_hall_file(kDemoFile);
    if (!loaded) {
        FAIL("unexpected errors:\n" << test::describe(loaded.error()));
    }
    CHECK(*loaded == demo_hall());
}

TEST_CASE("the demo hall writes out the default alert thresholds") {
    CHECK(demo_hall().alerts == AlertThresholds{});
}

TEST_CASE("the embedded demo hall is parsed once") {
    CHECK(&demo_hall() == &demo_hall());
}

TEST_CASE("the demo hall has five services with Chinese and English names and own prefixes") {
    const HallDefinition& hall = demo_hall();
    REQUIRE(hall.services.size() == 5);
    std::set<std::string> prefixes;
    for (const ServiceItem& service : hall.services) {
        INFO(service.code);
        CHECK_FALSE(service.name_zh.empty());
        CHECK_FALSE(service.name_en.empty());
        CHECK(service.issuing_hours ==
              std::vector<TimeRange>{{.start = 8 * kHour + 30, .end = 12 * kHour},
                                     {.start = 13 * kHour + 30, .end = 17 * kHour + 30}});
        prefixes.insert(service.prefix);
    }
    CHECK(prefixes.size() == 5);
}

TEST_CASE("the demo hall mixes weighted, green-channel and appointment windows") {
    const HallDefinition& hall = demo_hall();
    const auto has_kind = [&](StrategyKind kind) {
        return std::ranges::any_of(
            hall.windows, [&](const Window& window) { return window.strategy.kind == kind; });
    };
    CHECK(hall.windows.size() == 5);
    CHECK(has_kind(StrategyKind::service_weight));
    CHECK(has_kind(StrategyKind::counted_ratio));
    CHECK(has_kind(StrategyKind::appointment_slot));
    const Window& comprehensive = hall.windows.front();
    CHECK(comprehensive.serves.size() >= 3);
    CHECK(std::ranges::any_of(comprehensive.serves,
                              [](const WindowServes& serves) { return serves.weight > 1; }));
}

TEST_CASE("two demo windows share one display") {
    const HallDefinition& hall = demo_hall();
    std::map<std::string, int> users;
    for (const Window& window : hall.windows) {
        if (!window.display.empty()) {
            ++users[window.display];
        }
    }
    CHECK(std::ranges::count(users | std::views::values, 2) == 1);
}

TEST_CASE("every demo service is served by at least one window") {
    const HallDefinition& hall = demo_hall();
    for (const ServiceItem& service : hall.services) {
        INFO(service.code);
        CHECK(std::ranges::any_of(hall.windows, [&](const Window& window) {
            return std::ranges::any_of(window.serves, [&](const WindowServes& serves) {
                return serves.service == service.code;
            });
        }));
    }
}

TEST_CASE("the demo hall shows daily and per-session quotas") {
    const HallDefinition& hall = demo_hall();
    CHECK(std::ranges::any_of(hall.services,
                              [](const ServiceItem& service) { return service.daily_quota > 0; }));
    CHECK(std::ranges::any_of(
        hall.services, [](const ServiceItem& service) { return !service.slot_quotas.empty(); }));
}

}  // namespace
}  // namespace hk::config

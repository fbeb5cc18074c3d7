// Rendering of daemon answers for people: see format.hpp.
#include "daemon/hallctl/format.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace hk::hallctl {
namespace {

using nlohmann::json;

constexpr std::string_view kUnknown = "?";
constexpr std::size_t kLabelWidth = 11;

std::string row(std::string_view label, std::string_view value) {
    return fmt::format("{:<{}}{}\n", label, kLabelWidth, value);
}

std::string headline(const json& result) {
    auto line = "hallkeeperd " + text_of(result, "version");
    const auto* node = member(result, "node");
    if (node == nullptr || !node->is_object()) {
        return line;
    }
    line += " \u2014 node " + text_of(*node, "id");
    if (member(*node, "role") != nullptr) {
        line += " (" + text_of(*node, "role") + ")";
    }
    if (member(*node, "hall") != nullptr) {
        line += " in hall " + text_of(*node, "hall");
    }
    return line;
}

std::string store_summary(const json& result) {
    const auto* store = member(result, "store");
    if (store == nullptr || !store->is_object()) {
        return std::string(kUnknown);
    }
    auto summary = text_of(*store, "path");
    if (const auto size = count_of(*store, "size_bytes")) {
        summary += ", " + format_size(*size);
    }
    if (const auto schema = count_of(*store, "schema_version")) {
        summary += ", schema " + std::to_string(*schema);
    }
    return summary;
}

std::string last_stop(const json& result) {
    const auto* previous = member(result, "previous_run");
    if (previous != nullptr && previous->is_null()) {
        return "none (first run)";
    }
    const auto* clean = previous == nullptr ? nullptr : member(*previous, "clean");
    if (clean == nullptr || !clean->is_boolean()) {
        return std::string(kUnknown);
    }
    return clean->get<bool>() ? "clean" : "unclean (crashed or killed)";
}

std::string optional_count(std::optional<std::uint64_t> value) {
    return value ? std::to_string(*value) : std::string(kUnknown);
}

std::optional<std::int64_t> integer_of(const json& object, std::string_view key) {
    const auto* value = member(object, key);
    if (value == nullptr || !value->is_number_integer()) {
        return std::nullopt;
    }
    return value->get<std::int64_t>();
}

// A count or duration the daemon sent: a non-negative integer, however the JSON stores it.
std::optional<std::uint64_t> natural(const json& value) {
    if (!value.is_number_integer() ||
        (!value.is_number_unsigned() && value.get<std::int64_t>() < 0)) {
        return std::nullopt;
    }
    return value.get<std::uint64_t>();
}

std::optional<std::uint64_t> natural_of(const json& object, std::string_view key) {
    const auto* value = member(object, key);
    return value == nullptr ? std::nullopt : natural(*value);
}

bool flag_of(const json& object, std::string_view key) {
    const auto* value = member(object, key);
    return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The status's alerts line: how many, and where to see them.
std::string alerts_summary(const json& queue) {
    const auto* alerts = member(queue, "alerts");
    if (alerts == nullptr || !alerts->is_array()) {
        return std::string(kUnknown);
    }
    if (alerts->empty()) {
        return "none";
    }
    return fmt::format("{} (hallctl alerts)", alerts->size());
}

// A line below a call in `explain`, indented under it.
std::string call_detail(std::string_view label, std::string_view value) {
    return fmt::format("     {:<7}{}\n", label, value);
}

// A time of the "explain" answer: in hall time when the answer gives the hall's offset.
std::string explain_time(const json& result, std::int64_t unix_ms) {
    const auto offset = integer_of(result, "utc_offset_minutes");
    constexpr std::int64_t kMaxOffsetMinutes = std::int64_t{24} * 60;
    if (!offset || *offset <= -kMaxOffsetMinutes || *offset >= kMaxOffsetMinutes) {
        return format_time(unix_ms);
    }
    return format_hall_time(unix_ms, static_cast<int>(*offset));
}

std::string render_call(const json& result, std::size_t number, const json& call) {
    const auto at = integer_of(call, "at_ms");
    const bool chosen = flag_of(call, "specific");
    std::string out =
        fmt::format("  {}  {}  window {}  {}\n", number,
                    at ? explain_time(result, *at) : std::string(kUnknown), text_of(call, "window"),
                    chosen ? std::string("chosen by the officer (选呼/回呼)")
                           : "strategy " + text_of(call, "strategy"));
    if (chosen) {
        out += call_detail("reason", text_of(call, "reason"));
    }
    if (member(call, "rule") != nullptr) {
        out += call_detail("rule", text_of(call, "rule"));
    }
    if (!chosen) {
        std::vector<std::string> beaten;
        if (const auto* list = member(call, "beaten"); list != nullptr && list->is_array()) {
            for (const auto& number_beaten : *list) {
                beaten.push_back(number_beaten.is_string()
                                     ? printable(number_beaten.get_ref<const std::string&>())
                                     : std::string(kUnknown));
            }
        }
        out +=
            call_detail("beat", beaten.empty() ? std::string("nobody: no other ticket was eligible")
                                               : fmt::format("{}", fmt::join(beaten, ", ")));
    }
    out += call_detail("by", text_of(call, "actor"));
    return out;
}

// One column of the statistics table: its group (printed above) and its name.
struct Column {
    std::string_view group;
    std::string name;
};

std::string duration_cell(const json& group, std::string_view summary, std::string_view key) {
    const auto* times = member(group, summary);
    const auto value = times == nullptr ? std::nullopt : natural_of(*times, key);
    return value ? format_minutes(*value) : std::string("-");
}

std::vector<std::string> stats_cells(std::string key, const json& group) {
    std::vector<std::string> cells{std::move(key)};
    for (const auto* count : {"issued", "served", "no_shows", "abandoned", "closed", "open"}) {
        cells.push_back(optional_count(natural_of(group, count)));
    }
    for (const auto* summary : {"wait_ms", "service_ms"}) {
        for (const auto* statistic : {"mean", "median", "p90", "max"}) {
            cells.push_back(duration_cell(group, summary, statistic));
        }
    }
    const auto* evaluations = member(group, "evaluations");
    const json empty = json::object();
    const auto& rated = evaluations != nullptr ? *evaluations : empty;
    cells.push_back(optional_count(natural_of(rated, "count")));
    const auto* scores = member(rated, "scores");
    for (std::size_t i = 0; i < 5; ++i) {
        const auto score = scores != nullptr && scores->is_array() && scores->size() == 5
                               ? natural((*scores)[i])
                               : std::nullopt;
        cells.push_back(optional_count(score));
    }
    const auto* satisfaction = member(rated, "satisfaction");
    cells.push_back(satisfaction != nullptr && satisfaction->is_number()
                        ? fmt::format("{:.0f}%", satisfaction->get<double>() * 100.0)
                        : std::string("-"));
    return cells;
}

// Aligned columns under their group titles: the first column left, the numbers right.
std::string render_table(const std::vector<Column>& columns,
                         const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    widths.reserve(columns.size());
    for (const auto& column : columns) {
        widths.push_back(column.name.size());
    }
    for (const auto& cells : rows) {
        for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], cells[i].size());
        }
    }
    // Widen the last column of a group whose title is wider than its columns.
    for (std::size_t start = 0; start < columns.size();) {
        auto end = start;
        std::size_t span = 0;
        while (end < columns.size() && columns[end].group == columns[start].group) {
            span += widths[end] + (end > start ? 2 : 0);
            ++end;
        }
        if (columns[start].group.size() > span) {
            widths[end - 1] += columns[start].group.size() - span;
        }
        start = end;
    }
    const auto line = [&](auto cell_of) {
        std::string text;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const auto cell = cell_of(i);
            if (i == 0) {
                text += fmt::format("{:<{}}", cell, widths[i]);
            } else {
                text += fmt::format("  {:>{}}", cell, widths[i]);
            }
        }
        return text + "\n";
    };
    std::string groups;
    for (std::size_t start = 0; start < columns.size();) {
        auto end = start;
        std::size_t span = 0;
        while (end < columns.size() && columns[end].group == columns[start].group) {
            span += widths[end] + 2;
            ++end;
        }
        groups += fmt::format("{:<{}}", columns[start].group, span);
        start = end;
    }
    while (!groups.empty() && groups.back() == ' ') {
        groups.pop_back();
    }
    std::string out = groups + "\n";
    out += line([&](std::size_t i) { return columns[i].name; });
    for (const auto& cells : rows) {
        out += line([&](std::size_t i) { return i < cells.size() ? cells[i] : std::string(); });
    }
    return out;
}

}  // namespace

const json* member(const json& object, std::string_view key) {
    if (!object.is_object()) {
        return nullptr;
    }
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::string text_of(const json& object, std::string_view key) {
    const auto* value = member(object, key);
    if (value == nullptr || !value->is_string()) {
        return std::string(kUnknown);
    }
    return printable(value->get_ref<const std::string&>());
}

std::optional<std::uint64_t> count_of(const json& object, std::string_view key) {
    const auto* value = member(object, key);
    if (value == nullptr || !value->is_number_unsigned()) {
        return std::nullopt;
    }
    return value->get<std::uint64_t>();
}

std::string format_duration(std::uint64_t milliseconds) {
    const auto seconds = milliseconds / 1000;
    constexpr std::uint64_t kMinute = 60;
    constexpr std::uint64_t kHour = 60 * kMinute;
    constexpr std::uint64_t kDay = 24 * kHour;
    if (seconds < kMinute) {
        return fmt::format("{}s", seconds);
    }
    if (seconds < kHour) {
        return fmt::format("{}m {}s", seconds / kMinute, seconds % kMinute);
    }
    if (seconds < kDay) {
        return fmt::format("{}h {}m", seconds / kHour, seconds % kHour / kMinute);
    }
    return fmt::format("{}d {}h", seconds / kDay, seconds % kDay / kHour);
}

std::string format_size(std::uint64_t bytes) {
    constexpr std::array<std::string_view, 6> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        return fmt::format("{} B", bytes);
    }
    auto value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    // Compare the value as it will be printed, so 1048575 bytes is "1.0 MiB", not "1024.0 KiB".
    while (unit + 1 < kUnits.size() && std::round(value * 10.0) / 10.0 >= 1024.0) {
        value /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string printable(std::string_view text) {
    std::string out(text);
    std::replace_if(
        out.begin(), out.end(),
        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }, '?');
    return out;
}

std::string render_status(const json& result) {
    std::string out = headline(result) + "\n";
    out += row("pid", optional_count(count_of(result, "pid")));
    const auto uptime = count_of(result, "uptime_ms");
    out += row("uptime", uptime ? format_duration(*uptime) : std::string(kUnknown));
    out += row("state", text_of(result, "state_dir"));
    out += row("store", store_summary(result));
    out += row("last stop", last_stop(result));
    if (const auto* config = member(result, "config")) {
        out += row("config", text_of(*config, "source"));
    }
    if (const auto* queue = member(result, "queue"); queue != nullptr && queue->is_object()) {
        out += row("alerts", alerts_summary(*queue));
    }
    return out;
}

std::string render_command_list(const json& result) {
    const auto* commands = member(result, "commands");
    std::vector<std::pair<std::string, std::string>> rows;
    if (commands != nullptr && commands->is_array()) {
        for (const auto& command : *commands) {
            if (member(command, "name") != nullptr) {
                rows.emplace_back(text_of(command, "name"), text_of(command, "summary"));
            }
        }
    }
    if (rows.empty()) {
        return "no commands\n";
    }
    std::size_t width = 0;
    for (const auto& [name, summary] : rows) {
        width = std::max(width, name.size());
    }
    std::string out;
    for (const auto& [name, summary] : rows) {
        out += fmt::format("{:<{}}  {}\n", name, width, summary);
    }
    return out;
}

std::string format_time(std::int64_t unix_ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm local{};
    if (::localtime_r(&seconds, &local) == nullptr) {
        return std::string(kUnknown);
    }
    std::array<char, 32> text{};
    const auto length = std::strftime(text.data(), text.size(), "%Y-%m-%d %H:%M:%S", &local);
    return length == 0 ? std::string(kUnknown) : std::string(text.data(), length);
}

std::string render_note(const json& result) {
    const auto* seq = member(result, "seq");
    if (seq == nullptr || !seq->is_number_integer()) {
        return "note recorded\n";
    }
    return fmt::format("note recorded as event {}\n", seq->get<std::int64_t>());
}

std::string render_events(const json& result) {
    const auto* events = member(result, "events");
    if (events == nullptr || !events->is_array() || events->empty()) {
        return "no events\n";
    }
    std::string out;
    for (const auto& event : *events) {
        const auto* seq = member(event, "seq");
        const auto* at = member(event, "at_ms");
        const auto* payload = member(event, "payload");
        out += fmt::format(
            "{:>6}  {}  {:<18}  {}\n",
            seq != nullptr && seq->is_number_integer() ? std::to_string(seq->get<std::int64_t>())
                                                       : std::string(kUnknown),
            at != nullptr && at->is_number_integer() ? format_time(at->get<std::int64_t>())
                                                     : std::string(kUnknown),
            text_of(event, "type"),
            payload != nullptr
                ? printable(payload->dump(-1, ' ', false, json::error_handler_t::replace))
                : std::string());
    }
    return out;
}

std::string format_hall_time(std::int64_t unix_ms, int utc_offset_minutes) {
    constexpr std::int64_t kDayMs = 86'400'000;
    const auto local = unix_ms + std::int64_t{utc_offset_minutes} * 60'000;
    const auto days = local / kDayMs - (local % kDayMs < 0 ? 1 : 0);
    const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
    const auto seconds = (local - days * kDayMs) / 1000;
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                       seconds / 3600, seconds % 3600 / 60, seconds % 60);
}

std::string format_minutes(std::uint64_t milliseconds) {
    const auto seconds = milliseconds / 1000;
    if (seconds < 3600) {
        return fmt::format("{}:{:02}", seconds / 60, seconds % 60);
    }
    return fmt::format("{}:{:02}:{:02}", seconds / 3600, seconds % 3600 / 60, seconds % 60);
}

std::string render_explain(const json& result) {
    std::string out = row("ticket", text_of(result, "ticket"));
    out += row("service", text_of(result, "service"));
    out += row("class", text_of(result, "class"));
    out += row("channel", text_of(result, "channel"));
    auto state = text_of(result, "state");
    if (member(result, "window") != nullptr) {
        state += ", window " + text_of(result, "window");
    }
    out += row("state", state);
    if (const auto ahead = natural_of(result, "waiting_ahead")) {
        out += row("ahead", fmt::format("{} ticket{}", *ahead, *ahead == 1 ? "" : "s"));
    }
    constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kTimes{{
        {"issued", "issued_at_ms"},
        {"called", "called_at_ms"},
        {"serving", "serving_at_ms"},
        {"finished", "finished_at_ms"},
        {"ended", "ended_at_ms"},
    }};
    for (const auto& [label, key] : kTimes) {
        if (const auto at = integer_of(result, key)) {
            out += row(label, explain_time(result, *at));
        }
    }
    for (const auto& [label, key] : {std::pair{"recalls", "recalls"}, {"no-shows", "no_shows"}}) {
        if (const auto count = natural_of(result, key); count && *count > 0) {
            out += row(label, std::to_string(*count));
        }
    }
    const auto* calls = member(result, "calls");
    if (calls == nullptr || !calls->is_array()) {
        return out + row("calls", kUnknown);
    }
    if (calls->empty()) {
        return out + row("calls", "none: not called yet (尚未叫号)");
    }
    out += row("calls", std::to_string(calls->size()));
    std::size_t number = 0;
    for (const auto& call : *calls) {
        out += render_call(result, ++number, call);
    }
    return out;
}

std::string render_stats(const json& result) {
    const auto by = text_of(result, "by");
    const bool whole_day = by == "day";
    std::string out = fmt::format("{}, {}; times in minutes:seconds\n", text_of(result, "day"),
                                  whole_day ? std::string("whole day") : "by " + by);
    std::vector<Column> columns{{"", whole_day ? std::string("day") : by}};
    for (const auto* name : {"issued", "served", "no-show", "left", "closed", "open"}) {
        columns.push_back({"tickets", name});
    }
    for (const auto* group : {"wait", "service time"}) {
        for (const auto* name : {"mean", "median", "p90", "max"}) {
            columns.push_back({group, name});
        }
    }
    for (const auto* name : {"rated", "1", "2", "3", "4", "5", "4-5"}) {
        columns.push_back({"evaluations", name});
    }
    std::vector<std::vector<std::string>> rows;
    if (const auto* groups = member(result, "groups"); groups != nullptr && groups->is_array()) {
        for (const auto& group : *groups) {
            const auto* key = member(group, "key");
            rows.push_back(stats_cells(
                key != nullptr && key->is_null() ? std::string("(none)") : text_of(group, "key"),
                group));
        }
    }
    const auto* total = member(result, "total");
    rows.push_back(stats_cells("total", total != nullptr ? *total : json::object()));
    return out + render_table(columns, rows);
}

std::string render_alerts(const json& result) {
    std::string out;
    const auto* alerts = member(result, "alerts");
    if (alerts == nullptr || !alerts->is_array() || alerts->empty()) {
        out = "no alerts\n";
    } else {
        for (const auto& alert : *alerts) {
            out += fmt::format("{:<12}  {}\n", text_of(alert, "kind"), text_of(alert, "message"));
        }
    }
    if (const auto* limits = member(result, "thresholds")) {
        const auto limit = [&](std::string_view key, std::string_view unit) {
            const auto value = natural_of(*limits, key);
            if (!value) {
                return std::string(kUnknown);
            }
            return *value == 0 ? std::string("off") : fmt::format("{}{}", *value, unit);
        };
        out += fmt::format("limits: wait {}, queue length {}, idle window {}\n",
                           limit("max_wait_minutes", " min"), limit("max_queue_length", ""),
                           limit("idle_window_minutes", " min"));
    }
    return out;
}

}  // namespace hk::hallctl

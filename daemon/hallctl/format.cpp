// Rendering of daemon answers for people: see format.hpp.
#include "daemon/hallctl/format.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace hk::hallctl {
namespace {

using nlohmann::json;

constexpr std::string_view kUnknown = "?";
constexpr std::size_t kLabelWidth = 11;

// The member `key` of `object` if `object` is an object that has it.
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

}  // namespace

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

}  // namespace hk::hallctl

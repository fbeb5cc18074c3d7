// hallctl's commands: see commands.hpp.
#include "daemon/hallctl/commands.hpp"

#include <array>
#include <iostream>
#include <string>

#include "daemon/hallctl/devices.hpp"
#include "daemon/hallctl/format.hpp"

namespace hk::hallctl {
namespace {

using control::ClientError;
using nlohmann::json;

std::string compact(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string_view code_for(const ClientError& error) {
    switch (error.kind) {
        case ClientError::Kind::unreachable:
            return "unreachable";
        case ClientError::Kind::timeout:
            return "timeout";
        case ClientError::Kind::protocol:
            return "protocol";
        case ClientError::Kind::command:
            return error.code;
    }
    return "error";
}

int report_client_error(const ClientError& error, const GlobalOptions& options, std::ostream& out,
                        std::ostream& err) {
    auto message = error.message;
    if (error.kind == ClientError::Kind::command) {
        message += " (" + error.code + ")";
    }
    report_error(code_for(error), message, options, out, err);
    return exit_code_for(error.kind);
}

void note_args(CLI::App& command, json& args) {
    command
        .add_option_function<std::string>(
            "text", [&args](const std::string& text) { args["text"] = text; },
            "The note, e.g. \"换了打印纸\" (no citizens' personal data)")
        ->required();
}

void events_args(CLI::App& command, json& args) {
    args["after"] = 0;
    args["limit"] = 100;
    command.add_option_function<std::int64_t>(
        "--after", [&args](const std::int64_t& after) { args["after"] = after; },
        "Only events with a sequence number above this (default 0)");
    command.add_option_function<std::int64_t>(
        "--limit", [&args](const std::int64_t& limit) { args["limit"] = limit; },
        "At most this many events, 1-500 (default 100)");
}

void queue_args(CLI::App& command, json& args) {
    command
        .add_option_function<std::string>(
            "operation",
            [&args](const std::string& text) {
                auto operation = json::parse(text, nullptr, false);
                if (operation.is_discarded() || !operation.is_object()) {
                    throw CLI::ValidationError("operation",
                                               "must be a JSON object, e.g. "
                                               "'{\"op\":\"take\",\"service\":\"SOC\"}'");
                }
                args = std::move(operation);
            },
            "One queue operation as JSON (docs/queue-replay.md lists them)")
        ->required();
}

void explain_args(CLI::App& command, json& args) {
    command
        .add_option_function<std::string>(
            "ticket", [&args](const std::string& ticket) { args["ticket"] = ticket; },
            "Today's ticket number, e.g. A001")
        ->required();
}

void stats_args(CLI::App& command, json& args) {
    command
        .add_option_function<std::string>(
            "--day", [&args](const std::string& day) { args["day"] = day; },
            "The hall day, YYYY-MM-DD (default: today)")
        ->check(CLI::Validator(
            [](const std::string& day) {
                return day.size() == 10 && day[4] == '-' && day[7] == '-'
                           ? std::string()
                           : std::string("must be a date YYYY-MM-DD");
            },
            "YYYY-MM-DD"));
    command
        .add_option_function<std::string>(
            "--by", [&args](const std::string& by) { args["by"] = by; },
            "Group by day (default), hour, service, window, officer or channel")
        ->check(CLI::IsMember({"day", "hour", "service", "window", "officer", "channel"}));
}

void officer_id_args(CLI::App& command, json& args) {
    command
        .add_option_function<std::string>(
            "officer", [&args](const std::string& id) { args["id"] = id; }, "The officer's 工号")
        ->required();
}

void officer_set_args(CLI::App& command, json& args) {
    officer_id_args(command, args);
    command
        .add_option_function<std::string>(
            "--name", [&args](const std::string& name) { args["name"] = name; },
            "The name shown on the counter and the evaluator")
        ->required();
    // The PIN never goes on the command line (it would be in the shell history and in ps):
    // it is the first line of standard input.
    command.final_callback([&args] {
        std::string pin;
        std::getline(std::cin, pin);
        if (!pin.empty() && pin.back() == '\r') {
            pin.pop_back();
        }
        args["pin"] = pin;
    });
}

std::string render_officers(const json& result) {
    const auto* list = member(result, "officers");
    if (list == nullptr || !list->is_array() || list->empty()) {
        return "no officers\n";
    }
    std::string out;
    for (const auto& officer : *list) {
        out += text_of(officer, "id") + "  " + text_of(officer, "name");
        if (const auto locked = count_of(officer, "locked_until_ms"); locked && *locked > 0) {
            out += "  (locked until " + format_time(static_cast<std::int64_t>(*locked)) + ")";
        }
        out += "\n";
    }
    return out;
}

std::string render_officer(const json& result) {
    const auto* removed = member(result, "removed");
    return "officer " + text_of(result, "id") +
           (removed != nullptr ? " removed\n" : " set: " + text_of(result, "name") + "\n");
}

// A queue answer: the fields that matter on one line, "key value" pairs.
std::string render_queue(const json& result) {
    std::string out;
    for (const auto& [key, value] : result.items()) {
        if (key == "ok" || key == "op") {
            continue;
        }
        out += key + " " +
               printable(value.is_string() ? value.get<std::string>() : compact(value)) + "\n";
    }
    return out.empty() ? "done\n" : out;
}

}  // namespace

std::span<const CommandSpec> command_specs() {
    static const std::array<CommandSpec, 17> kSpecs = {{
        {"status",
         "Show the daemon's version, node, uptime and store",
         "status",
         render_status,
         {}},
        {"commands", "List the commands the daemon accepts", "help", render_command_list, {}},
        {"note", "Record a maintenance note in the node's event log", "note", render_note,
         note_args},
        {"events", "List the node's event log", "events", render_events, events_args},
        {"queue", "Run one queue operation on the live hall", "queue", render_queue, queue_args},
        {"explain", "Show why a ticket was called: strategy, rule, tickets it beat", "explain",
         render_explain, explain_args},
        {"stats", "Show a day's queue statistics, whole or grouped", "stats", render_stats,
         stats_args},
        {"alerts", "List the queue's current alerts", "alerts", render_alerts, {}},
        {"devices list", "List the node's devices with their state", "devices", render_devices, {}},
        {"devices show", "Show one device: health, counters, parameters, recent events", "device",
         render_device, device_id_args},
        {"devices probe",
         "List present hardware and the drivers that would take it",
         "devices.probe",
         render_probe,
         {}},
        {"devices test", "Run a device's self-test", "device.test", render_device_result,
         device_id_args},
        {"devices simulate", "Make a simulated device act (present a card, press a key, …)",
         "device.simulate", render_device_result, simulate_args},
        {"devices trace", "Record a device's traffic to a trace file, or stop", "device.trace",
         render_device_result, trace_args},
        {"officers list",
         "List the officers who may log in at a counter",
         "officers",
         render_officers,
         {}},
        {"officers set", "Add an officer or change their name and PIN (PIN read from stdin)",
         "officer.set", render_officer, officer_set_args},
        {"officers remove", "Remove an officer", "officer.remove", render_officer, officer_id_args},
    }};
    return kSpecs;
}

int exit_code_for(ClientError::Kind kind) {
    switch (kind) {
        case ClientError::Kind::unreachable:
            return kExitUnreachable;
        case ClientError::Kind::timeout:
            return kExitTimeout;
        case ClientError::Kind::protocol:
            return kExitProtocol;
        case ClientError::Kind::command:
            return kExitCommandFailed;
    }
    return kExitProtocol;
}

void report_error(std::string_view code, std::string_view message, const GlobalOptions& options,
                  std::ostream& out, std::ostream& err) {
    err << "hallctl: " << printable(message) << '\n';
    if (options.json) {
        out << compact(json{{"error", {{"code", code}, {"message", message}}}}) << '\n';
    }
}

int run_command(const CommandSpec& spec, const json& args, const GlobalOptions& options,
                std::ostream& out, std::ostream& err) {
    auto client = control::Client::connect(options.socket, options.wait);
    if (!client) {
        return report_client_error(client.error(), options, out, err);
    }
    const auto result = client->call(spec.daemon_command, args, options.timeout);
    if (!result) {
        return report_client_error(result.error(), options, out, err);
    }
    if (options.json) {
        out << compact(*result) << '\n';
    } else {
        out << spec.render(*result);
    }
    out.flush();
    return kExitOk;
}

}  // namespace hk::hallctl

// hallctl: the technicians' command line for hallkeeperd. Parses the command line and runs one
// command over the control socket, or `replay`, which runs the queue engine alone.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "daemon/hallctl/commands.hpp"
#include "daemon/hallctl/replay.hpp"
#include "daemon/version.hpp"

namespace {

using hk::hallctl::GlobalOptions;

constexpr std::int64_t kMaxTimeoutMs = 3'600'000;
constexpr double kMaxWaitSeconds = 3600.0;

// Whether --json was asked for, even when parsing failed before any option was stored.
bool wants_json(int argc, char** argv) {
    return std::any_of(argv + 1, argv + argc,
                       [](const char* arg) { return std::string_view(arg) == "--json"; });
}

std::string group_summary(std::string_view group) {
    if (group == "devices") {
        return "See and try the node's devices: list, show, probe, test, simulate, trace";
    }
    if (group == "officers") {
        return "Manage the officers who log in at the counters: list, set, remove";
    }
    return std::string(group);
}

// `replay` needs no daemon, so it is not in the CommandSpec table of daemon commands.
CLI::App* add_replay(CLI::App& app, hk::hallctl::ReplayOptions& replay) {
    auto* command = app.add_subcommand(
        "replay", "Run the queue engine alone on a script of operations, in simulated time");
    command->add_option_function<std::string>(
        "--config", [&replay](const std::string& file) { replay.config = file; },
        "The hall file (default: the embedded demo hall)");
    command
        ->add_option("--script", replay.script,
                     "The operations, one JSON object a line (- for stdin)")
        ->required();
    command
        ->add_option("--start", replay.start, "When the hall clock starts, local YYYY-MM-DDTHH:MM")
        ->capture_default_str();
    command->add_option("--utc-offset", replay.utc_offset, "The hall's offset from UTC, +HH:MM")
        ->capture_default_str();
    auto* stats =
        command->add_flag("--stats", replay.stats,
                          "After the answers, print each day's statistics (as hallctl stats)");
    command
        ->add_option("--by", replay.stats_by,
                     "Group the statistics by day, hour, service, window, officer or channel")
        ->capture_default_str()
        ->needs(stats);
    command->fallthrough();
    return command;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Ask hallkeeperd, the hall device daemon, about its state.", "hallctl"};
    app.set_version_flag("--version", std::string("hallctl ") + hk::kVersion);

    GlobalOptions options;
    std::string socket(hk::hallctl::kDefaultSocket);
    std::int64_t timeout_ms = options.timeout.count();
    double wait_seconds = 0.0;
    const std::string json_help = "Print the result (or the error) as JSON on one line";
    app.add_option("--socket", socket, "The daemon's control socket")
        ->envname(std::string(hk::hallctl::kSocketEnvironment))
        ->capture_default_str();
    app.add_flag("--json", options.json, json_help);
    app.add_option("--timeout", timeout_ms, "Milliseconds to wait for the answer")
        ->check(CLI::Range(std::int64_t{1}, kMaxTimeoutMs))
        ->capture_default_str();
    app.add_option("--wait", wait_seconds,
                   "Seconds to wait for the daemon to come up (for scripts at boot)")
        ->check(CLI::Range(0.0, kMaxWaitSeconds))
        ->capture_default_str();
    app.require_subcommand(1);
    const auto specs = hk::hallctl::command_specs();
    std::vector<nlohmann::json> args(specs.size(), nlohmann::json::object());
    std::vector<CLI::App*> commands(specs.size(), nullptr);
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto& spec = specs[i];
        // "devices list": a subcommand of the group "devices".
        CLI::App* parent = &app;
        std::string name(spec.name);
        if (const auto space = name.find(' '); space != std::string::npos) {
            const auto group = name.substr(0, space);
            const auto existing = app.get_subcommands(
                [&group](const CLI::App* sub) { return sub->get_name() == group; });
            parent = existing.empty() ? nullptr : existing.front();
            if (parent == nullptr) {
                parent = app.add_subcommand(group, group_summary(group));
                parent->require_subcommand(1);
                parent->fallthrough();
            }
            name = name.substr(space + 1);
        }
        auto* command = parent->add_subcommand(name, std::string(spec.summary));
        commands[i] = command;
        if (spec.define_args) {
            spec.define_args(*command, args[i]);
        }
        command->add_flag("--json", options.json, json_help);
        command->fallthrough();  // global options are accepted after the command too
    }
    hk::hallctl::ReplayOptions replay;
    auto* replay_command = add_replay(app, replay);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {
            return app.exit(e);  // --help, --version
        }
        options.json = wants_json(argc, argv);
        hk::hallctl::report_error("usage", std::string(e.what()) + " (see hallctl --help)", options,
                                  std::cout, std::cerr);
        return hk::hallctl::kExitUsage;
    }

    if (replay_command->parsed()) {
        return hk::hallctl::run_replay(replay, std::cin, std::cout, std::cerr);
    }
    options.socket = socket;
    options.timeout = std::chrono::milliseconds(timeout_ms);
    options.wait = std::chrono::milliseconds(static_cast<std::int64_t>(wait_seconds * 1000.0));
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (commands[i]->parsed()) {
            return hk::hallctl::run_command(specs[i], args[i], options, std::cout, std::cerr);
        }
    }
    return hk::hallctl::kExitUsage;
}

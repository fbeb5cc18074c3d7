// hallctl's commands: what each asks the daemon, how the answer is printed, and the exit codes.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "daemon/control/client.hpp"

namespace hk::hallctl {

// Exit codes (docs/hallctl.md); the non-zero ones follow sysexits.h.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCommandFailed = 1;  // the daemon answered with an error
inline constexpr int kExitUsage = 64;         // EX_USAGE
inline constexpr int kExitUnreachable = 69;   // EX_UNAVAILABLE
inline constexpr int kExitTimeout = 75;       // EX_TEMPFAIL
inline constexpr int kExitProtocol = 76;      // EX_PROTOCOL

inline constexpr std::string_view kDefaultSocket = "/run/hallkeeper/hallkeeperd.sock";
inline constexpr std::string_view kSocketEnvironment = "HALLKEEPER_SOCKET";

struct GlobalOptions {
    std::filesystem::path socket{std::string(kDefaultSocket)};
    bool json = false;
    std::chrono::milliseconds timeout{5000};  // for the daemon's answer
    std::chrono::milliseconds wait{0};        // for the daemon to come up
};

struct CommandSpec {
    std::string_view name;
    std::string_view summary;
    std::string_view daemon_command;  // what is sent over the control socket
    std::function<std::string(const nlohmann::json& result)> render;
    // Declares the command's own arguments; parsed values are stored into `args`, which is
    // sent to the daemon. Empty: the command takes none.
    std::function<void(CLI::App& command, nlohmann::json& args)> define_args;
};

// Every hallctl command, in the order `hallctl --help` lists them.
[[nodiscard]] std::span<const CommandSpec> command_specs();

[[nodiscard]] int exit_code_for(control::ClientError::Kind kind);

// Prints an error: one line on `err`, and with --json also {"error":{...}} on `out`.
void report_error(std::string_view code, std::string_view message, const GlobalOptions& options,
                  std::ostream& out, std::ostream& err);

// Connects, runs `spec` with `args` and prints its result. Returns the exit code.
[[nodiscard]] int run_command(const CommandSpec& spec, const nlohmann::json& args,
                              const GlobalOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hk::hallctl

// hallkeeperd's command line: which config to run with and the overrides a technician (or
// scripts/demo) gives on top of it.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

namespace hk::app {

struct CommandLine {
    std::optional<std::filesystem::path> config_file;   // --config; none: embedded default
    std::optional<std::filesystem::path> state_dir;     // --state-dir overrides state.dir
    std::optional<std::filesystem::path> socket;        // --socket overrides control.socket
    std::optional<std::filesystem::path> check_config;  // --check-config FILE
    // --driver-dir: driver shared objects to load (docs/drivers.md); none: kDefaultDriverDir
    // if it exists.
    std::optional<std::filesystem::path> driver_dir;
    bool version = false;  // --version
};

// The outcome of parsing: either options to run with, or text to print and an exit code
// (--help, usage errors).
struct CommandLineExit {
    int exit_code = 0;
    std::string text;  // printed to stdout for exit_code 0, to stderr otherwise
};

[[nodiscard]] std::expected<CommandLine, CommandLineExit> parse_command_line(
    int argc, const char* const* argv);

}  // namespace hk::app

// Parses hallkeeperd's command line with CLI11.
#include "daemon/app/command_line.hpp"

#include <CLI/CLI.hpp>

#include "daemon/app/exit_codes.hpp"

namespace hk::app {
namespace {

// CLI11 checks that paths exist; hallkeeperd reports missing files itself with a clearer
// message, so options are plain strings turned into paths afterwards.
void set_path(std::optional<std::filesystem::path>& out, const std::string& value) {
    if (!value.empty()) {
        out = std::filesystem::path(value);
    }
}

}  // namespace

std::expected<CommandLine, CommandLineExit> parse_command_line(int argc, const char* const* argv) {
    CLI::App cli{"hallkeeperd — the hall terminal daemon (queue, devices, store, sync)",
                 "hallkeeperd"};
    std::string config_file;
    std::string state_dir;
    std::string socket;
    std::string check_config;
    std::string driver_dir;
    CommandLine line;
    // Later occurrences win, so a wrapper script can append overrides to a fixed command line.
    cli.add_option("-c,--config", config_file,
                   "Configuration file (TOML). Without it the embedded default runs: a "
                   "one-process hall, role=controller")
        ->take_last();
    cli.add_option("--state-dir", state_dir, "Override state.dir (where the database lives)")
        ->take_last();
    cli.add_option("--socket", socket, "Override control.socket (the hallctl socket)")->take_last();
    cli.add_option("--check-config", check_config,
                   "Validate a configuration file, print every problem and exit (0: valid, 78: "
                   "invalid)");
    cli.add_option("--driver-dir", driver_dir,
                   "Load driver shared objects (*.so) from this directory (default: the "
                   "installed driver directory, if it exists)")
        ->take_last();
    cli.add_flag("-V,--version", line.version, "Print the version and exit");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return std::unexpected(CommandLineExit{kExitOk, cli.help()});
    } catch (const CLI::ParseError& error) {
        return std::unexpected(CommandLineExit{
            kExitUsage,
            std::string("hallkeeperd: ") + error.what() + "\nRun with --help for usage."});
    }
    set_path(line.config_file, config_file);
    set_path(line.state_dir, state_dir);
    set_path(line.socket, socket);
    set_path(line.check_config, check_config);
    set_path(line.driver_dir, driver_dir);
    return line;
}

}  // namespace hk::app

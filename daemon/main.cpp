// hallkeeperd: the hall terminal daemon. Parses the command line, loads the configuration,
// starts the Daemon and maps every start-up failure to a one-line message and an exit code.
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/app/command_line.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/exit_codes.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/hall_file.hpp"
#include "daemon/version.hpp"
#include "drivers/builtin.hpp"
#include "drivers/sdk/registry.hpp"

namespace {

using hk::app::CommandLine;

void print_errors(const hk::config::ConfigErrors& errors) {
    for (const auto& error : errors) {
        static_cast<void>(std::fprintf(stderr, "%s\n", error.to_string().c_str()));
    }
}

// The hall file named by the config, or the embedded demo hall; errors are printed.
std::expected<hk::queue::HallDefinition, int> load_hall(const hk::config::Config& config) {
    if (!config.queue.hall_file) {
        return hk::config::demo_hall();
    }
    auto hall = hk::config::load_hall_file(*config.queue.hall_file);
    if (!hall) {
        print_errors(hall.error());
        static_cast<void>(std::fprintf(stderr, "%s: %zu problem(s), hall file rejected\n",
                                       config.queue.hall_file->c_str(), hall.error().size()));
        return std::unexpected(hk::app::kExitConfig);
    }
    return std::move(*hall);
}

// The drivers the config may use: the compiled-in ones, then the shared objects of the driver
// directory. A refused shared object is reported and left out; a directory named on the
// command line that cannot be read stops the start.
struct Drivers {
    hk::drivers::DriverRegistry registry;
    std::vector<std::string> notes;  // logged once logging is configured
};

std::expected<Drivers, int> load_drivers(const CommandLine& line) {
    Drivers drivers;
    hk::drivers::register_builtin_drivers(drivers.registry);
    std::error_code error;
    const bool named = line.driver_dir.has_value();
    const std::filesystem::path dir =
        named ? *line.driver_dir : std::filesystem::path(hk::kDefaultDriverDir);
    if (!named && !std::filesystem::is_directory(dir, error)) {
        return drivers;  // no driver packages installed
    }
    auto report = drivers.registry.load_directory(dir);
    if (!report) {
        static_cast<void>(std::fprintf(stderr, "hallkeeperd: driver directory %s: %s\n",
                                       dir.c_str(), report.error().c_str()));
        return std::unexpected(hk::app::kExitConfig);
    }
    for (const auto& name : report->loaded) {
        drivers.notes.push_back(fmt::format("driver {} loaded from {}", name, dir.string()));
    }
    for (const auto& refusal : report->refused) {
        drivers.notes.push_back(
            fmt::format("driver file {} refused: {}", refusal.file.string(), refusal.reason));
    }
    return drivers;
}

int check_config(const std::filesystem::path& file, const hk::drivers::DriverRegistry& drivers) {
    const auto loaded = hk::config::load_file(file, drivers);
    if (!loaded) {
        print_errors(loaded.error());
        static_cast<void>(std::fprintf(stderr, "%s: %zu problem(s), configuration rejected\n",
                                       file.c_str(), loaded.error().size()));
        return hk::app::kExitConfig;
    }
    if (!load_hall(*loaded)) {
        return hk::app::kExitConfig;
    }
    std::printf("%s: configuration is valid\n", file.c_str());
    return hk::app::kExitOk;
}

// Loads the file (or the embedded default) and applies command-line overrides.
std::expected<hk::config::Config, int> load_config(const CommandLine& line,
                                                   const hk::drivers::DriverRegistry& drivers) {
    hk::config::Config config = hk::config::embedded_default();
    if (line.config_file) {
        auto loaded = hk::config::load_file(*line.config_file, drivers);
        if (!loaded) {
            print_errors(loaded.error());
            static_cast<void>(std::fprintf(stderr,
                                           "hallkeeperd: not started, fix the configuration (%s)\n",
                                           line.config_file->c_str()));
            return std::unexpected(hk::app::kExitConfig);
        }
        config = std::move(*loaded);
    }
    if (line.state_dir) {
        config.state.dir = *line.state_dir;
    }
    if (line.socket) {
        config.control.socket = *line.socket;
    }
    return config;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = hk::app::parse_command_line(argc, argv);
    if (!parsed) {
        static_cast<void>(std::fprintf(parsed.error().exit_code == 0 ? stdout : stderr, "%s\n",
                                       parsed.error().text.c_str()));
        return parsed.error().exit_code;
    }
    CommandLine line = std::move(*parsed);
    // Relative paths on the command line mean relative to where the daemon was started; made
    // absolute once, so a reload compares like with like.
    for (auto* path : {&line.state_dir, &line.socket, &line.driver_dir}) {
        if (*path) {
            **path = std::filesystem::absolute(**path);
        }
    }
    if (line.version) {
        std::printf("hallkeeperd %s (%s)\n", hk::kVersion, hk::kBuildType);
        return hk::app::kExitOk;
    }
    auto drivers = load_drivers(line);
    if (!drivers) {
        return drivers.error();
    }
    if (line.check_config) {
        for (const auto& note : drivers->notes) {
            static_cast<void>(std::fprintf(stderr, "%s\n", note.c_str()));
        }
        return check_config(*line.check_config, drivers->registry);
    }
    auto config = load_config(line, drivers->registry);
    if (!config) {
        return config.error();
    }
    auto hall = load_hall(*config);
    if (!hall) {
        return hall.error();
    }
    hk::app::configure_logging(config->log);
    for (const auto& note : drivers->notes) {
        spdlog::info("{}", note);
    }
    auto daemon = hk::app::Daemon::start(std::move(*config), std::move(line), std::move(*hall),
                                         drivers->registry);
    if (!daemon) {
        spdlog::critical("{}", daemon.error().message);
        return daemon.error().exit_code;
    }
    return (*daemon)->run();
}

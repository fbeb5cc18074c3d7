// hallkeeperd: the hall terminal daemon. Parses the command line, loads the configuration,
// starts the Daemon and maps every start-up failure to a one-line message and an exit code.
#include <cstdio>
#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/app/command_line.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/exit_codes.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/hall_file.hpp"
#include "daemon/version.hpp"

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

int check_config(const std::filesystem::path& file) {
    const auto loaded = hk::config::load_file(file);
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
std::expected<hk::config::Config, int> load_config(const CommandLine& line) {
    hk::config::Config config = hk::config::embedded_default();
    if (line.config_file) {
        auto loaded = hk::config::load_file(*line.config_file);
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
    for (auto* path : {&line.state_dir, &line.socket}) {
        if (*path) {
            **path = std::filesystem::absolute(**path);
        }
    }
    if (line.version) {
        std::printf("hallkeeperd %s (%s)\n", hk::kVersion, hk::kBuildType);
        return hk::app::kExitOk;
    }
    if (line.check_config) {
        return check_config(*line.check_config);
    }
    auto config = load_config(line);
    if (!config) {
        return config.error();
    }
    auto hall = load_hall(*config);
    if (!hall) {
        return hall.error();
    }
    hk::app::configure_logging(config->log);
    auto daemon = hk::app::Daemon::start(std::move(*config), std::move(line), std::move(*hall));
    if (!daemon) {
        spdlog::critical("{}", daemon.error().message);
        return daemon.error().exit_code;
    }
    return (*daemon)->run();
}

// Logging setup: see logging.hpp.
#include "daemon/app/logging.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hk::app {
namespace {

spdlog::level::level_enum to_spdlog(config::LogLevel level) {
    switch (level) {
        case config::LogLevel::trace:
            return spdlog::level::trace;
        case config::LogLevel::debug:
            return spdlog::level::debug;
        case config::LogLevel::info:
            return spdlog::level::info;
        case config::LogLevel::warn:
            return spdlog::level::warn;
        case config::LogLevel::error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

}  // namespace

bool stderr_is_journal() {
    // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected; it is inherited
    // by children, so compare it with what stderr really is.
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return false;
    }
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    const std::string expected = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    return expected == stream;
}

void configure_logging(const config::LogSettings& settings) {
    const bool journald = settings.sink == config::LogSink::journald ||
                          (settings.sink == config::LogSink::automatic && stderr_is_journal());
    std::shared_ptr<spdlog::logger> logger;
    if (journald) {
        auto sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("hallkeeperd");
        logger = std::make_shared<spdlog::logger>("hallkeeperd", std::move(sink));
        logger->set_pattern("%v");  // the journal records time, priority and pid itself
    } else {
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        logger = std::make_shared<spdlog::logger>("hallkeeperd", std::move(sink));
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %-5l %v");
    }
    logger->set_level(to_spdlog(settings.level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace hk::app

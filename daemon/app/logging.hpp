// Logging setup: spdlog to stderr or to the systemd journal.
//
// Rule for every log line in hallkeeper: no personal data. Never log an ID number, a name, an
// address, a phone number or a photo; log the masked form or an opaque id (docs/operations.md).
#pragma once

#include "daemon/config/config.hpp"

namespace hk::app {

// Installs the default logger for `settings`. `automatic` picks journald when stderr is
// connected to the journal (systemd sets JOURNAL_STREAM), stderr otherwise.
// Safe to call again on reload; replaces the sink and level.
void configure_logging(const config::LogSettings& settings);

// True when stderr is the systemd journal stream of this process.
[[nodiscard]] bool stderr_is_journal();

}  // namespace hk::app

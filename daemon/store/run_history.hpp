// A row per daemon run: when it started, which version, and when it stopped cleanly. A run
// with no stop time was cut short (power cut, crash, SIGKILL); the next start reports it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/database.hpp"

namespace hk::store {

struct Run {
    std::int64_t id = 0;
    std::int64_t started_ms = 0;
    std::optional<std::int64_t> stopped_ms;  // empty: the run did not stop cleanly
    std::string version;
    std::int64_t pid = 0;
};

class RunHistory {
public:
    explicit RunHistory(Database& db);

    // Records the start of this run (critical durability) and returns it.
    Result<Run> record_start(std::int64_t at_ms, std::string_view version, std::int64_t pid);
    // Records a clean stop of run `id`.
    Result<void> record_stop(std::int64_t id, std::int64_t at_ms);
    // The run before `id`, if any.
    [[nodiscard]] Result<std::optional<Run>> previous(std::int64_t id);

private:
    Database* db_;
};

}  // namespace hk::store

// The officers a technician manages from the control socket (`hallctl officers …`,
// docs/officers.md): list, set (with the PIN hashed on the worker pool, never on the loop),
// remove. Changes are `officer.updated` / `officer.removed` events in the node's event log,
// without the PIN or its hash.
#pragma once

#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/app/worker_pool.hpp"
#include "daemon/control/server.hpp"
#include "daemon/officers/officers.hpp"

namespace hk::app {

class OfficerService {
public:
    using RecordEvent = std::function<bool(std::string_view type, const nlohmann::json& payload)>;
    using Clock = std::function<std::int64_t()>;

    OfficerService(store::Database& db, WorkerPool& workers, RecordEvent record, Clock now_ms)
        : officers_(db),
          workers_(workers),
          record_(std::move(record)),
          now_ms_(std::move(now_ms)) {}

    void register_commands(control::Server& server);

    [[nodiscard]] officers::OfficerStore& store() { return officers_; }

private:
    [[nodiscard]] control::Outcome list();
    void set(const nlohmann::json& args, const control::Server::Reply& reply);
    [[nodiscard]] control::Outcome remove(const nlohmann::json& args);

    officers::OfficerStore officers_;
    WorkerPool& workers_;
    RecordEvent record_;
    Clock now_ms_;
};

}  // namespace hk::app

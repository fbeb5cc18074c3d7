// QueueService: see queue_service.hpp.
#include "daemon/app/queue_service.hpp"

#include <fmt/format.h>

#include "daemon/queue/event_codec.hpp"
#include "daemon/queue/operations.hpp"

namespace hk::app {
namespace {

constexpr int kReplayBatch = 2000;

}  // namespace

QueueService::QueueService(store::Database& db, store::EventLog& log, queue::HallDefinition hall,
                           int utc_offset_minutes)
    : db_(&db),
      log_(&log),
      hall_(std::move(hall)),
      utc_offset_minutes_(utc_offset_minutes),
      engine_(hall_, utc_offset_minutes_) {}

store::Result<QueueService> QueueService::open(store::Database& db, store::EventLog& log,
                                               queue::HallDefinition hall, int utc_offset_minutes) {
    QueueService service(db, log, std::move(hall), utc_offset_minutes);
    if (auto loaded = service.reload(); !loaded) {
        return std::unexpected(loaded.error());
    }
    return service;
}

store::Result<void> QueueService::reload() {
    // The hall definition is today's (from the config); the log supplies everything that
    // happened, including tickets of services that have since been removed.
    queue::QueueState state = queue::Engine(hall_, utc_offset_minutes_).state();
    statistics_ = queue::Statistics(utc_offset_minutes_, hall_.rules.day_reset);
    std::int64_t after = 0;
    std::int64_t replayed = 0;
    while (true) {
        auto batch = log_->read_after(after, kReplayBatch);
        if (!batch) {
            return std::unexpected(batch.error());
        }
        for (const auto& event : *batch) {
            after = event.seq;
            if (!queue::is_queue_event_type(event.type)) {
                continue;
            }
            auto decoded = queue::decode_event(event.type, event.at_ms, event.payload);
            if (!decoded) {
                return std::unexpected(store::Error{
                    store::Errc::corrupt,
                    fmt::format("queue event {} in {} cannot be read ({}): restore a backup of "
                                "the state database",
                                event.seq, db_->path().string(), decoded.error())});
            }
            queue::apply(state, *decoded);
            statistics_.add(*decoded);
            ++replayed;
        }
        if (batch->size() < static_cast<std::size_t>(kReplayBatch)) {
            break;
        }
    }
    engine_ = queue::Engine(std::move(state));
    events_replayed_ = replayed;
    return {};
}

store::Result<void> QueueService::persist(const queue::Events& events) {
    auto transaction = db_->begin(durability_);
    if (!transaction) {
        return std::unexpected(transaction.error());
    }
    for (const auto& event : events) {
        const auto encoded = queue::encode_event(event);
        if (auto seq = log_->append(event.at, encoded.type, encoded.payload); !seq) {
            return std::unexpected(seq.error());
        }
    }
    return transaction->commit();
}

nlohmann::json QueueService::run(std::int64_t now_ms, std::string_view actor,
                                 const nlohmann::json& operation) {
    queue::Events events;
    auto answer = queue::run_operation(engine_, now_ms, actor, operation, events);
    if (events.empty()) {
        return answer;
    }
    if (auto stored = persist(events); !stored) {
        // The engine has applied events that are not on disk: rebuild it from the log.
        const auto reloaded = reload();
        return nlohmann::json{
            {"ok", false},
            {"op", answer.value("op", "")},
            {"error", "internal"},
            {"message",
             fmt::format("not recorded, nothing changed: {}{}", stored.error().message,
                         reloaded ? "" : "; reload failed: " + reloaded.error().message)}};
    }
    statistics_.add(events);
    return answer;
}

}  // namespace hk::app

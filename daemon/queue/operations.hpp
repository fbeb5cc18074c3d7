// Queue operations as JSON: one object names an operation and its arguments, the answer says
// what happened (the ticket issued or called, the window, the tickets ahead and the estimated
// wait) or why it was refused. The same format drives `hallctl replay` scripts and the
// daemon's queue commands, so a script that works in replay works against a live hall.
//
//   {"op":"take","service":"RE","class":"green"}
//     → {"ok":true,"op":"take","ticket":"A001","service":"RE","waiting_ahead":0,
//        "estimated_wait_s":0}
//   {"op":"call_next","window":"1"}
//     → {"ok":true,"op":"call_next","ticket":"A001","window":"1","strategy":"fifo",
//        "rule":"…","beaten":["B001"]}
//   {"op":"evaluate","number":"A001","score":1}
//     → {"ok":false,"op":"evaluate","error":"reason_required","message":"…"}
//
// docs/queue-replay.md lists every operation and its fields.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/queue/engine.hpp"

namespace hk::queue {

// Runs one operation on the engine at hall time `now`. Bad input (unknown op, missing or
// mistyped field) is answered with error "bad_request" naming the field; the engine's
// refusals with their QueueErrc name. The events applied are appended to `events`.
// Never throws.
[[nodiscard]] nlohmann::json run_operation(Engine& engine, Millis now, std::string_view actor,
                                           const nlohmann::json& operation, Events& events);

}  // namespace hk::queue

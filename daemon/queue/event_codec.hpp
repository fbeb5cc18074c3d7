// The JSON codec of the queue's events: how a QueueEvent is stored in the event log's `type`
// and `payload` columns and sent to the central platform. The payload format is a contract
// with the platform and with every log already written, specified in docs/queue-events.md:
// snake_case field names, enums by name, ids and times as integers, optional fields omitted,
// unknown fields ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "daemon/queue/events.hpp"
#include "daemon/queue/hall.hpp"
#include "daemon/queue/state.hpp"

namespace hk::queue {

// The limits decoding enforces (kMaxEvent*) are declared with the events (events.hpp).

struct EncodedEvent {
    std::string type;     // event_type(body), e.g. "queue.ticket_issued"
    std::string payload;  // compact JSON object: the body's fields and "actor"
    friend bool operator==(const EncodedEvent&, const EncodedEvent&) = default;
};

// Never throws (short of memory): invalid UTF-8 in strings is replaced by U+FFFD.
[[nodiscard]] EncodedEvent encode_event(const QueueEvent& event);

// Strict decoding of one stored event; never throws. Errors name the type and the field:
// "queue.ticket_called: 'window' must be a string". Unknown fields are ignored, so that logs
// written by a newer daemon that added fields still replay.
[[nodiscard]] std::expected<QueueEvent, std::string> decode_event(std::string_view type,
                                                                  std::int64_t at_ms,
                                                                  std::string_view payload);

// Whether `type` names a queue event this codec knows ("queue." and one of the names below).
[[nodiscard]] bool is_queue_event_type(std::string_view type);

// Every queue event type, in the order of the alternatives of EventBody.
[[nodiscard]] std::span<const std::string_view> queue_event_types();

// Enum names as they appear in payloads (and in hallctl, the replay tool, …). to_string gives
// an empty string for a value outside the enumeration; parse_* rejects unknown names.
[[nodiscard]] std::string_view to_string(Channel channel);
[[nodiscard]] std::string_view to_string(TicketClass ticket_class);
[[nodiscard]] std::string_view to_string(TicketState state);
[[nodiscard]] std::string_view to_string(WindowState state);
[[nodiscard]] std::string_view to_string(StrategyKind kind);
[[nodiscard]] std::optional<Channel> parse_channel(std::string_view name);
[[nodiscard]] std::optional<TicketClass> parse_ticket_class(std::string_view name);
[[nodiscard]] std::optional<TicketState> parse_ticket_state(std::string_view name);
[[nodiscard]] std::optional<WindowState> parse_window_state(std::string_view name);
[[nodiscard]] std::optional<StrategyKind> parse_strategy_kind(std::string_view name);

}  // namespace hk::queue

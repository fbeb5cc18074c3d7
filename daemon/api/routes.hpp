// The Local API's requests as queue operations (docs/api.md): each POST body is checked field by
// field — types, lengths, enums, no unknown fields — and turned into the JSON operation
// QueueService::run takes, or refused with the status and code the API answers. Pure: no I/O,
// so every rule is unit-tested; the server and the daemon's wiring only move bytes.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hk::api {

struct ApiError {
    unsigned status = 400;
    std::string code;
    std::string message;
    friend bool operator==(const ApiError&, const ApiError&) = default;
};

template <class T>
using ApiResult = std::expected<T, ApiError>;

// The body as a JSON object: 400 bad_request for anything else (not JSON, an array, …).
[[nodiscard]] ApiResult<nlohmann::json> parse_object(std::string_view body);

// The HTTP status of a queue refusal or operation error code (queue.md): 404 for unknown
// things, 400 for bad arguments, 409 for the rest (a state conflict), 500 for internal.
[[nodiscard]] unsigned status_for(std::string_view code);

// POST /api/v1/tickets → a `take` operation. A `priority_code` or `card` is passed on in the
// operation as given, for the daemon to resolve (into `class`, `identity_hash`) before it runs.
[[nodiscard]] ApiResult<nlohmann::json> ticket_request(const nlohmann::json& body);
// POST /api/v1/appointments/check-in → a `check_in` operation by code or card (as above).
[[nodiscard]] ApiResult<nlohmann::json> check_in_request(const nlohmann::json& body);
// POST /api/v1/evaluations → an `evaluate` operation.
[[nodiscard]] ApiResult<nlohmann::json> evaluation_request(const nlohmann::json& body);
// POST /api/v1/id-card/wait: which reader (empty: the daemon picks) and for how long.
inline constexpr std::int64_t kMaxCardWaitSeconds = 30;
struct CardWaitRequest {
    std::string reader;
    std::int64_t timeout_ms = kMaxCardWaitSeconds * 1000;
};
[[nodiscard]] ApiResult<CardWaitRequest> card_wait_request(const nlohmann::json& body);

// POST /api/v1/counter/{action} at the session's `window` → the window's operation.
// 404 not_found for an unknown action.
[[nodiscard]] ApiResult<nlohmann::json> counter_request(std::string_view action,
                                                        const nlohmann::json& body,
                                                        std::string_view window);

// What a login body holds, checked: 工号, PIN and window.
struct LoginRequest {
    std::string officer;
    std::string pin;
    std::string window;
};
[[nodiscard]] ApiResult<LoginRequest> login_request(const nlohmann::json& body);

}  // namespace hk::api

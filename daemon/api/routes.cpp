// The Local API's requests as queue operations: see routes.hpp.
#include "daemon/api/routes.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>

#include <fmt/format.h>

namespace hk::api {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxIdBytes = 32;        // service codes, window ids, 工号, codes
constexpr std::size_t kMaxTextBytes = 500;     // reasons
constexpr std::size_t kMaxMessageBytes = 200;  // pause messages on the screens
constexpr std::size_t kMaxNumberBytes = 16;    // "A001"

ApiError bad_request(std::string message) {
    return ApiError{400, "bad_request", std::move(message)};
}

ApiError bad_argument(std::string message) {
    return ApiError{400, "bad_argument", std::move(message)};
}

// Refuses fields the endpoint does not know: a typo must not be silently ignored.
std::optional<ApiError> only_fields(const json& body,
                                    std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : body.items()) {
        if (std::ranges::find(known, key) == known.end()) {
            return bad_request(fmt::format("unknown field \"{}\"", key.substr(0, kMaxIdBytes)));
        }
    }
    return std::nullopt;
}

bool has_controls(std::string_view text) {
    return std::ranges::any_of(text, [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

// A string field: required or optional, 1..max bytes, no control characters. An absent
// optional field is "" (a present one is never empty).
ApiResult<std::string> text(const json& body, std::string_view key, std::size_t max_bytes,
                            bool required) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) {
        if (required) {
            return std::unexpected(bad_request(fmt::format("field \"{}\" is required", key)));
        }
        return std::string();
    }
    if (!it->is_string()) {
        return std::unexpected(bad_request(fmt::format("field \"{}\" must be a string", key)));
    }
    const auto& value = it->get_ref<const std::string&>();
    if (value.empty() || value.size() > max_bytes || has_controls(value)) {
        return std::unexpected(bad_argument(fmt::format(
            "field \"{}\" must be 1 to {} bytes without control characters", key, max_bytes)));
    }
    return value;
}

// An optional field with one of `choices` ("" when absent).
ApiResult<std::string> choice(const json& body, std::string_view key,
                              std::initializer_list<std::string_view> choices) {
    auto value = text(body, key, kMaxIdBytes, false);
    if (!value || value->empty()) {
        return value;
    }
    if (std::ranges::find(choices, *value) == choices.end()) {
        std::string list;
        for (const auto choice_name : choices) {
            list += (list.empty() ? "" : ", ") + std::string(choice_name);
        }
        return std::unexpected(
            bad_argument(fmt::format("field \"{}\" must be one of {}", key, list)));
    }
    return value;
}

// Copies the optional string field `key` of `body` into `op` (as `as`), checked.
std::optional<ApiError> copy_text(const json& body, std::string_view key, std::size_t max_bytes,
                                  bool required, json& op, std::string_view as = {}) {
    auto value = text(body, key, max_bytes, required);
    if (!value) {
        return value.error();
    }
    if (!value->empty()) {
        op[std::string(as.empty() ? key : as)] = *value;
    }
    return std::nullopt;
}

// An optional boolean field, true when absent.
ApiResult<bool> flag(const json& body, std::string_view key) {
    const auto it = body.find(key);
    if (it == body.end()) {
        return true;
    }
    if (!it->is_boolean()) {
        return std::unexpected(bad_request(fmt::format("field \"{}\" must be true or false", key)));
    }
    return it->get<bool>();
}

}  // namespace

ApiResult<json> parse_object(std::string_view body) {
    auto parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded()) {
        return std::unexpected(bad_request("the body is not valid JSON"));
    }
    if (!parsed.is_object()) {
        return std::unexpected(bad_request("the body must be a JSON object"));
    }
    return parsed;
}

unsigned status_for(std::string_view code) {
    constexpr std::array kNotFound = {
        std::string_view("unknown_service"), std::string_view("unknown_window"),
        std::string_view("unknown_ticket"), std::string_view("unknown_appointment")};
    if (std::ranges::find(kNotFound, code) != kNotFound.end()) {
        return 404;
    }
    if (code == "bad_argument" || code == "bad_request" || code == "reason_required") {
        return 400;
    }
    if (code == "internal") {
        return 500;
    }
    return 409;
}

ApiResult<json> ticket_request(const json& body) {
    if (auto unknown = only_fields(
            body, {"service", "channel", "class", "phone", "priority_code", "card", "print"})) {
        return std::unexpected(*unknown);
    }
    json op{{"op", "take"}};
    if (auto print = flag(body, "print"); !print) {
        return std::unexpected(print.error());
    } else if (!*print) {
        op["print"] = false;
    }
    if (auto problem = copy_text(body, "service", kMaxIdBytes, true, op)) {
        return std::unexpected(*problem);
    }
    // The kiosk's own channels; appointment and sticker tickets come from their flows.
    auto channel = choice(body, "channel", {"walkin", "phone", "priority_code", "id_card"});
    if (!channel) {
        return std::unexpected(channel.error());
    }
    if (channel->empty()) {
        *channel = "walkin";
    }
    op["channel"] = *channel == "id_card" ? std::string("idcard") : *channel;
    // The class comes from a priority code only: a kiosk cannot simply ask for green.
    auto ticket_class = choice(body, "class", {"normal"});
    if (!ticket_class) {
        return std::unexpected(ticket_class.error());
    }
    auto phone = text(body, "phone", 11, false);
    if (!phone) {
        return std::unexpected(phone.error());
    }
    if (!phone->empty()) {
        if (phone->size() != 11 ||
            !std::ranges::all_of(*phone, [](char c) { return c >= '0' && c <= '9'; })) {
            return std::unexpected(bad_argument("field \"phone\" must be 11 digits"));
        }
        op["phone"] = *phone;
    }
    auto code = text(body, "priority_code", kMaxIdBytes, false);
    if (!code) {
        return std::unexpected(code.error());
    }
    auto card = text(body, "card", kMaxIdBytes * 2, false);
    if (!card) {
        return std::unexpected(card.error());
    }
    // Each channel with what it needs, and nothing another channel needs.
    const auto needs = [&](std::string_view field, bool given,
                           bool wanted) -> std::optional<ApiError> {
        if (given && !wanted) {
            return bad_argument(
                fmt::format("field \"{}\" does not go with channel \"{}\"", field, *channel));
        }
        if (!given && wanted) {
            return bad_request(
                fmt::format("channel \"{}\" needs the field \"{}\"", *channel, field));
        }
        return std::nullopt;
    };
    for (const auto& problem : {needs("phone", !phone->empty(), *channel == "phone"),
                                needs("priority_code", !code->empty(), *channel == "priority_code"),
                                needs("card", !card->empty(), *channel == "id_card")}) {
        if (problem) {
            return std::unexpected(*problem);
        }
    }
    if (!code->empty()) {
        op["priority_code"] = *code;
    }
    if (!card->empty()) {
        op["card"] = *card;
    }
    return op;
}

ApiResult<json> check_in_request(const json& body) {
    if (auto unknown = only_fields(body, {"code", "card", "print"})) {
        return std::unexpected(*unknown);
    }
    json op{{"op", "check_in"}};
    if (auto print = flag(body, "print"); !print) {
        return std::unexpected(print.error());
    } else if (!*print) {
        op["print"] = false;
    }
    if (auto problem = copy_text(body, "code", kMaxIdBytes * 2, false, op)) {
        return std::unexpected(*problem);
    }
    if (auto problem = copy_text(body, "card", kMaxIdBytes * 2, false, op)) {
        return std::unexpected(*problem);
    }
    if (op.contains("code") == op.contains("card")) {
        return std::unexpected(bad_request("give either \"code\" or \"card\""));
    }
    return op;
}

ApiResult<CardWaitRequest> card_wait_request(const json& body) {
    if (auto unknown = only_fields(body, {"reader", "timeout_s"})) {
        return std::unexpected(*unknown);
    }
    CardWaitRequest out;
    auto reader = text(body, "reader", kMaxIdBytes, false);
    if (!reader) {
        return std::unexpected(reader.error());
    }
    out.reader = std::move(*reader);
    if (const auto timeout = body.find("timeout_s"); timeout != body.end()) {
        if (!timeout->is_number_integer()) {
            return std::unexpected(bad_request("field \"timeout_s\" must be an integer"));
        }
        const auto seconds = timeout->get<std::int64_t>();
        if (seconds < 1 || seconds > kMaxCardWaitSeconds) {
            return std::unexpected(bad_argument(
                fmt::format("field \"timeout_s\" must be from 1 to {}", kMaxCardWaitSeconds)));
        }
        out.timeout_ms = seconds * 1000;
    }
    return out;
}

ApiResult<json> evaluation_request(const json& body) {
    if (auto unknown = only_fields(body, {"ticket", "score", "reason"})) {
        return std::unexpected(*unknown);
    }
    json op{{"op", "evaluate"}};
    if (auto problem = copy_text(body, "ticket", kMaxNumberBytes, true, op, "number")) {
        return std::unexpected(*problem);
    }
    const auto score = body.find("score");
    if (score == body.end() || !score->is_number_integer()) {
        return std::unexpected(bad_request("field \"score\" must be an integer from 1 to 5"));
    }
    const auto value = score->get<std::int64_t>();
    if (value < 1 || value > 5) {
        return std::unexpected(bad_argument("field \"score\" must be an integer from 1 to 5"));
    }
    op["score"] = value;
    if (auto problem = copy_text(body, "reason", kMaxTextBytes, false, op)) {
        return std::unexpected(*problem);
    }
    return op;
}

ApiResult<json> counter_request(std::string_view action, const json& body,
                                std::string_view window) {
    struct Action {
        std::string_view path;
        std::string_view op;
    };
    constexpr std::array<Action, 11> kActions{{
        {"call-next", "call_next"},
        {"recall", "recall"},
        {"call-specific", "call_specific"},
        {"start", "start"},
        {"no-show", "no_show"},
        {"transfer", "transfer"},
        {"hold", "hold"},
        {"call-back", "call_back"},
        {"pause", "pause"},
        {"resume", "resume"},
        {"finish", "finish"},
    }};
    const auto* found = std::ranges::find(kActions, action, &Action::path);
    if (found == kActions.end()) {
        return std::unexpected(ApiError{404, "not_found", "no such counter action"});
    }
    json op{{"op", found->op}, {"window", window}};
    const auto& name = found->op;
    if (name == "call_specific") {
        if (auto unknown = only_fields(body, {"number", "reason"})) {
            return std::unexpected(*unknown);
        }
        if (auto problem = copy_text(body, "number", kMaxNumberBytes, true, op)) {
            return std::unexpected(*problem);
        }
        if (auto problem = copy_text(body, "reason", kMaxTextBytes, true, op)) {
            return std::unexpected(*problem);
        }
    } else if (name == "call_back") {
        if (auto unknown = only_fields(body, {"number"})) {
            return std::unexpected(*unknown);
        }
        if (auto problem = copy_text(body, "number", kMaxNumberBytes, true, op)) {
            return std::unexpected(*problem);
        }
    } else if (name == "transfer") {
        if (auto unknown = only_fields(body, {"to_service", "to_window", "to_front"})) {
            return std::unexpected(*unknown);
        }
        if (auto problem = copy_text(body, "to_service", kMaxIdBytes, false, op)) {
            return std::unexpected(*problem);
        }
        if (auto problem = copy_text(body, "to_window", kMaxIdBytes, false, op)) {
            return std::unexpected(*problem);
        }
        if (const auto front = body.find("to_front"); front != body.end()) {
            if (!front->is_boolean()) {
                return std::unexpected(bad_request("field \"to_front\" must be true or false"));
            }
            op["to_front"] = front->get<bool>();
        }
    } else if (name == "pause") {
        if (auto unknown = only_fields(body, {"message"})) {
            return std::unexpected(*unknown);
        }
        if (auto problem = copy_text(body, "message", kMaxMessageBytes, false, op)) {
            return std::unexpected(*problem);
        }
    } else if (auto unknown = only_fields(body, {})) {
        return std::unexpected(*unknown);
    }
    return op;
}

ApiResult<LoginRequest> login_request(const json& body) {
    if (auto unknown = only_fields(body, {"officer", "pin", "window"})) {
        return std::unexpected(*unknown);
    }
    auto officer = text(body, "officer", kMaxIdBytes, true);
    if (!officer) {
        return std::unexpected(officer.error());
    }
    auto pin = text(body, "pin", kMaxIdBytes, true);
    if (!pin) {
        return std::unexpected(pin.error());
    }
    auto window = text(body, "window", kMaxIdBytes, true);
    if (!window) {
        return std::unexpected(window.error());
    }
    return LoginRequest{
        .officer = std::move(*officer), .pin = std::move(*pin), .window = std::move(*window)};
}

}  // namespace hk::api

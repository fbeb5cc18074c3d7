// Fuzz target for the Local API's request bodies: the first byte picks the endpoint, the rest is
// the body. Any bytes must be turned into an operation or refused with a 4xx and a message,
// never crash; an accepted operation names the queue operation its endpoint maps to and carries
// only the fields that endpoint may pass on.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/api/routes.hpp"

namespace {

using nlohmann::json;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_refusal(const hk::api::ApiError& error) {
    require(error.status >= 400 && error.status < 500);
    require(!error.code.empty() && !error.message.empty());
}

template <class T>
bool accepted(const hk::api::ApiResult<T>& result) {
    if (!result) {
        check_refusal(result.error());
        return false;
    }
    return true;
}

// Every key of `op` is one of `allowed`.
void only(const json& op, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : op.items()) {
        bool known = false;
        for (const auto name : allowed) {
            known = known || key == name;
        }
        require(known);
    }
}

constexpr std::array<std::string_view, 12> kActions{
    "call-next", "recall",    "call-specific", "start",  "no-show", "transfer",
    "hold",      "call-back", "pause",         "resume", "finish",  "dance"};

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const auto selector = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto body = hk::api::parse_object(text);
    if (!accepted(body)) {
        return 0;
    }
    switch (selector % 6U) {
        case 0:
            if (const auto op = hk::api::ticket_request(*body); accepted(op)) {
                require(op->at("op") == "take" && op->at("service").is_string());
                only(*op, {"op", "service", "channel", "phone", "priority_code", "card"});
            }
            break;
        case 1:
            if (const auto op = hk::api::check_in_request(*body); accepted(op)) {
                require(op->at("op") == "check_in");
                require(op->contains("code") != op->contains("card"));
            }
            break;
        case 2:
            if (const auto op = hk::api::evaluation_request(*body); accepted(op)) {
                const auto score = op->at("score").get<std::int64_t>();
                require(score >= 1 && score <= 5);
            }
            break;
        case 3:
            if (const auto wait = hk::api::card_wait_request(*body); accepted(wait)) {
                require(wait->timeout_ms >= 1000 &&
                        wait->timeout_ms <= hk::api::kMaxCardWaitSeconds * 1000);
            }
            break;
        case 4:
            if (const auto login = hk::api::login_request(*body); accepted(login)) {
                require(!login->officer.empty() && !login->pin.empty() && !login->window.empty());
            }
            break;
        default: {
            const auto action = kActions.at((selector / 6U) % kActions.size());
            if (const auto op = hk::api::counter_request(action, *body, "3"); accepted(op)) {
                require(op->at("window") == "3");  // a body never picks the window
                require(action != "dance");
            }
            break;
        }
    }
    return 0;
}

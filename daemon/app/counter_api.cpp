// The counter's part of the Local API (docs/api.md, "Officers: the counter"): officer sessions
// and the window's actions. See api_service.hpp.
#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/app/api_service.hpp"
#include "daemon/queue/event_codec.hpp"

namespace hk::app {
namespace {

using nlohmann::json;
namespace http = api::http;

constexpr std::size_t kQueueShown = 50;

api::Response unauthorized(std::string_view message) {
    return api::error(401, "unauthorized", message);
}

std::string actor_of(const officers::Session& session) {
    return fmt::format("window:{}/officer:{}", session.window, session.officer);
}

json ticket_history(const queue::Ticket& ticket) {
    json calls = json::array();
    for (const auto& call : ticket.calls) {
        calls.push_back(json{{"window", call.window},
                             {"at_ms", call.at},
                             {"specific", call.specific},
                             {"reason", call.reason},
                             {"rule", call.explanation.rule}});
    }
    return json{{"ticket", ticket.number},
                {"service", ticket.service},
                {"state", queue::to_string(ticket.state)},
                {"class", queue::to_string(ticket.ticket_class)},
                {"channel", queue::to_string(ticket.channel)},
                {"issued_at_ms", ticket.issued_at},
                {"recalls", ticket.recalls},
                {"no_shows", ticket.no_shows},
                {"calls", std::move(calls)}};
}

}  // namespace

void ApiService::add_counter_routes(api::Router& router) {
    router.add(http::verb::post, "/api/v1/sessions",
               [this](const api::Request& request, const api::Respond& respond) {
                   login(request, respond);
               });
    router.add(http::verb::delete_, "/api/v1/sessions/current",
               [this](const api::Request& request, const api::Respond& respond) {
                   logout(request, respond);
               });
    router.add(http::verb::get, "/api/v1/counter",
               [this](const api::Request& request, const api::Respond& respond) {
                   auto session = session_of(request);
                   if (!session) {
                       respond(std::move(session.error()));
                       return;
                   }
                   respond(api::Response{200, counter(*session)});
               });
    router.add(http::verb::post, "/api/v1/counter/{action}",
               [this](const api::Request& request, const api::Respond& respond) {
                   counter_action(request, respond);
               });
}

std::expected<officers::Session, api::Response> ApiService::session_of(
    const api::Request& request) {
    if (!request.bearer_token) {
        return std::unexpected(unauthorized("log in first: no \"Authorization: Bearer\" session"));
    }
    auto session = sessions_.use(*request.bearer_token, hooks_.now_ms());
    if (!session) {
        return std::unexpected(unauthorized("the session is unknown or has expired: log in again"));
    }
    return std::move(*session);
}

void ApiService::login(const api::Request& request, const api::Respond& respond) {
    auto body = api::parse_object(request.body);
    auto login = body ? api::login_request(*body)
                      : api::ApiResult<api::LoginRequest>(std::unexpected(body.error()));
    if (!login) {
        respond(api::error(login.error().status, login.error().code, login.error().message));
        return;
    }
    if (queue_.engine().state().hall.find_window(login->window) == nullptr) {
        respond(api::error(404, "unknown_window", "no window '" + login->window + "'"));
        return;
    }
    auto found = officers_.find(login->officer);
    if (!found) {
        spdlog::error("local API: cannot read the officers: {}", found.error().message);
        respond(api::error(500, "internal", "the officers cannot be read"));
        return;
    }
    const std::optional<officers::Officer> officer = std::move(*found);
    const auto now = hooks_.now_ms();
    if (officer && officer->locked_until_ms > now) {
        const auto minutes = ((officer->locked_until_ms - now) / 60'000) + 1;
        respond(api::error(429, "login_locked",
                           fmt::format("too many wrong PINs: try again in {} minute{}", minutes,
                                       minutes == 1 ? "" : "s")));
        return;
    }
    // Verified on the pool (a tenth of a second on purpose). An unknown 工号 is verified against
    // the decoy hash, so it answers as slowly as a wrong PIN does.
    auto hash = officer ? officer->pin_hash : decoy_hash_;
    auto pin = login->pin;  // copied before `login` moves into the second callback
    workers_.submit(
        [hash = std::move(hash), pin = std::move(pin)] {
            return !hash.empty() && officers::verify_pin(hash, pin);
        },
        [alive = std::weak_ptr<ApiService*>(alive_), login = std::move(*login),
         respond](bool verified) {
            if (const auto self = alive.lock()) {
                (*self)->finish_login(login, verified, respond);
            }
        });
}

void ApiService::finish_login(const api::LoginRequest& login, bool verified,
                              const api::Respond& respond) {
    const auto now = hooks_.now_ms();
    auto found = officers_.find(login.officer);  // again: it may have changed meanwhile
    const std::optional<officers::Officer> officer =
        found ? std::move(*found) : std::optional<officers::Officer>();
    if (!officer || !verified) {
        if (officer) {
            if (auto recorded = officers_.record_failure(login.officer, now); !recorded) {
                spdlog::error("local API: cannot record a failed login: {}",
                              recorded.error().message);
            }
        }
        spdlog::info("local API: failed counter login at window {}", login.window);
        respond(api::error(401, "bad_credentials", "wrong 工号 or PIN"));
        return;
    }
    if (auto recorded = officers_.record_success(login.officer); !recorded) {
        spdlog::error("local API: cannot record a login: {}", recorded.error().message);
    }
    const auto& state = queue_.engine().state();
    const auto status = state.windows.find(login.window);
    const bool already_there = status != state.windows.end() &&
                               status->second.officer == login.officer &&
                               status->second.state != queue::WindowState::logged_out;
    if (!already_there) {
        auto answer =
            hooks_.run(fmt::format("window:{}/officer:{}", login.window, login.officer),
                       json{{"op", "login"}, {"window", login.window}, {"officer", login.officer}});
        flush();
        if (!answer.value("ok", false)) {
            const auto code = answer.value("error", std::string("internal"));
            respond(api::error(api::status_for(code), code, answer.value("message", "")));
            return;
        }
    }
    const auto token = sessions_.open(login.officer, officer->name, login.window, now);
    respond(api::Response{201, json{{"token", token},
                                    {"officer", {{"id", login.officer}, {"name", officer->name}}},
                                    {"window", login.window},
                                    {"expires_at_ms", now + officers::SessionTable::kIdleMs}}});
}

void ApiService::logout(const api::Request& request, const api::Respond& respond) {
    auto session = session_of(request);
    if (!session) {
        respond(std::move(session.error()));
        return;
    }
    const auto& state = queue_.engine().state();
    const auto status = state.windows.find(session->window);
    if (status != state.windows.end() && status->second.officer == session->officer &&
        status->second.state != queue::WindowState::logged_out) {
        auto answer =
            hooks_.run(actor_of(*session), json{{"op", "logout"}, {"window", session->window}});
        flush();
        if (!answer.value("ok", false)) {
            // The session stays: the officer finishes or hands over the ticket first.
            const auto code = answer.value("error", std::string("internal"));
            respond(api::error(api::status_for(code), code, answer.value("message", "")));
            return;
        }
    }
    sessions_.close(request.bearer_token.value_or(""));
    respond(api::Response{204, nullptr});
}

void ApiService::counter_action(const api::Request& request, const api::Respond& respond) {
    auto session = session_of(request);
    if (!session) {
        respond(std::move(session.error()));
        return;
    }
    // Another login at the window (a technician's, say) ends what this session may do there.
    const auto& state = queue_.engine().state();
    const auto status = state.windows.find(session->window);
    if (status == state.windows.end() || status->second.officer != session->officer ||
        status->second.state == queue::WindowState::logged_out) {
        sessions_.close(request.bearer_token.value_or(""));
        respond(unauthorized("you are no longer logged in at window " + session->window));
        return;
    }
    auto body = api::parse_object(request.body.empty() ? std::string_view("{}") : request.body);
    auto op = body ? api::counter_request(request.params.at("action"), *body, session->window)
                   : api::ApiResult<json>(std::unexpected(body.error()));
    if (!op) {
        respond(api::error(op.error().status, op.error().code, op.error().message));
        return;
    }
    run_operation(actor_of(*session), *op, 200, respond);
}

json ApiService::counter(const officers::Session& session) const {
    const auto& state = queue_.engine().state();
    const auto* window = state.hall.find_window(session.window);
    if (window == nullptr) {
        return json{{"error", "unknown_window"}};
    }
    json current = nullptr;
    if (const auto status = state.windows.find(window->id); status != state.windows.end()) {
        if (const auto& id = status->second.current) {
            if (const auto* ticket = state.find_ticket(*id)) {
                current = ticket_history(*ticket);
            }
        }
    }
    // The tickets the window may call: its services' queues, merged in queue order (keys are
    // hall-wide), without those transferred to another window.
    std::vector<const queue::Ticket*> waiting;
    for (const auto& serves : window->serves) {
        const auto queue = state.waiting.find(serves.service);
        if (queue == state.waiting.end()) {
            continue;
        }
        for (const auto id : queue->second) {
            const auto* ticket = state.find_ticket(id);
            if (ticket != nullptr &&
                (ticket->target_window.empty() || ticket->target_window == window->id)) {
                waiting.push_back(ticket);
            }
        }
    }
    std::ranges::sort(waiting, {}, &queue::Ticket::queue_key);
    json queue_list = json::array();
    const auto now = hooks_.now_ms();
    for (const auto* ticket : waiting | std::views::take(kQueueShown)) {
        queue_list.push_back(
            json{{"ticket", ticket->number},
                 {"service", ticket->service},
                 {"class", queue::to_string(ticket->ticket_class)},
                 {"issued_at_ms", ticket->issued_at},
                 {"waiting_s", std::max<std::int64_t>(0, now - ticket->queued_at) / 1000}});
    }
    json held = json::array();
    for (const auto& [id, ticket] : state.tickets) {
        if (ticket.state == queue::TicketState::held && ticket.window == window->id) {
            held.push_back(json{{"ticket", ticket.number}, {"service", ticket.service}});
        }
    }
    json services = json::array();
    for (const auto& service : state.hall.services) {
        services.push_back(json{
            {"code", service.code}, {"name_zh", service.name_zh}, {"name_en", service.name_en}});
    }
    json windows = json::array();
    for (const auto& other : state.hall.windows) {
        if (other.id != window->id) {
            windows.push_back(
                json{{"id", other.id}, {"name_zh", other.name}, {"name_en", "Window " + other.id}});
        }
    }
    return json{{"window", window_view(*window)},
                {"officer", {{"id", session.officer}, {"name", session.name}}},
                {"current", std::move(current)},
                {"queue", std::move(queue_list)},
                {"held", std::move(held)},
                {"services", std::move(services)},
                {"windows", std::move(windows)}};
}

}  // namespace hk::app

// The Local API inside the daemon: see api_service.hpp.
#include "daemon/app/api_service.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/api/routes.hpp"
#include "daemon/queue/event_codec.hpp"

namespace hk::app {
namespace {

using nlohmann::json;
namespace http = api::http;

constexpr std::size_t kBoardCalls = 20;

// Fields that never leave the daemon through the stream: the citizen's identity hash and
// masked phone, and an appointment's check-in code (a credential). Removed at any depth.
void strip_private(json& value) {
    if (value.is_object()) {
        for (const auto* key : {"identity_hash", "phone_masked", "code"}) {
            value.erase(key);
        }
        for (auto& [key, child] : value.items()) {
            strip_private(child);
        }
    } else if (value.is_array()) {
        for (auto& child : value) {
            strip_private(child);
        }
    }
}

api::Response from_error(const api::ApiError& error) {
    return api::error(error.status, error.code, error.message);
}

json window_json(const queue::QueueState& state, const queue::Window& window) {
    const auto status = state.windows.find(window.id);
    json out{
        {"id", window.id},         {"name_zh", window.name},   {"name_en", "Window " + window.id},
        {"serves", json::array()}, {"state", "logged_out"},    {"ticket", nullptr},
        {"officer", nullptr},      {"paused_message", nullptr}};
    for (const auto& serves : window.serves) {
        out["serves"].push_back(serves.service);
    }
    if (status == state.windows.end()) {
        return out;
    }
    out["state"] = queue::to_string(status->second.state);
    if (!status->second.officer.empty()) {
        out["officer"] = status->second.officer;
    }
    if (status->second.state == queue::WindowState::paused) {
        out["paused_message"] = status->second.pause_message;
    }
    if (const std::optional<queue::TicketId> current = status->second.current) {
        if (const auto* ticket = state.find_ticket(*current)) {
            out["ticket"] = ticket->number;
        }
    }
    return out;
}

std::size_t waiting_count(const queue::QueueState& state, const std::string& service) {
    const auto it = state.waiting.find(service);
    return it == state.waiting.end() ? 0 : it->second.size();
}

}  // namespace

ApiService::ApiService(const QueueService& queue, const DeviceService& devices,
                       store::EventLog& log, std::string hall_name, Hooks hooks)
    : queue_(queue),
      devices_(devices),
      log_(log),
      hall_name_(std::move(hall_name)),
      hooks_(std::move(hooks)) {}

ApiService::~ApiService() {
    stop();
}

std::expected<std::unique_ptr<ApiService>, std::string> ApiService::start(
    boost::asio::io_context& io, const config::ApiSettings& settings, const QueueService& queue,
    const DeviceService& devices, store::EventLog& log, std::string hall_name, Hooks hooks) {
    std::unique_ptr<ApiService> service(
        new ApiService(queue, devices, log, std::move(hall_name), std::move(hooks)));
    if (auto last = log.last_seq()) {
        service->published_ = *last;
    }
    api::ServerOptions options;
    options.address = settings.address;
    options.port = settings.port;
    options.ui_dir = settings.ui_dir;
    options.log_error = [](const std::string& message) { spdlog::error("local API: {}", message); };
    auto* raw = service.get();
    auto server = api::Server::start(
        io, std::move(options), service->routes(),
        [raw](std::uint64_t after, std::size_t limit) { return raw->backlog(after, limit); });
    if (!server) {
        return std::unexpected(server.error());
    }
    service->server_ = std::move(*server);
    return service;
}

void ApiService::stop() {
    if (server_) {
        server_->stop();
    }
}

json ApiService::stream_message(const store::Event& event) const {
    json payload = json::parse(event.payload, nullptr, false);
    if (!payload.is_object()) {
        payload = json::object();
    }
    strip_private(payload);
    // Events about a ticket name it by id; screens want its number and service.
    if (const auto id = payload.find("id");
        id != payload.end() && id->is_number_integer() && event.type.starts_with("queue.")) {
        if (const auto* ticket = queue_.engine().state().find_ticket(id->get<std::int64_t>())) {
            payload["ticket"] = ticket->number;
            payload["service"] = ticket->service;
        }
    }
    return json{{"seq", event.seq},
                {"type", event.type},
                {"at_ms", event.at_ms},
                {"payload", std::move(payload)}};
}

api::Backlog ApiService::backlog(std::uint64_t after, std::size_t limit) const {
    api::Backlog out;
    auto events = log_.read_after(static_cast<std::int64_t>(after), static_cast<int>(limit));
    if (events) {
        for (const auto& event : *events) {
            out.messages.push_back(
                api::StreamMessage{static_cast<std::uint64_t>(event.seq), stream_message(event)});
        }
    }
    out.latest = static_cast<std::uint64_t>(published_);
    return out;  // the log keeps every event: `after` is never too old
}

void ApiService::flush() {
    if (!server_) {
        return;
    }
    while (true) {
        auto events = log_.read_after(published_, 500);
        if (!events || events->empty()) {
            return;
        }
        for (const auto& event : *events) {
            published_ = event.seq;
            server_->publish(
                api::StreamMessage{static_cast<std::uint64_t>(event.seq), stream_message(event)});
        }
    }
}

json ApiService::hall() const {
    const auto& engine = queue_.engine();
    const auto& state = engine.state();
    const auto now = hooks_.now_ms();
    json services = json::array();
    for (const auto& service : state.hall.services) {
        const bool open = engine.service_open(service, now);
        services.push_back(json{
            {"code", service.code},
            {"name_zh", service.name_zh},
            {"name_en", service.name_en},
            {"prefix", service.prefix},
            {"group_zh", ""},
            {"group_en", ""},
            {"open", open},
            {"closed_reason", open ? json(nullptr) : json("closed")},
            {"waiting", waiting_count(state, service.code)},
            {"estimated_wait_s", engine.estimated_wait_for_service(service.code) / 1000},
            {"materials_zh",
             service.materials_zh.empty() ? json::array() : json::array({service.materials_zh})},
            {"materials_en", json::array()}});
    }
    json windows = json::array();
    for (const auto& window : state.hall.windows) {
        windows.push_back(window_json(state, window));
    }
    return json{{"hall", {{"name_zh", hall_name_}, {"name_en", hall_name_}}},
                {"services", std::move(services)},
                {"windows", std::move(windows)}};
}

json ApiService::board() const {
    const auto& engine = queue_.engine();
    const auto& state = engine.state();
    struct Call {
        std::int64_t at = 0;
        std::string ticket;
        std::string window;
        int recalls = 0;
    };
    std::vector<Call> calls;
    for (const auto& [id, ticket] : state.tickets) {
        for (const auto& call : ticket.calls) {
            calls.push_back(Call{call.at, ticket.number, call.window, ticket.recalls});
        }
    }
    std::ranges::sort(calls, [](const Call& a, const Call& b) { return a.at > b.at; });
    // The latest call of each window first, then the others, newest first.
    std::vector<Call> ordered;
    std::vector<std::string> seen;
    for (const auto& call : calls) {
        if (std::ranges::find(seen, call.window) == seen.end()) {
            seen.push_back(call.window);
            ordered.push_back(call);
        }
    }
    for (const auto& call : calls) {
        if (ordered.size() >= std::max(kBoardCalls, seen.size())) {
            break;
        }
        if (std::ranges::none_of(ordered, [&](const Call& c) {
                return c.at == call.at && c.ticket == call.ticket && c.window == call.window;
            })) {
            ordered.push_back(call);
        }
    }
    json call_list = json::array();
    for (const auto& call : ordered) {
        call_list.push_back(json{{"ticket", call.ticket},
                                 {"window", call.window},
                                 {"at_ms", call.at},
                                 {"recall", call.recalls}});
    }
    json windows = json::array();
    for (const auto& window : state.hall.windows) {
        windows.push_back(window_json(state, window));
    }
    json services = json::array();
    for (const auto& service : state.hall.services) {
        services.push_back(
            json{{"code", service.code},
                 {"waiting", waiting_count(state, service.code)},
                 {"estimated_wait_s", engine.estimated_wait_for_service(service.code) / 1000}});
    }
    return json{{"seq", published_},
                {"calls", std::move(call_list)},
                {"windows", std::move(windows)},
                {"services", std::move(services)}};
}

void ApiService::run_operation(std::string_view actor, const json& op, unsigned success_status,
                               const api::Respond& respond) {
    auto answer = hooks_.run(actor, op);
    flush();
    if (!answer.value("ok", false)) {
        const auto code = answer.value("error", std::string("internal"));
        respond(api::error(api::status_for(code), code, answer.value("message", "")));
        return;
    }
    answer.erase("ok");
    answer.erase("op");
    if (const auto it = queue_.engine().state().find_by_number(answer.value("ticket", ""));
        it != nullptr && op.value("op", "") == "take") {
        answer["issued_at_ms"] = it->issued_at;
    }
    respond(api::Response{success_status, std::move(answer)});
}

api::Router ApiService::routes() {
    api::Router router;
    router.add(http::verb::get, "/api/v1/hall",
               [this](const api::Request&, const api::Respond& respond) {
                   respond(api::Response{200, hall()});
               });
    router.add(http::verb::get, "/api/v1/board",
               [this](const api::Request&, const api::Respond& respond) {
                   respond(api::Response{200, board()});
               });
    router.add(http::verb::get, "/api/v1/devices",
               [this](const api::Request&, const api::Respond& respond) {
                   auto devices = devices_.list();
                   devices.erase("unbound");  // hardware paths are for technicians
                   respond(api::Response{200, std::move(devices)});
               });
    // A POST route: the body checked into one queue operation, run, answered 201.
    const auto post = [this](auto make, std::string actor) {
        return [this, make, actor = std::move(actor)](const api::Request& request,
                                                      const api::Respond& respond) {
            auto body = api::parse_object(request.body);
            if (!body) {
                respond(from_error(body.error()));
                return;
            }
            auto op = make(*body);
            if (!op) {
                respond(from_error(op.error()));
                return;
            }
            run_operation(actor, *op, 201, respond);
        };
    };
    router.add(http::verb::post, "/api/v1/tickets", post(api::ticket_request, "api:kiosk"));
    router.add(http::verb::post, "/api/v1/appointments/check-in",
               post(api::check_in_request, "api:kiosk"));
    router.add(http::verb::post, "/api/v1/evaluations",
               post(api::evaluation_request, "api:evaluator"));
    return router;
}

}  // namespace hk::app

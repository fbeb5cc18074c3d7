// The Local API inside the daemon: see api_service.hpp.
#include "daemon/app/api_service.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "daemon/api/routes.hpp"
#include "daemon/queue/event_codec.hpp"
#include "daemon/tickets/ticket_layout.hpp"

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

// `officer_name`: the name of the 工号 logged in there, empty when unknown.
json window_json(const queue::QueueState& state, const queue::Window& window,
                 const std::function<std::string(const std::string&)>& officer_name) {
    const auto status = state.windows.find(window.id);
    json out{
        {"id", window.id},         {"name_zh", window.name},  {"name_en", "Window " + window.id},
        {"serves", json::array()}, {"state", "logged_out"},   {"ticket", nullptr},
        {"officer", nullptr},      {"officer_name", nullptr}, {"paused_message", nullptr}};
    for (const auto& serves : window.serves) {
        out["serves"].push_back(serves.service);
    }
    if (status == state.windows.end()) {
        return out;
    }
    out["state"] = queue::to_string(status->second.state);
    if (!status->second.officer.empty()) {
        out["officer"] = status->second.officer;
        if (auto name = officer_name(status->second.officer); !name.empty()) {
            out["officer_name"] = std::move(name);
        }
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

// A service's materials as a list: the hall file separates them with "；" or ";".
json materials(std::string_view text) {
    json out = json::array();
    while (!text.empty()) {
        auto cut = text.find("；");
        auto skip = std::string_view("；").size();
        if (const auto ascii = text.find(';'); ascii < cut) {
            cut = ascii;
            skip = 1;
        }
        auto item = text.substr(0, cut);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            out.push_back(std::string(item));
        }
        text = cut == std::string_view::npos ? std::string_view() : text.substr(cut + skip);
    }
    return out;
}

std::size_t waiting_count(const queue::QueueState& state, const std::string& service) {
    const auto it = state.waiting.find(service);
    return it == state.waiting.end() ? 0 : it->second.size();
}

}  // namespace

ApiService::ApiService(boost::asio::io_context& io, Parts parts, Hooks hooks)
    : io_(io),
      queue_(parts.queue),
      devices_(parts.devices),
      log_(parts.log),
      officers_(parts.officers),
      workers_(parts.workers),
      hall_id_(std::move(parts.hall_id)),
      hooks_(std::move(hooks)),
      cards_(parts.key) {}

ApiService::~ApiService() {
    stop();
}

std::expected<std::unique_ptr<ApiService>, std::string> ApiService::start(
    boost::asio::io_context& io, const config::ApiSettings& settings, Parts parts, Hooks hooks) {
    std::unique_ptr<ApiService> service(new ApiService(io, std::move(parts), std::move(hooks)));
    // The kiosk's ticket printer: the one named, else the first one not at a window.
    for (const auto& device : service->devices_.manager().devices()) {
        if (device->device_class != drivers::DeviceClass::ticket_printer) {
            continue;
        }
        if (settings.ticket_printer ? device->config.id == *settings.ticket_printer
                                    : service->printer_ == nullptr && !device->config.window) {
            service->printer_ = device.get();
        }
    }
    if (settings.ticket_printer && service->printer_ == nullptr) {
        return std::unexpected(
            fmt::format("api.ticket_printer: no ticket printer '{}' among the "
                        "devices",
                        *settings.ticket_printer));
    }
    if (auto last = service->log_.last_seq()) {
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
    // The decoy hash for logins with an unknown 工号 (counter_api.cpp), made once on the pool.
    service->workers_.submit(
        [] {
            std::array<unsigned char, 16> random{};
            randombytes_buf(random.data(), random.size());
            return officers::hash_pin(
                std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
        },
        [alive = std::weak_ptr<ApiService*>(service->alive_)](
            std::expected<std::string, std::string> hash) {
            if (const auto self = alive.lock(); self && hash) {
                (*self)->decoy_hash_ = std::move(*hash);
            }
        });
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

std::function<std::string(const std::string&)> ApiService::officer_names() const {
    return [this](const std::string& id) {
        auto found = officers_.find(id);
        return found && *found ? (*found)->name : std::string();
    };
}

json ApiService::hall() const {
    const auto names = officer_names();
    const auto& engine = queue_.engine();
    const auto& state = engine.state();
    const auto now = hooks_.now_ms();
    json services = json::array();
    for (const auto& service : state.hall.services) {
        const bool open = engine.service_open(service, now);
        const auto reason = engine.closed_reason(service, now);
        services.push_back(
            json{{"code", service.code},
                 {"name_zh", service.name_zh},
                 {"name_en", service.name_en},
                 {"prefix", service.prefix},
                 {"group_zh", service.group_zh},
                 {"group_en", service.group_en},
                 {"open", open && reason.empty()},
                 {"closed_reason", reason.empty() ? json(nullptr) : json(std::string(reason))},
                 {"waiting", waiting_count(state, service.code)},
                 {"estimated_wait_s", engine.estimated_wait_for_service(service.code) / 1000},
                 {"materials_zh", materials(service.materials_zh)},
                 {"materials_en", materials(service.materials_en)}});
    }
    json windows = json::array();
    for (const auto& window : state.hall.windows) {
        windows.push_back(window_json(state, window, names));
    }
    const auto& hall = state.hall;
    const auto notice = [](const std::string& text) {
        return text.empty() ? json(nullptr) : json(text);
    };
    return json{{"hall",
                 {{"name_zh", hall.name_zh.empty() ? hall_id_ : hall.name_zh},
                  {"name_en", hall.name_en.empty() ? hall_id_ : hall.name_en},
                  {"notice_zh", notice(hall.notice_zh)},
                  {"notice_en", notice(hall.notice_en)}}},
                {"services", std::move(services)},
                {"windows", std::move(windows)}};
}

json ApiService::board() const {
    const auto names = officer_names();
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
        windows.push_back(window_json(state, window, names));
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

std::expected<json, api::Response> ApiService::run_op(std::string_view actor, const json& op) {
    auto answer = hooks_.run(actor, op);
    flush();
    if (!answer.value("ok", false)) {
        const auto code = answer.value("error", std::string("internal"));
        return std::unexpected(
            api::error(api::status_for(code), code, answer.value("message", "")));
    }
    answer.erase("ok");
    answer.erase("op");
    return answer;
}

void ApiService::run_operation(std::string_view actor, const json& op, unsigned success_status,
                               const api::Respond& respond) {
    auto answer = run_op(actor, op);
    respond(answer ? api::Response{success_status, std::move(*answer)} : std::move(answer.error()));
}

json ApiService::window_view(const queue::Window& window) const {
    return window_json(queue_.engine().state(), window, officer_names());
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
    router.add(http::verb::get, "/api/v1/status",
               [this](const api::Request&, const api::Respond& respond) {
                   respond(api::Response{200, status()});
               });
    add_citizen_routes(router);
    add_counter_routes(router);
    return router;
}

json ApiService::status() const {
    json out = hooks_.status ? hooks_.status() : json::object();
    const auto& state = queue_.engine().state();
    std::size_t waiting = 0;
    for (const auto& [service, tickets] : state.waiting) {
        waiting += tickets.size();
    }
    int issued = 0;
    for (const auto& [code, stats] : state.services) {
        issued += stats.issued_today;
    }
    const auto open = std::ranges::count_if(state.windows, [](const auto& entry) {
        return entry.second.state != queue::WindowState::logged_out &&
               entry.second.state != queue::WindowState::attendance_anomaly;
    });
    out["seq"] = published_;
    out["queue"] = json{{"waiting", waiting}, {"windows_open", open}, {"tickets_today", issued}};
    out["devices"] = devices_.summary();
    out["stream_clients"] = server_ ? server_->stream_client_count() : 0;
    return out;
}

void ApiService::add_citizen_routes(api::Router& router) {
    router.add(http::verb::post, "/api/v1/tickets",
               [this](const api::Request& request, const api::Respond& respond) {
                   take_ticket(request, respond);
               });
    router.add(http::verb::post, "/api/v1/appointments/check-in",
               [this](const api::Request& request, const api::Respond& respond) {
                   check_in(request, respond);
               });
    router.add(http::verb::get, "/api/v1/tickets/{number}",
               [this](const api::Request& request, const api::Respond& respond) {
                   respond(ticket_view(request.params.at("number")));
               });
    router.add(http::verb::post, "/api/v1/id-card/wait",
               [this](const api::Request& request, const api::Respond& respond) {
                   wait_for_card(request, respond);
               });
    router.add(http::verb::post, "/api/v1/evaluations",
               [this](const api::Request& request, const api::Respond& respond) {
                   auto body = api::parse_object(request.body);
                   auto op = body ? api::evaluation_request(*body)
                                  : api::ApiResult<json>(std::unexpected(body.error()));
                   if (!op) {
                       respond(from_error(op.error()));
                       return;
                   }
                   run_operation("api:evaluator", *op, 201, respond);
               });
}

api::Response ApiService::ticket_view(const std::string& number) const {
    const auto& engine = queue_.engine();
    const auto* ticket = engine.state().find_by_number(number);
    if (ticket == nullptr) {
        return api::error(404, "unknown_ticket", "no ticket '" + number + "' today");
    }
    const bool waiting = ticket->state == queue::TicketState::waiting;
    return api::Response{
        200, json{{"ticket", ticket->number},
                  {"service", ticket->service},
                  {"state", queue::to_string(ticket->state)},
                  {"window", ticket->window.empty() ? json(nullptr) : json(ticket->window)},
                  {"waiting_ahead", waiting ? json(engine.waiting_ahead(ticket->id)) : json(0)},
                  {"estimated_wait_s", waiting ? engine.estimated_wait(ticket->id) / 1000 : 0},
                  {"issued_at_ms", ticket->issued_at}}};
}

// The card token of a ticket or check-in turned into the identity hash it stands for.
std::optional<api::ApiError> ApiService::redeem_card(json& op) {
    const auto token = op.find("card");
    if (token == op.end()) {
        return std::nullopt;
    }
    auto identity = cards_.redeem(token->get<std::string>(), hooks_.now_ms());
    op.erase(token);
    if (!identity) {
        return api::ApiError{404, "unknown_card",
                             "the card token is unknown, used or expired: read the card again"};
    }
    op["identity_hash"] = std::move(*identity);
    return std::nullopt;
}

void ApiService::take_ticket(const api::Request& request, const api::Respond& respond) {
    auto body = api::parse_object(request.body);
    auto op =
        body ? api::ticket_request(*body) : api::ApiResult<json>(std::unexpected(body.error()));
    if (!op) {
        respond(from_error(op.error()));
        return;
    }
    // A priority code gives the ticket its class; compared in constant time.
    if (const auto code = op->find("priority_code"); code != op->end()) {
        const auto given = code->get<std::string>();
        op->erase(code);
        const queue::PriorityCode* match = nullptr;
        for (const auto& known : queue_.engine().state().hall.priority_codes) {
            if (known.code.size() == given.size() &&
                sodium_memcmp(known.code.data(), given.data(), given.size()) == 0) {
                match = &known;
            }
        }
        if (match == nullptr) {
            respond(api::error(403, "bad_priority_code", "this priority code is not valid"));
            return;
        }
        (*op)["class"] = std::string(queue::to_string(match->ticket_class));
    }
    if (auto problem = redeem_card(*op)) {
        respond(from_error(*problem));
        return;
    }
    issue_and_print(*op, respond);
}

void ApiService::check_in(const api::Request& request, const api::Respond& respond) {
    auto body = api::parse_object(request.body);
    auto op =
        body ? api::check_in_request(*body) : api::ApiResult<json>(std::unexpected(body.error()));
    if (!op) {
        respond(from_error(op.error()));
        return;
    }
    if (auto problem = redeem_card(*op)) {
        respond(from_error(*problem));
        return;
    }
    issue_and_print(*op, respond);
}

void ApiService::issue_and_print(json op, const api::Respond& respond) {
    const bool print = op.value("print", true);
    op.erase("print");
    drivers::TicketPrinter* printer = print ? ticket_printer() : nullptr;
    if (print && printer_ != nullptr) {
        // A ticket the kiosk cannot print is not issued: the citizen would hold nothing.
        const auto& health = printer_->health->health();
        if (printer == nullptr || (health.state != drivers::DeviceState::online &&
                                   health.state != drivers::DeviceState::degraded)) {
            respond(api::error(503, "printer_unavailable",
                               fmt::format("the ticket printer cannot print now ({}{})",
                                           drivers::to_string(health.state),
                                           health.fault.empty() ? "" : ": " + health.fault)));
            return;
        }
    }
    auto answer = run_op("api:kiosk", op);
    if (!answer) {
        respond(std::move(answer.error()));
        return;
    }
    const auto& state = queue_.engine().state();
    const auto* ticket = state.find_by_number(answer->value("ticket", ""));
    if (ticket != nullptr) {
        (*answer)["issued_at_ms"] = ticket->issued_at;
    }
    if (printer == nullptr || ticket == nullptr) {
        (*answer)["printed"] = false;
        respond(api::Response{201, std::move(*answer)});
        return;
    }
    // Answered when the printer confirms the ticket, or after kPrintWaitMs: the ticket is
    // issued either way, and the kiosk shows it on screen.
    const auto* service = state.hall.find_service(ticket->service);
    const auto& hall = state.hall;
    auto job = tickets::ticket_job(
        tickets::TicketFacts{.ticket_id = ticket->id,
                             .number = ticket->number,
                             .hall_zh = hall.name_zh.empty() ? hall_id_ : hall.name_zh,
                             .hall_en = hall.name_en,
                             .service_zh = service != nullptr ? service->name_zh : ticket->service,
                             .service_en = service != nullptr ? service->name_en : "",
                             .waiting_ahead = answer->value("waiting_ahead", 0),
                             .estimated_wait_s = answer->value("estimated_wait_s", std::int64_t{0}),
                             .direction_zh = service != nullptr ? service->direction_zh : "",
                             .materials_zh = service != nullptr ? service->materials_zh : "",
                             .materials_en = service != nullptr ? service->materials_en : "",
                             .issued_at_ms = ticket->issued_at,
                             .utc_offset_minutes = state.utc_offset_minutes},
        hall.ticket);
    auto shared = std::make_shared<json>(std::move(*answer));
    auto timer = std::make_shared<boost::asio::steady_timer>(io_);
    timer->expires_after(std::chrono::milliseconds(kPrintWaitMs));
    timer->async_wait([shared, respond](const boost::system::error_code& error) {
        if (!error) {
            auto late = *shared;
            late["printed"] = false;
            late["print_error"] = "timeout";
            respond(api::Response{201, std::move(late)});
        }
    });
    printer->print(
        std::move(job), [shared, timer, respond](
                            std::expected<drivers::PrintReceipt, drivers::DeviceError> receipt) {
            timer->cancel();
            auto done = *shared;
            done["printed"] = receipt.has_value();
            if (!receipt) {
                done["print_error"] = receipt.error().code;
                spdlog::warn("local API: ticket {} not printed: {} ({})", done.value("ticket", ""),
                             receipt.error().code, receipt.error().detail);
            }
            respond(api::Response{201, std::move(done)});
        });
}

drivers::TicketPrinter* ApiService::ticket_printer() const {
    if (printer_ == nullptr || !printer_->driver) {
        return nullptr;
    }
    return drivers::as<drivers::TicketPrinter>(*printer_->driver);
}

void ApiService::wait_for_card(const api::Request& request, const api::Respond& respond) {
    auto body = api::parse_object(request.body.empty() ? std::string_view("{}") : request.body);
    auto wait = body ? api::card_wait_request(*body)
                     : api::ApiResult<api::CardWaitRequest>(std::unexpected(body.error()));
    if (!wait) {
        respond(from_error(wait.error()));
        return;
    }
    // The reader: the one named, else the first ID card reader not at a window, else the first.
    const devices::ManagedDevice* reader = nullptr;
    for (const auto& device : devices_.manager().devices()) {
        if (device->device_class != drivers::DeviceClass::id_card_reader) {
            if (device->config.id == wait->reader) {
                respond(api::error(404, "unknown_device",
                                   "device '" + wait->reader + "' is not an ID card reader"));
                return;
            }
            continue;
        }
        if (wait->reader.empty() ? (reader == nullptr || (reader->config.window.has_value() &&
                                                          !device->config.window.has_value()))
                                 : device->config.id == wait->reader) {
            reader = device.get();
        }
    }
    if (reader == nullptr) {
        respond(wait->reader.empty()
                    ? api::error(404, "unknown_device", "this node has no ID card reader")
                    : api::error(404, "unknown_device", "no device '" + wait->reader + "'"));
        return;
    }
    if (reader->health->health().state != drivers::DeviceState::online) {
        respond(api::error(409, "device_offline",
                           "the ID card reader '" + reader->config.id + "' is not online"));
        return;
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(io_);
    const auto id = cards_.wait(
        reader->config.id, hooks_.now_ms(), [timer, respond](const identity::CardOutcome& outcome) {
            timer->cancel();
            if (const auto* card = std::get_if<identity::CardToken>(&outcome)) {
                respond(api::Response{200, json{{"card", card->token},
                                                {"id_masked", card->id_masked},
                                                {"expires_at_ms", card->expires_ms}}});
                return;
            }
            const auto& failure = std::get<identity::CardFailure>(outcome);
            respond(
                api::error(409, "card_unreadable",
                           failure.code + (failure.detail.empty() ? "" : ": " + failure.detail)));
        });
    timer->expires_after(std::chrono::milliseconds(wait->timeout_ms));
    timer->async_wait([alive = std::weak_ptr<ApiService*>(alive_), id,
                       respond](const boost::system::error_code& error) {
        const auto self = alive.lock();
        if (error || !self) {
            return;
        }
        (*self)->cards_.cancel(id);
        respond(api::Response{200, json{{"card", nullptr}}});
    });
}

void ApiService::device_event(const devices::ManagedDevice& device,
                              const drivers::DeviceEvent& event) {
    if (device.device_class != drivers::DeviceClass::id_card_reader) {
        return;
    }
    if (const auto* read = std::get_if<drivers::events::CardRead>(&event)) {
        cards_.card_read(device.config.id, read->card, hooks_.now_ms());
    } else if (const auto* failed = std::get_if<drivers::events::CardReadFailed>(&event)) {
        cards_.card_failed(device.config.id,
                           identity::CardFailure{.code = failed->code, .detail = failed->detail});
    } else if (std::holds_alternative<drivers::events::CardRemoved>(event)) {
        cards_.card_removed(device.config.id);
    }
}

}  // namespace hk::app

// The Local API inside the daemon (docs/api.md): the server core of daemon/api with the hall's
// routes plugged in — the hall and board snapshots, devices, status, tickets (by touch, phone,
// priority code or ID card), appointment check-in, evaluations, officer sessions and the
// counter's actions — and the event stream fed from the node's event log, without personal
// data. The counter's routes are in counter_api.cpp.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "daemon/api/http_server.hpp"
#include "daemon/api/routes.hpp"
#include "daemon/app/device_service.hpp"
#include "daemon/app/queue_service.hpp"
#include "daemon/app/worker_pool.hpp"
#include "daemon/config/config.hpp"
#include "daemon/identity/card_desk.hpp"
#include "daemon/officers/officers.hpp"
#include "daemon/officers/sessions.hpp"
#include "daemon/store/event_log.hpp"
#include "drivers/sdk/device_classes.hpp"

namespace hk::app {

class ApiService {
public:
    struct Hooks {
        std::function<std::int64_t()> now_ms;
        // Runs one queue operation as the daemon does for hallctl (durable, alerts checked) and
        // returns its answer; the daemon then calls flush().
        std::function<nlohmann::json(std::string_view actor, const nlohmann::json& op)> run;
        // The node's status for GET /status (node, hall, role, version, …).
        std::function<nlohmann::json()> status;
    };

    // What the API reads and uses; all but `key` must outlive the service.
    struct Parts {
        const QueueService& queue;
        const DeviceService& devices;
        store::EventLog& log;
        officers::OfficerStore& officers;
        WorkerPool& workers;
        identity::IdentityKey key;
        std::string hall_id;  // shown when the hall file gives the hall no name
    };

    [[nodiscard]] static std::expected<std::unique_ptr<ApiService>, std::string> start(
        boost::asio::io_context& io, const config::ApiSettings& settings, Parts parts, Hooks hooks);
    ~ApiService();
    ApiService(const ApiService&) = delete;
    ApiService& operator=(const ApiService&) = delete;

    // Sends the events appended to the log since the last flush to the stream's clients.
    void flush();
    // A device's event (the device manager's listener): ID cards read at a reader reach the
    // kiosks waiting on it.
    void device_event(const devices::ManagedDevice& device, const drivers::DeviceEvent& event);
    void stop();
    [[nodiscard]] std::uint16_t port() const { return server_->port(); }

    // The answers of the reading routes, public for tests.
    [[nodiscard]] nlohmann::json hall() const;
    [[nodiscard]] nlohmann::json board() const;
    [[nodiscard]] nlohmann::json status() const;
    [[nodiscard]] nlohmann::json window_view(const queue::Window& window) const;

    // The counter's view of a window (GET /counter), public for tests.
    [[nodiscard]] nlohmann::json counter(const officers::Session& session) const;

    // How long a kiosk's card wait lasts at most.
    static constexpr std::int64_t kMaxCardWaitMs = 30'000;
    // How long a ticket's answer waits for the printer's confirmation.
    static constexpr std::int64_t kPrintWaitMs = 10'000;

private:
    ApiService(boost::asio::io_context& io, Parts parts, Hooks hooks);
    api::Router routes();
    void add_citizen_routes(api::Router& router);
    void add_counter_routes(api::Router& router);
    [[nodiscard]] std::function<std::string(const std::string&)> officer_names() const;
    [[nodiscard]] api::Backlog backlog(std::uint64_t after, std::size_t limit) const;
    [[nodiscard]] nlohmann::json stream_message(const store::Event& event) const;
    // Runs one queue operation: its answer (without "ok" and "op"), or the refusal to send.
    [[nodiscard]] std::expected<nlohmann::json, api::Response> run_op(std::string_view actor,
                                                                      const nlohmann::json& op);
    void run_operation(std::string_view actor, const nlohmann::json& op, unsigned success_status,
                       const api::Respond& respond);
    // Kiosk: issues the ticket of `op` (take or check_in) and prints it on the kiosk's printer
    // unless the request said "print": false; refuses when the printer cannot print.
    void issue_and_print(nlohmann::json op, const api::Respond& respond);
    [[nodiscard]] drivers::TicketPrinter* ticket_printer() const;
    // Kiosk: a ticket or check-in request with its card token or priority code resolved.
    [[nodiscard]] api::Response ticket_view(const std::string& number) const;
    [[nodiscard]] std::optional<api::ApiError> redeem_card(nlohmann::json& op);
    void take_ticket(const api::Request& request, const api::Respond& respond);
    void check_in(const api::Request& request, const api::Respond& respond);
    void wait_for_card(const api::Request& request, const api::Respond& respond);
    // Counter (counter_api.cpp).
    void login(const api::Request& request, const api::Respond& respond);
    void finish_login(const api::LoginRequest& login, bool verified, const api::Respond& respond);
    void logout(const api::Request& request, const api::Respond& respond);
    void counter_action(const api::Request& request, const api::Respond& respond);
    // The live session of a request's bearer token, or the 401 to answer.
    [[nodiscard]] std::expected<officers::Session, api::Response> session_of(
        const api::Request& request);

    boost::asio::io_context& io_;
    const QueueService& queue_;
    const DeviceService& devices_;
    store::EventLog& log_;
    officers::OfficerStore& officers_;
    WorkerPool& workers_;
    std::string hall_id_;
    Hooks hooks_;
    identity::CardDesk cards_;
    officers::SessionTable sessions_;
    std::string decoy_hash_;
    const devices::ManagedDevice* printer_ =
        nullptr;  // the kiosk's ticket printer, if any  // verified against when the 工号 is
                  // unknown, so both take as long
    std::unique_ptr<api::Server> server_;
    std::int64_t published_ = 0;  // last seq sent to the stream
    // Destroyed first: pool jobs and timers hold a weak reference to the service.
    std::shared_ptr<ApiService*> alive_ = std::make_shared<ApiService*>(this);
};

}  // namespace hk::app

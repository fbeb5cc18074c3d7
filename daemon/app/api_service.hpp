// The Local API inside the daemon (docs/api.md): the server core of daemon/api with the hall's
// routes plugged in — the hall and board snapshots, devices, tickets, appointment check-in,
// evaluations — and the event stream fed from the node's event log, without personal data.
// Counter sessions and officer actions come next (issue 5).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "daemon/api/http_server.hpp"
#include "daemon/app/device_service.hpp"
#include "daemon/app/queue_service.hpp"
#include "daemon/config/config.hpp"
#include "daemon/store/event_log.hpp"

namespace hk::app {

class ApiService {
public:
    struct Hooks {
        std::function<std::int64_t()> now_ms;
        // Runs one queue operation as the daemon does for hallctl (durable, alerts checked) and
        // returns its answer; the daemon then calls flush().
        std::function<nlohmann::json(std::string_view actor, const nlohmann::json& op)> run;
    };

    [[nodiscard]] static std::expected<std::unique_ptr<ApiService>, std::string> start(
        boost::asio::io_context& io, const config::ApiSettings& settings, const QueueService& queue,
        const DeviceService& devices, store::EventLog& log, std::string hall_name, Hooks hooks);
    ~ApiService();
    ApiService(const ApiService&) = delete;
    ApiService& operator=(const ApiService&) = delete;

    // Sends the events appended to the log since the last flush to the stream's clients.
    void flush();
    void stop();
    [[nodiscard]] std::uint16_t port() const { return server_->port(); }

    // The answers of the reading routes, public for tests.
    [[nodiscard]] nlohmann::json hall() const;
    [[nodiscard]] nlohmann::json board() const;

private:
    ApiService(const QueueService& queue, const DeviceService& devices, store::EventLog& log,
               std::string hall_name, Hooks hooks);
    api::Router routes();
    [[nodiscard]] api::Backlog backlog(std::uint64_t after, std::size_t limit) const;
    [[nodiscard]] nlohmann::json stream_message(const store::Event& event) const;
    void run_operation(std::string_view actor, const nlohmann::json& op, unsigned success_status,
                       const api::Respond& respond);

    const QueueService& queue_;
    const DeviceService& devices_;
    store::EventLog& log_;
    std::string hall_name_;
    Hooks hooks_;
    std::unique_ptr<api::Server> server_;
    std::int64_t published_ = 0;  // last seq sent to the stream
};

}  // namespace hk::app

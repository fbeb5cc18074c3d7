// The hallkeeperd process: owns the event loop and everything that lives on it.
//
// Threading (docs/architecture.md): one thread runs the io_context and owns all state — the
// store, the control socket, signal handling, the watchdog. Blocking work goes to the
// WorkerPool and comes back to the loop with its result. Signals are received through
// boost::asio::signal_set, so a SIGTERM is handled between two loop handlers and never
// interrupts a store transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "daemon/app/api_service.hpp"
#include "daemon/app/command_line.hpp"
#include "daemon/app/device_service.hpp"
#include "daemon/app/officer_service.hpp"
#include "daemon/app/queue_service.hpp"
#include "daemon/app/systemd.hpp"
#include "daemon/app/worker_pool.hpp"
#include "daemon/config/config.hpp"
#include "daemon/control/server.hpp"
#include "daemon/queue/alerts.hpp"
#include "daemon/store/database.hpp"
#include "daemon/store/event_log.hpp"
#include "daemon/store/run_history.hpp"
#include "daemon/store/state_dir.hpp"

namespace hk::app {

// Why the daemon could not start, and the exit code that says so (exit_codes.hpp).
struct StartupError {
    int exit_code = 0;
    std::string message;
};

class Daemon {
public:
    // Acquires the state directory, opens and migrates the store, records the run and opens
    // the control socket. Nothing is half-started on error: what was acquired is released.
    // `hall` is the queue's hall definition (from queue.hall_file or the embedded demo hall).
    // `drivers`: every driver the config may use (compiled-in and loaded); it outlives the
    // daemon.
    [[nodiscard]] static std::expected<std::unique_ptr<Daemon>, StartupError> start(
        config::Config config, CommandLine command_line, queue::HallDefinition hall,
        const drivers::DriverRegistry& drivers);

    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    ~Daemon();

    // Runs the loop until SIGTERM/SIGINT; tells systemd READY first. Returns the exit code.
    int run();

private:
    Daemon(config::Config config, CommandLine command_line, const drivers::DriverRegistry& drivers);
    std::optional<StartupError> open_store();
    std::optional<StartupError> open_control_socket();
    // Records this run and its node.started event; done last, so a refused start leaves no
    // run behind that would later look like a crash.
    std::optional<StartupError> record_start();
    // Rebuilds the queue from the event log.
    std::optional<StartupError> open_queue(queue::HallDefinition hall);
    // Starts the configured devices, hotplug and the simulation scenario.
    std::optional<StartupError> open_devices();
    // Starts the Local API for the screens, if the config enables it.
    std::optional<StartupError> open_api();
    void register_commands();

    void wait_for_signal();
    void on_signal(int signal_number);
    void begin_reload();
    void finish_reload(std::expected<config::Config, config::ConfigErrors> loaded);
    void shutdown();
    void arm_watchdog();

    [[nodiscard]] nlohmann::json status() const;
    [[nodiscard]] control::Outcome add_note(const nlohmann::json& args);
    [[nodiscard]] control::Outcome list_events(const nlohmann::json& args);
    [[nodiscard]] control::Outcome run_queue_operation(const nlohmann::json& args);
    [[nodiscard]] nlohmann::json queue_status() const;
    [[nodiscard]] control::Outcome explain_ticket(const nlohmann::json& args) const;
    [[nodiscard]] control::Outcome queue_statistics(const nlohmann::json& args) const;
    [[nodiscard]] nlohmann::json list_alerts() const;
    [[nodiscard]] std::vector<queue::Alert> current_alerts() const;
    // Evaluates the alerts and logs each that started (warning) or cleared (info) since the
    // last check; arm_alert_check() does so now and then every kAlertCheckInterval.
    void check_alerts();
    void arm_alert_check();
    // Appends one event in its own transaction (critical: synced before it returns); logs and
    // returns false on failure.
    bool record_event(std::string_view type, const nlohmann::json& payload,
                      store::Durability durability = store::Durability::critical);

    // The store members below: open_store() and record_start() engage them before start()
    // hands the Daemon out, and they stay engaged until it is destroyed.
    [[nodiscard]] const store::StateDir& state_dir() const;
    [[nodiscard]] store::Database& db();
    [[nodiscard]] const store::Database& db() const;
    [[nodiscard]] store::EventLog& event_log();
    [[nodiscard]] store::RunHistory& run_history();

    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer watchdog_timer_;
    boost::asio::steady_timer alerts_timer_;
    WorkerPool workers_;
    SystemdNotifier systemd_;

    config::Config config_;
    CommandLine command_line_;
    const drivers::DriverRegistry& drivers_;
    std::chrono::steady_clock::time_point started_;
    std::int64_t started_at_ms_ = 0;
    std::int64_t config_loaded_at_ms_ = 0;
    bool reload_in_progress_ = false;
    bool stopping_ = false;

    std::optional<store::StateDir> state_dir_;
    std::optional<store::Database> db_;
    std::optional<store::EventLog> events_;
    std::optional<store::RunHistory> runs_;
    store::Run run_;
    std::optional<store::Run> previous_run_;
    int schema_version_ = 0;

    std::optional<QueueService> queue_;
    queue::AlertMonitor alert_monitor_;

    std::unique_ptr<control::Server> control_;
    std::unique_ptr<DeviceService> devices_;
    std::optional<OfficerService> officers_;
    std::unique_ptr<ApiService> api_;  // destroyed first: it reads the queue and the devices
};

// Milliseconds since the Unix epoch.
[[nodiscard]] std::int64_t now_ms();

}  // namespace hk::app

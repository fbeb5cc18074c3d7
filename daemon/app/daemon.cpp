// The hallkeeperd process lifecycle: start-up, signals, reload, watchdog, shutdown, and the
// daemon's own control commands (status, note, events).
#include "daemon/app/daemon.hpp"

#include <csignal>
#include <utility>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "daemon/app/exit_codes.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/queue/reports.hpp"
#include "daemon/store/migrations.hpp"
#include "daemon/version.hpp"
#include "drivers/hotplug/udev_source.hpp"

namespace hk::app {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxNoteBytes = 1000;  // a technician's note, not a document
constexpr int kMaxEventsPerRequest = 500;
constexpr std::size_t kMaxTicketNumberBytes = 16;  // "A001"; prefixes and widths are short
// How often the loop checks the queue's alerts; thresholds are whole minutes.
constexpr std::chrono::seconds kAlertCheckInterval{30};

int exit_code_for(store::Errc code) {
    switch (code) {
        case store::Errc::cannot_create:
        case store::Errc::not_writable:
            return kExitCannotWriteState;
        case store::Errc::locked:
            return kExitAlreadyRunning;
        case store::Errc::corrupt:
            return kExitCorruptStore;
        case store::Errc::too_new:
            return kExitStoreTooNew;
        case store::Errc::io:
            return kExitIo;
        case store::Errc::constraint:
        case store::Errc::misuse:
            return kExitInternal;
    }
    return kExitInternal;
}

int exit_code_for(control::ServerErrc code) {
    switch (code) {
        case control::ServerErrc::in_use:
            return kExitAlreadyRunning;
        case control::ServerErrc::cannot_create:
            return kExitCannotWriteState;
        case control::ServerErrc::bad_group:
            return kExitConfig;
        case control::ServerErrc::io:
            return kExitIo;
    }
    return kExitInternal;
}

StartupError store_failure(const store::Error& error) {
    return StartupError{exit_code_for(error.code), error.message};
}

control::CommandError bad_args(std::string message) {
    return control::CommandError{std::string(control::errc::bad_args), std::move(message)};
}

control::CommandError internal_error(const store::Error& error) {
    return control::CommandError{std::string(control::errc::internal), error.message};
}

}  // namespace

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Daemon::Daemon(config::Config config, CommandLine command_line,
               const drivers::DriverRegistry& drivers)
    : signals_(io_, SIGTERM, SIGINT, SIGHUP),
      watchdog_timer_(io_),
      alerts_timer_(io_),
      workers_(io_, config.runtime.workers),
      config_(std::move(config)),
      command_line_(std::move(command_line)),
      drivers_(drivers),
      started_(std::chrono::steady_clock::now()),
      started_at_ms_(now_ms()),
      config_loaded_at_ms_(started_at_ms_) {}

Daemon::~Daemon() {
    // Pool threads may still be finishing work whose result would be posted to io_; join
    // them before io_ and the rest are destroyed.
    workers_.stop();
}

std::expected<std::unique_ptr<Daemon>, StartupError> Daemon::start(
    config::Config config, CommandLine command_line, queue::HallDefinition hall,
    const drivers::DriverRegistry& drivers) {
    // SIGPIPE would kill the daemon when a hallctl disconnects before reading its answer.
    // signal() fails only for an invalid signal number, and the previous handler is not needed.
    static_cast<void>(std::signal(SIGPIPE, SIG_IGN));
    std::unique_ptr<Daemon> daemon(new Daemon(std::move(config), std::move(command_line), drivers));
    if (auto error = daemon->open_store()) {
        return std::unexpected(std::move(*error));
    }
    if (auto error = daemon->open_control_socket()) {
        return std::unexpected(std::move(*error));
    }
    if (auto error = daemon->record_start()) {
        return std::unexpected(std::move(*error));
    }
    if (auto error = daemon->open_queue(std::move(hall))) {
        return std::unexpected(std::move(*error));
    }
    if (auto error = daemon->open_devices()) {
        return std::unexpected(std::move(*error));
    }
    daemon->officers_.emplace(
        daemon->db(), daemon->workers_,
        [raw = daemon.get()](std::string_view type, const json& payload) {
            return raw->record_event(type, payload);
        },
        now_ms);
    if (auto error = daemon->open_api()) {
        return std::unexpected(std::move(*error));
    }
    daemon->register_commands();
    return daemon;
}

std::optional<StartupError> Daemon::open_store() {
    auto state_dir = store::StateDir::acquire(config_.state.dir);
    if (!state_dir) {
        return store_failure(state_dir.error());
    }
    state_dir_.emplace(std::move(*state_dir));

    auto db = store::Database::open(state_dir_->database_path());
    if (!db) {
        return store_failure(db.error());
    }
    db_.emplace(std::move(*db));

    auto version = store::migrate(*db_);
    if (!version) {
        return store_failure(version.error());
    }
    schema_version_ = *version;

    return std::nullopt;
}

std::optional<StartupError> Daemon::open_control_socket() {
    control::ServerOptions options;
    options.socket = config_.control.socket;
    options.group = config_.control.group;
    options.log_error = [](const std::string& message) {
        spdlog::error("control command failed: {}", message);
    };
    auto server = control::Server::start(io_, std::move(options));
    if (!server) {
        return StartupError{exit_code_for(server.error().code), server.error().message};
    }
    control_ = std::move(*server);
    return std::nullopt;
}

std::optional<StartupError> Daemon::record_start() {
    runs_.emplace(db());
    auto run = runs_->record_start(started_at_ms_, kVersion, ::getpid());
    if (!run) {
        return store_failure(run.error());
    }
    run_ = *run;
    auto previous = runs_->previous(run_.id);
    if (!previous) {
        return store_failure(previous.error());
    }
    previous_run_ = *previous;

    events_.emplace(db(), config_.node.id);
    const bool previous_clean = !previous_run_ || previous_run_->stopped_ms.has_value();
    if (!previous_clean) {
        spdlog::warn(
            "the previous run (started {} ms ago) did not stop cleanly: power cut, "
            "crash or kill; the store was recovered from its journal",
            started_at_ms_ - previous_run_->started_ms);
    }
    if (!record_event("node.started", json{{"version", kVersion},
                                           {"run", run_.id},
                                           {"previous_run_clean", previous_clean}})) {
        return StartupError{
            kExitIo, "cannot write to the state database " + state_dir().database_path().string()};
    }
    return std::nullopt;
}

std::optional<StartupError> Daemon::open_queue(queue::HallDefinition hall) {
    auto service =
        QueueService::open(db(), event_log(), std::move(hall), config_.queue.utc_offset_minutes);
    if (!service) {
        return store_failure(service.error());
    }
    queue_.emplace(std::move(*service));
    spdlog::info("queue ready: {} services, {} windows, {} queue events replayed",
                 queue_->engine().state().hall.services.size(),
                 queue_->engine().state().hall.windows.size(), queue_->events_replayed());
    return std::nullopt;
}

std::optional<StartupError> Daemon::open_devices() {
    auto service = DeviceService::start(
        io_, config_, drivers_, std::make_unique<drivers::hotplug::UdevSource>(io_),
        DeviceServiceHooks{
            // Health changes are not worth a sync each: a power cut may lose the last one,
            // and the driver reports the state again when it starts.
            .record_event =
                [this](std::string_view type, const json& payload) {
                    record_event(type, payload, store::Durability::relaxed);
                },
            .now_ms = now_ms,
            .device_event =
                [this](const devices::ManagedDevice& device, const drivers::DeviceEvent& event) {
                    if (api_) {
                        api_->device_event(device, event);
                    }
                },
        });
    if (!service) {
        std::string message = "the devices cannot start:";
        for (const auto& problem : service.error()) {
            message += "\n  " + problem;
        }
        return StartupError{kExitConfig, message};
    }
    devices_ = std::move(*service);
    return std::nullopt;
}

std::optional<StartupError> Daemon::open_api() {
    if (!config_.api.enabled) {
        return std::nullopt;
    }
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): open_queue() engaged it before
    const QueueService& queue = *queue_;
    // The key that hashes the ID numbers of cards read at the kiosk (docs/privacy.md).
    auto key = identity::IdentityKey::load_or_create(state_dir().path() / "identity.key");
    if (!key) {
        return StartupError{kExitIo, "the local API cannot start: " + key.error()};
    }
    auto api = ApiService::start(
        io_, config_.api,
        ApiService::Parts{.queue = queue,
                          .devices = *devices_,
                          .log = event_log(),
                          // NOLINTNEXTLINE(bugprone-unchecked-optional-access): engaged before
                          .officers = officers_->store(),
                          .workers = workers_,
                          .key = *key,
                          .hall_id = config_.node.hall},
        ApiService::Hooks{
            .now_ms = now_ms,
            .run =
                [this](std::string_view actor, const json& op) {
                    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): opened before
                    auto answer = queue_->run(now_ms(), actor, op);
                    check_alerts();
                    return answer;
                },
            .status =
                [this] {
                    return json{{"node", config_.node.id},
                                {"hall", config_.node.hall},
                                {"role", config::to_string(config_.node.role)},
                                {"version", kVersion},
                                {"started_at_ms", started_at_ms_},
                                {"sync", {{"state", "standalone"}}}};
                },
        });
    if (!api) {
        return StartupError{kExitIo, "the local API cannot start: " + api.error()};
    }
    api_ = std::move(*api);
    spdlog::info("local API on http://{}:{}/ ({})",
                 config_.api.address.find(':') != std::string::npos
                     ? "[" + config_.api.address + "]"
                     : config_.api.address,
                 api_->port(),
                 config_.api.ui_dir ? "screens from " + config_.api.ui_dir->string()
                                    : std::string("no screens: api.ui_dir is not set"));
    return std::nullopt;
}

void Daemon::register_commands() {
    control_->add_command(
        "status", "Version, role, uptime and store of this node",
        control::Server::SyncHandler([this](const json&) -> control::Outcome { return status(); }));
    control_->add_command(
        "note", "Record a technician's maintenance note in the node's event log",
        control::Server::SyncHandler([this](const json& args) { return add_note(args); }));
    control_->add_command(
        "events", "List this node's events after a sequence number",
        control::Server::SyncHandler([this](const json& args) { return list_events(args); }));
    control_->add_command(
        "queue", "Run one queue operation (docs/queue-replay.md), e.g. {\"op\":\"take\",...}",
        control::Server::SyncHandler(
            [this](const json& args) { return run_queue_operation(args); }));
    control_->add_command(
        "explain", "Why a ticket was called: strategy, rule and the tickets it beat",
        control::Server::SyncHandler([this](const json& args) { return explain_ticket(args); }));
    control_->add_command(
        "stats", "Queue statistics of a day, whole or grouped (docs/statistics.md)",
        control::Server::SyncHandler([this](const json& args) { return queue_statistics(args); }));
    control_->add_command("alerts", "The queue's alerts now: long waits, long queues, idle windows",
                          control::Server::SyncHandler(
                              [this](const json&) -> control::Outcome { return list_alerts(); }));
    devices_->register_commands(*control_);
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): engaged by start() before this
    officers_->register_commands(*control_);
}

control::Outcome Daemon::run_queue_operation(const json& args) {
    // NOLINTNEXTLINE(bugprone-unchecked-optional-access): engaged before commands exist
    auto answer = queue_->run(now_ms(), "hallctl", args);
    check_alerts();  // an operation may start or clear an alert: log it now, not at the next tick
    if (api_) {
        api_->flush();
    }
    if (answer.value("ok", false)) {
        return answer;
    }
    return std::unexpected(
        control::CommandError{answer.value("error", "internal"), answer.value("message", "")});
}

json Daemon::queue_status() const {
    if (!queue_) {
        return nullptr;
    }
    const auto& state = queue_->engine().state();
    std::size_t waiting = 0;
    for (const auto& [service, list] : state.waiting) {
        waiting += list.size();
    }
    std::size_t staffed = 0;
    for (const auto& [id, window] : state.windows) {
        staffed += window.state != queue::WindowState::logged_out ? 1 : 0;
    }
    return json{{"services", state.hall.services.size()},
                {"windows", state.hall.windows.size()},
                {"windows_staffed", staffed},
                {"tickets_today", state.tickets.size()},
                {"waiting", waiting},
                {"events_replayed", queue_->events_replayed()},
                {"alerts", queue::alerts_json(current_alerts(), state.hall.alerts)["alerts"]}};
}

int Daemon::run() {
    wait_for_signal();
    arm_watchdog();
    arm_alert_check();
    const auto status_line =
        fmt::format("{} node {} in hall {}, ready", config::to_string(config_.node.role),
                    config_.node.id, config_.node.hall);
    spdlog::info("hallkeeperd {} started: {}; state {}; control socket {}", kVersion, status_line,
                 config_.state.dir.string(), config_.control.socket.string());
    systemd_.ready(status_line);
    io_.run();
    spdlog::info("hallkeeperd stopped");
    return kExitOk;
}

void Daemon::wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
        if (!error) {
            on_signal(signal_number);
        }
    });
}

void Daemon::on_signal(int signal_number) {
    if (signal_number == SIGHUP) {
        begin_reload();
        wait_for_signal();
        return;
    }
    spdlog::info("received {}, stopping", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    shutdown();
}

void Daemon::begin_reload() {
    if (!command_line_.config_file) {
        spdlog::info("SIGHUP: running on the embedded default, nothing to reload");
        return;
    }
    if (reload_in_progress_ || stopping_) {
        return;
    }
    reload_in_progress_ = true;
    systemd_.reloading();
    spdlog::info("SIGHUP: reloading {}", command_line_.config_file->string());
    workers_.submit([file = *command_line_.config_file,
                     &drivers = drivers_] { return config::load_file(file, drivers); },
                    [this](std::expected<config::Config, config::ConfigErrors> loaded) {
                        finish_reload(std::move(loaded));
                    });
}

void Daemon::finish_reload(std::expected<config::Config, config::ConfigErrors> loaded) {
    reload_in_progress_ = false;
    if (stopping_) {
        return;
    }
    if (!loaded) {
        for (const auto& error : loaded.error()) {
            spdlog::error("reload rejected: {}", error.to_string());
        }
        spdlog::error("reload rejected: the running configuration is unchanged");
        systemd_.ready("reload rejected, running configuration unchanged");
        return;
    }
    // Command-line overrides still apply, exactly as at start-up.
    config::Config next = std::move(*loaded);
    if (command_line_.state_dir) {
        next.state.dir = *command_line_.state_dir;
    }
    if (command_line_.socket) {
        next.control.socket = *command_line_.socket;
    }
    for (const auto& key : config::restart_required_changes(config_, next)) {
        spdlog::warn("reload: '{}' changed; it takes effect after a restart", key);
    }
    config_.log = next.log;
    configure_logging(config_.log);
    config_loaded_at_ms_ = now_ms();
    record_event("config.reloaded", json{{"log_level", config::to_string(config_.log.level)}});
    spdlog::info("reload done");
    systemd_.ready("configuration reloaded");
}

void Daemon::arm_watchdog() {
    const auto interval = systemd_.watchdog_interval();
    if (!interval) {
        return;
    }
    // Pinged from the loop itself: if the loop stalls, the pings stop and systemd restarts us.
    systemd_.watchdog();
    watchdog_timer_.expires_after(*interval);
    watchdog_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error) {
            arm_watchdog();
        }
    });
}

void Daemon::shutdown() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    systemd_.stopping();
    control_->stop();
    signals_.cancel();
    watchdog_timer_.cancel();
    alerts_timer_.cancel();
    if (api_) {
        api_->stop();
    }
    if (devices_) {
        devices_->stop();
    }
    record_event("node.stopped", json{{"run", run_.id}});
    if (auto stopped = run_history().record_stop(run_.id, now_ms()); !stopped) {
        spdlog::error("could not record the clean stop: {}", stopped.error().message);
    }
    io_.stop();
}

// The invariant these rely on spans member functions, which the optional-access check cannot
// follow: see the declarations.
// NOLINTBEGIN(bugprone-unchecked-optional-access)
const store::StateDir& Daemon::state_dir() const {
    return *state_dir_;
}

store::Database& Daemon::db() {
    return *db_;
}

const store::Database& Daemon::db() const {
    return *db_;
}

store::EventLog& Daemon::event_log() {
    return *events_;
}

store::RunHistory& Daemon::run_history() {
    return *runs_;
}
// NOLINTEND(bugprone-unchecked-optional-access)

bool Daemon::record_event(std::string_view type, const json& payload,
                          store::Durability durability) {
    auto transaction = db().begin(durability);
    if (!transaction) {
        spdlog::error("event {} not recorded: {}", type, transaction.error().message);
        return false;
    }
    auto seq = event_log().append(now_ms(), type, payload.dump());
    if (!seq) {
        spdlog::error("event {} not recorded: {}", type, seq.error().message);
        return false;
    }
    if (auto committed = transaction->commit(); !committed) {
        spdlog::error("event {} not recorded: {}", type, committed.error().message);
        return false;
    }
    if (api_) {
        api_->flush();  // the screens see it now
    }
    return true;
}

json Daemon::status() const {
    const auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    json previous = nullptr;
    if (previous_run_) {
        previous = json{{"clean", previous_run_->stopped_ms.has_value()},
                        {"started_ms", previous_run_->started_ms},
                        {"version", previous_run_->version}};
        if (previous_run_->stopped_ms) {
            previous["stopped_ms"] = *previous_run_->stopped_ms;
        }
    }
    return json{
        {"version", kVersion},
        {"node",
         {{"id", config_.node.id},
          {"hall", config_.node.hall},
          {"role", config::to_string(config_.node.role)}}},
        {"pid", ::getpid()},
        {"started_at_ms", started_at_ms_},
        {"uptime_ms", uptime.count()},
        {"state_dir", state_dir().path().string()},
        {"store",
         {{"path", db().path().string()},
          {"size_bytes", db().size_bytes()},
          {"schema_version", schema_version_}}},
        {"previous_run", previous},
        {"config",
         {{"source", command_line_.config_file ? command_line_.config_file->string()
                                               : std::string("<embedded default>")},
          {"loaded_at_ms", config_loaded_at_ms_},
          {"log_level", config::to_string(config_.log.level)}}},
        {"queue", queue_status()},
        {"devices", devices_ ? devices_->summary() : json(nullptr)},
        {"api",
         api_ ? json{{"address", config_.api.address}, {"port", api_->port()}} : json(nullptr)},
    };
}

control::Outcome Daemon::add_note(const json& args) {
    const auto text = args.find("text");
    if (text == args.end() || !text->is_string()) {
        return std::unexpected(bad_args("'text' must be a string"));
    }
    // The control protocol's JSON parser has already rejected invalid UTF-8.
    const auto& value = text->get_ref<const std::string&>();
    if (value.empty() || value.size() > kMaxNoteBytes) {
        return std::unexpected(bad_args(
            fmt::format("'text' must be 1 to {} bytes, got {}", kMaxNoteBytes, value.size())));
    }
    auto transaction = db().begin(store::Durability::critical);
    if (!transaction) {
        return std::unexpected(internal_error(transaction.error()));
    }
    auto seq = event_log().append(now_ms(), "maintenance.note", json{{"text", value}}.dump());
    if (!seq) {
        return std::unexpected(internal_error(seq.error()));
    }
    if (auto committed = transaction->commit(); !committed) {
        return std::unexpected(internal_error(committed.error()));
    }
    return json{{"seq", *seq}};
}

control::Outcome Daemon::list_events(const json& args) {
    std::int64_t after = 0;
    int limit = 100;
    if (const auto it = args.find("after"); it != args.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
            return std::unexpected(bad_args("'after' must be a non-negative integer"));
        }
        after = it->get<std::int64_t>();
    }
    if (const auto it = args.find("limit"); it != args.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
            it->get<std::int64_t>() > kMaxEventsPerRequest) {
            return std::unexpected(
                bad_args(fmt::format("'limit' must be an integer 1..{}", kMaxEventsPerRequest)));
        }
        limit = it->get<int>();
    }
    auto events = event_log().read_after(after, limit);
    if (!events) {
        return std::unexpected(internal_error(events.error()));
    }
    json list = json::array();
    for (const auto& event : *events) {
        list.push_back(json{{"node", event.node_id},
                            {"seq", event.seq},
                            {"at_ms", event.at_ms},
                            {"type", event.type},
                            {"payload", json::parse(event.payload, nullptr, false)}});
    }
    return json{{"events", std::move(list)}};
}

// NOLINTBEGIN(bugprone-unchecked-optional-access): queue_ is engaged before commands exist
control::Outcome Daemon::explain_ticket(const json& args) const {
    const auto ticket = args.find("ticket");
    if (ticket == args.end() || !ticket->is_string() ||
        ticket->get_ref<const std::string&>().empty() ||
        ticket->get_ref<const std::string&>().size() > kMaxTicketNumberBytes) {
        return std::unexpected(
            bad_args(fmt::format("'ticket' must be a ticket number of 1 to {} bytes, e.g. \"A001\"",
                                 kMaxTicketNumberBytes)));
    }
    auto explained =
        queue::explain_ticket(queue_->engine(), ticket->get_ref<const std::string&>(), now_ms());
    if (!explained) {
        return std::unexpected(control::CommandError{
            std::string(queue::to_string(explained.error().code)), explained.error().message});
    }
    return std::move(*explained);
}

control::Outcome Daemon::queue_statistics(const json& args) const {
    const auto& state = queue_->engine().state();
    auto day = queue::hall_day(now_ms(), state.utc_offset_minutes, state.hall.rules.day_reset);
    if (const auto it = args.find("day"); it != args.end()) {
        const auto parsed =
            it->is_string() ? queue::parse_day(it->get_ref<const std::string&>()) : std::nullopt;
        if (!parsed) {
            return std::unexpected(bad_args("'day' must be a date YYYY-MM-DD"));
        }
        day = *parsed;
    }
    auto by = queue::Grouping::day;
    if (const auto it = args.find("by"); it != args.end()) {
        const auto parsed = it->is_string()
                                ? queue::parse_grouping(it->get_ref<const std::string&>())
                                : std::nullopt;
        if (!parsed) {
            return std::unexpected(
                bad_args("'by' must be one of day, hour, service, window, officer, channel"));
        }
        by = *parsed;
    }
    const auto& statistics = queue_->statistics();
    const auto report = statistics.report(day, by);
    if (!report) {
        return std::unexpected(control::CommandError{
            "not_kept",
            fmt::format("statistics are kept for the last {} days, from {}; older days are in the "
                        "event log",
                        statistics.days_kept(),
                        queue::format_day(statistics.first_day_kept().value_or(day)))});
    }
    return queue::statistics_json(*report);
}

json Daemon::list_alerts() const {
    return queue::alerts_json(current_alerts(), queue_->engine().state().hall.alerts);
}

std::vector<queue::Alert> Daemon::current_alerts() const {
    if (!queue_) {
        return {};
    }
    const auto& state = queue_->engine().state();
    return queue::evaluate_alerts(state, state.hall.alerts, now_ms(),
                                  queue_->statistics().idle_since());
}
// NOLINTEND(bugprone-unchecked-optional-access)

void Daemon::check_alerts() {
    const auto changes = alert_monitor_.update(current_alerts());
    for (const auto& alert : changes.started) {
        spdlog::warn("alert: {}", queue::describe(alert));
    }
    for (const auto& alert : changes.cleared) {
        spdlog::info("alert cleared: {} {}", queue::to_string(alert.kind), alert.subject);
    }
}

void Daemon::arm_alert_check() {
    check_alerts();
    alerts_timer_.expires_after(kAlertCheckInterval);
    alerts_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error && !stopping_) {
            arm_alert_check();
        }
    });
}

}  // namespace hk::app

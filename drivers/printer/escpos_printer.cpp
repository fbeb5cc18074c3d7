// ESC/POS thermal ticket printers: see escpos_printer.hpp.
#include "drivers/printer/escpos_printer.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "drivers/sdk/device_classes.hpp"
#include "drivers/transport/serial_transport.hpp"
#include "drivers/transport/tcp_transport.hpp"
#include "drivers/transport/trace.hpp"
#include "drivers/transport/transport.hpp"
#include "protocols/escpos/encoder.hpp"
#include "protocols/escpos/status.hpp"
#include "protocols/escpos/text.hpp"

namespace hk::drivers::printer {
namespace {

namespace escpos = proto::escpos;
using std::chrono::milliseconds;

constexpr std::size_t kRememberedJobs = 64;
constexpr int kFeedBeforeCut = 3;
constexpr milliseconds kStatusTimeout{1000};
constexpr std::string_view kReprintMark = "补打 REPRINT";

template <typename T>
T param(const DeviceConfig& config, std::string_view name) {
    return std::get<T>(config.params.find(name)->second);
}

milliseconds duration(const DeviceConfig& config, std::string_view name) {
    return std::get<milliseconds>(config.params.find(name)->second);
}

escpos::Align align_of(Align align) {
    switch (align) {
        case Align::center:
            return escpos::Align::center;
        case Align::right:
            return escpos::Align::right;
        case Align::left:
            break;
    }
    return escpos::Align::left;
}

// What the status round trip found: the health it means.
struct Condition {
    DeviceState state = DeviceState::online;
    std::string fault;
    std::string detail;
};

Condition condition_of(const escpos::PrinterStatus& offline, const escpos::PrinterStatus& paper) {
    if (paper.paper_out || offline.paper_out) {
        return {DeviceState::faulted, "paper_out", "the paper roll has run out"};
    }
    if (offline.cover_open) {
        return {DeviceState::faulted, "cover_open", "the printer's cover is open"};
    }
    if (offline.error || offline.cutter_error || offline.unrecoverable_error) {
        return {DeviceState::faulted, offline.cutter_error ? "cutter_error" : "printer_error",
                offline.cutter_error ? "the cutter is jammed" : "the printer reports an error"};
    }
    if (paper.paper_near_end) {
        return {DeviceState::degraded, "paper_low", "the paper roll is near its end"};
    }
    return {DeviceState::online, "", "paper ok"};
}

}  // namespace

std::vector<std::uint8_t> ticket_bytes(const PrintJob& job, const escpos::Profile& profile,
                                       bool mark) {
    escpos::Encoder out(profile);
    out.init();
    if (mark) {
        out.align(escpos::Align::center).bold(true).line(kReprintMark).bold(false);
    }
    for (const auto& line : job.lines) {
        const int scale = std::clamp(line.scale, 1, 8);
        out.align(align_of(line.align)).size(scale, scale).bold(line.bold);
        for (const auto& part : escpos::wrap(line.text, std::max(1, profile.columns / scale))) {
            out.line(part);
        }
        out.size(1, 1).bold(false);
    }
    if (job.code) {
        out.align(escpos::Align::center);
        if (job.code->kind == PrintCode::Kind::qr) {
            out.qr(job.code->data);
        } else {
            static_cast<void>(out.code128(job.code->data));
        }
    }
    out.align(escpos::Align::left).feed(kFeedBeforeCut).cut();
    return out.take();
}

namespace {

struct QueuedJob {
    PrintJob job;
    Completion<PrintReceipt> done;
    bool maybe_printed = false;  // bytes were sent, then the link was lost or went silent
    bool in_printer = false;     // all of it is in the printer, waiting for a fault to clear
};

class EscposPrinter final : public Driver, public TicketPrinter {
public:
    EscposPrinter(const DeviceConfig& config, DriverContext& context,
                  std::unique_ptr<transport::Link> link)
        : context_(context),
          link_(std::move(link)),
          profile_(param<std::string>(config, "paper_width") == "58mm" ? escpos::profile_58mm()
                                                                       : escpos::profile_80mm()),
          status_interval_(duration(config, "status_interval")),
          poll_timer_(context.io) {
        profile_.kanji_mode_commands = param<bool>(config, "kanji_mode");
    }
    EscposPrinter(const EscposPrinter&) = delete;
    EscposPrinter& operator=(const EscposPrinter&) = delete;
    EscposPrinter(EscposPrinter&&) = delete;
    EscposPrinter& operator=(EscposPrinter&&) = delete;
    ~EscposPrinter() override { stop(); }

    std::expected<void, std::string> start() override {
        description_ = link_->describe();
        transport_ = transport::Transport::create(context_.io, std::move(link_),
                                                  transport::TransportOptions{}, &context_.health);
        transport_->start(transport::TransportHandlers{
            .on_data = {},  // replies come through request(); anything else is noise
            .on_up = [this] { on_up(); },
            .on_down = [this](std::string_view, std::string_view) { on_down(); },
        });
        return {};
    }

    void stop() override {
        poll_timer_.cancel();
        if (transport_) {
            transport_->stop();
            transport_.reset();
        }
        auto jobs = std::move(queue_);
        queue_.clear();
        for (auto& queued : jobs) {
            finish(queued, std::unexpected(DeviceError{std::string(device_errc::kCancelled),
                                                       "the printer driver stopped"}));
        }
    }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("{} on {}, {} columns{}; {} printed, {} reprinted, {} waiting",
                           "escpos printer", description_, profile_.columns,
                           profile_.kanji_mode_commands ? ", Kanji mode" : "", printed_, reprinted_,
                           queue_.size());
    }

    void self_test(Completion<std::string> done) override {
        if (!transport_ || !transport_->is_up()) {
            post(std::move(done),
                 std::unexpected(DeviceError{std::string(device_errc::kNotReady),
                                             "not connected: " + context_.health.health().detail}));
            return;
        }
        query_status([done = std::move(done)](const std::optional<Condition>& found) mutable {
            if (!found) {
                done(std::unexpected(DeviceError{"timeout", "no answer to a status query"}));
                return;
            }
            done(fmt::format("answers status queries: {}", found->detail));
        });
    }

    std::expected<void, DeviceError> trace(const std::optional<std::string>& file) override {
        if (!transport_) {
            return std::unexpected(
                DeviceError{std::string(device_errc::kNotReady), "the driver is not running"});
        }
        if (!file) {
            transport_->set_trace(nullptr);
            return {};
        }
        auto writer = transport::TraceWriter::open(*file);
        if (!writer) {
            return std::unexpected(DeviceError{std::string(device_errc::kInvalid), writer.error()});
        }
        transport_->set_trace(std::move(*writer));
        return {};
    }

    void device_arrived(const std::string& /*devnode*/) override {
        if (transport_) {
            transport_->retry_now();
        }
    }

    void print(PrintJob job, Completion<PrintReceipt> done) override {
        if (job.id.empty()) {
            post(std::move(done), std::unexpected(DeviceError{std::string(device_errc::kInvalid),
                                                              "a print job needs an id"}));
            return;
        }
        if (!job.reprint && printed_ids_.contains(job.id)) {
            // A retry of a job the printer confirmed: no second ticket.
            post(std::move(done),
                 PrintReceipt{.job_id = job.id, .printed_at_ms = context_.now_ms()});
            return;
        }
        queue_.push_back(QueuedJob{.job = std::move(job), .done = std::move(done)});
        pump();
    }

private:
    template <typename T>
    void post(Completion<T> done, std::type_identity_t<std::expected<T, DeviceError>> result) {
        boost::asio::post(context_.io,
                          [done = std::move(done), result = std::move(result)]() mutable {
                              done(std::move(result));
                          });
    }

    void on_up() {
        // A reset puts the printer in a known state whatever half-command it was left in.
        transport_->send(escpos::Encoder(profile_).flush_partial().init().take());  // escpos.md
        busy_ = false;
        poll();
    }

    void on_down() {
        poll_timer_.cancel();
        if (!queue_.empty() && (printing_ || queue_.front().in_printer)) {
            // The link went with the ticket half sent, or with the printer holding it: whether
            // it is on paper is unknown, so it is sent again, marked as a reprint.
            queue_.front().maybe_printed = true;
            queue_.front().in_printer = false;
        }
        printing_ = false;
        busy_ = false;
    }

    // Asks DLE EOT 2 (why offline) and 4 (paper), and sets health from the answers.
    void query_status(std::function<void(std::optional<Condition>)> done) {
        auto offline = std::make_shared<escpos::PrinterStatus>();
        transport_->request(
            escpos::Encoder(profile_).query_status(2).take(), transport::framers::fixed_length(1),
            [this, offline, done = std::move(done)](
                std::expected<transport::Bytes, transport::RequestError> reply) mutable {
                auto decoded = reply ? escpos::decode_status(2, reply->front())
                                     : std::expected<escpos::PrinterStatus, std::string>(
                                           std::unexpected(std::string(to_string(reply.error()))));
                if (!decoded) {
                    done(std::nullopt);
                    return;
                }
                *offline = *decoded;
                transport_->request(
                    escpos::Encoder(profile_).query_status(4).take(),
                    transport::framers::fixed_length(1),
                    [this, offline, done = std::move(done)](
                        std::expected<transport::Bytes, transport::RequestError> paper) mutable {
                        auto status = paper ? escpos::decode_status(4, paper->front())
                                            : std::expected<escpos::PrinterStatus, std::string>(
                                                  std::unexpected(std::string("no answer")));
                        if (!status) {
                            done(std::nullopt);
                            return;
                        }
                        auto found = condition_of(*offline, *status);
                        context_.health.set(found.state, found.fault, found.detail,
                                            context_.now_ms());
                        done(found);
                    },
                    kStatusTimeout);
            },
            kStatusTimeout);
    }

    // The regular status poll: health kept current, held jobs resumed when the printer can.
    void poll() {
        if (!transport_ || !transport_->is_up() || busy_) {
            return;
        }
        busy_ = true;
        query_status([this](const std::optional<Condition>& found) {
            busy_ = false;
            ready_ = found && found->state != DeviceState::faulted;
            pump();
            poll_timer_.expires_after(status_interval_);
            poll_timer_.async_wait([this](const boost::system::error_code& error) {
                if (!error) {
                    poll();
                }
            });
        });
    }

    void pump() {
        if (busy_ || queue_.empty() || !ready_ || !transport_ || !transport_->is_up()) {
            return;
        }
        auto& head = queue_.front();
        if (head.in_printer) {
            // The printer is ready again and has printed what it held.
            confirm_head();
            pump();
            return;
        }
        const bool mark = head.maybe_printed && !head.job.reprint;
        busy_ = true;
        printing_ = true;
        transport_->send(ticket_bytes(head.job, profile_, mark));
        // The status after the ticket: paper still there, no fault, so it is on paper.
        query_status([this](const std::optional<Condition>& found) {
            busy_ = false;
            printing_ = false;
            if (queue_.empty()) {
                return;
            }
            auto& job = queue_.front();
            if (!found) {
                // No answer after the ticket: whether it reached the printer is unknown. Held,
                // and sent again (marked as a reprint) once the printer answers.
                job.maybe_printed = true;
                ready_ = false;
                return;
            }
            if (found->state == DeviceState::faulted) {
                // The printer answered after the ticket, so it holds all of it in its buffer
                // and finishes it itself once the fault is cleared (paper refilled, cover
                // closed): held until then, never sent twice.
                job.in_printer = true;
                ready_ = false;
                return;
            }
            confirm_head();
            pump();
        });
    }

    // The head job is on paper: its completion succeeds and its id is remembered.
    void confirm_head() {
        auto done = std::move(queue_.front());
        queue_.pop_front();
        remember(done.job.id);
        ++printed_;
        reprinted_ += done.maybe_printed || done.job.reprint ? 1 : 0;
        finish(done, PrintReceipt{.job_id = done.job.id, .printed_at_ms = context_.now_ms()});
    }

    void finish(QueuedJob& job, std::expected<PrintReceipt, DeviceError> result) {
        if (job.done) {
            post(std::move(job.done), std::move(result));
        }
    }

    void remember(const std::string& id) {
        printed_ids_.insert(id);
        printed_order_.push_back(id);
        if (printed_order_.size() > kRememberedJobs) {
            printed_ids_.erase(printed_order_.front());
            printed_order_.pop_front();
        }
    }

    DriverContext& context_;
    std::unique_ptr<transport::Link> link_;  // until start() hands it to the transport
    std::string description_;
    escpos::Profile profile_;
    milliseconds status_interval_;
    boost::asio::steady_timer poll_timer_;
    std::shared_ptr<transport::Transport> transport_;
    std::deque<QueuedJob> queue_;
    std::set<std::string> printed_ids_;
    std::deque<std::string> printed_order_;
    bool busy_ = false;      // a status round trip or a ticket is under way
    bool printing_ = false;  // the ticket's bytes are on their way
    bool ready_ = false;     // the last status said the printer can print
    std::uint64_t printed_ = 0;
    std::uint64_t reprinted_ = 0;
};

std::vector<ParameterSpec> common_parameters() {
    return {
        ParameterSpec::choice("paper_width", "80mm", {"80mm", "58mm"}, "paper roll width"),
        ParameterSpec::boolean("kanji_mode", true,
                               "switch Kanji mode on (FS &) around Chinese text; off for models "
                               "that print GB18030 without it"),
        ParameterSpec::duration("status_interval", milliseconds(2000), milliseconds(200),
                                milliseconds(60000), "how often paper and cover are checked"),
    };
}

}  // namespace

DriverManifest serial_printer_manifest() {
    auto parameters = common_parameters();
    parameters.push_back(ParameterSpec::integer("baud", 9600, 1200, 921600, "line speed"));
    return DriverManifest{
        .name = std::string(kSerialPrinterDriver),
        .device_class = DeviceClass::ticket_printer,
        .maturity = Maturity::testing,
        .description = "ESC/POS thermal printer on a serial port or a USB-serial adapter",
        .transport = TransportKind::serial,
        .match = {.explicit_port_only = true},
        .parameters = std::move(parameters),
    };
}

DriverManifest network_printer_manifest() {
    auto parameters = common_parameters();
    parameters.push_back(ParameterSpec::text("host", "", 253, "the printer's address or name"));
    parameters.push_back(ParameterSpec::integer("tcp_port", 9100, 1, 65535, "its raw print port"));
    return DriverManifest{
        .name = std::string(kNetworkPrinterDriver),
        .device_class = DeviceClass::ticket_printer,
        .maturity = Maturity::testing,
        .description = "ESC/POS thermal printer on the network (raw TCP, port 9100)",
        .transport = TransportKind::tcp,  // no hardware to match: the config names the host
        .parameters = std::move(parameters),
    };
}

void register_drivers(DriverRegistry& registry) {
    // The manifests are fixed and tested: registration cannot fail.
    static_cast<void>(registry.add(
        serial_printer_manifest(),
        [](const DeviceConfig& config,
           DriverContext& context) -> std::expected<std::unique_ptr<Driver>, std::string> {
            if (!config.port) {
                return std::unexpected(std::string("the serial printer needs a port"));
            }
            transport::SerialOptions serial;
            serial.path = *config.port;
            serial.baud = static_cast<int>(param<std::int64_t>(config, "baud"));
            if (auto valid = transport::validate(serial); !valid) {
                return std::unexpected(valid.error());
            }
            return std::make_unique<EscposPrinter>(
                config, context, std::make_unique<transport::SerialLink>(context.io, serial));
        }));
    static_cast<void>(registry.add(
        network_printer_manifest(),
        [](const DeviceConfig& config,
           DriverContext& context) -> std::expected<std::unique_ptr<Driver>, std::string> {
            const auto host = param<std::string>(config, "host");
            if (host.empty()) {
                return std::unexpected(std::string("the network printer needs a host"));
            }
            return std::make_unique<EscposPrinter>(
                config, context,
                std::make_unique<transport::TcpLink>(
                    context.io,
                    transport::TcpOptions{.host = host,
                                          .port = static_cast<std::uint16_t>(
                                              param<std::int64_t>(config, "tcp_port"))}));
        }));
}

}  // namespace hk::drivers::printer

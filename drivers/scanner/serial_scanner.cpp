// The serial barcode scanner driver: see serial_scanner.hpp.
#include "drivers/scanner/serial_scanner.hpp"

#include <memory>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "drivers/sdk/device_classes.hpp"
#include "drivers/transport/serial_transport.hpp"
#include "drivers/transport/trace.hpp"
#include "drivers/transport/transport.hpp"
#include "protocols/scanner/code_decoder.hpp"

namespace hk::drivers::scanner {
namespace {

using proto::scanner::CodeDecoder;
using proto::scanner::CodeDecoderOptions;
using transport::Parity;

template <typename T>
T param(const DeviceConfig& config, std::string_view name) {
    return std::get<T>(config.params.find(name)->second);
}

Parity parity_of(const std::string& name) {
    if (name == "odd") {
        return Parity::odd;
    }
    if (name == "even") {
        return Parity::even;
    }
    return Parity::none;
}

class SerialScanner final : public Driver, public BarcodeScanner {
public:
    SerialScanner(const DeviceConfig& config, DriverContext& context)
        : config_(config),
          context_(context),
          decoder_(CodeDecoderOptions{
              .prefix = param<std::string>(config, "prefix"),
              .tab_terminates = param<bool>(config, "tab_terminates"),
              .max_length = static_cast<std::size_t>(param<std::int64_t>(config, "max_length")),
          }) {
        serial_.path = config.port.value_or("");
        serial_.baud = static_cast<int>(param<std::int64_t>(config, "baud"));
        serial_.data_bits = static_cast<int>(param<std::int64_t>(config, "data_bits"));
        serial_.parity = parity_of(param<std::string>(config, "parity"));
    }

    ~SerialScanner() override { stop(); }

    std::expected<void, std::string> start() override {
        if (auto valid = transport::validate(serial_); !valid) {
            return std::unexpected(valid.error());
        }
        transport_ = transport::Transport::create(
            context_.io, std::make_unique<transport::SerialLink>(context_.io, serial_), {},
            &context_.health);
        transport_->start(transport::TransportHandlers{
            .on_data = [this](std::span<const std::uint8_t> bytes) { on_bytes(bytes); },
            .on_up = {},
            .on_down = [this](std::string_view, std::string_view) { decoder_.reset(); },
        });
        return {};
    }

    void stop() override {
        if (transport_) {
            transport_->stop();
            transport_.reset();
        }
    }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("{} on {} {}{}; {} codes, {} rejected, {} dropped while disabled",
                           kSerialScannerDriver, serial_.path, transport::describe_framing(serial_),
                           enabled_ ? "" : ", disabled", codes_, rejected_, dropped_);
    }

    void self_test(Completion<std::string> done) override {
        std::expected<std::string, DeviceError> result =
            transport_ && transport_->is_up()
                ? std::expected<std::string, DeviceError>(
                      fmt::format("listening on {}; {} codes read, {} rejected; scan a code to "
                                  "see it in hallctl devices show",
                                  serial_.path, codes_, rejected_))
                : std::unexpected(
                      DeviceError{std::string(device_errc::kNotReady),
                                  "the port is not open: " + context_.health.health().detail});
        boost::asio::post(context_.io,
                          [done = std::move(done), result = std::move(result)]() mutable {
                              done(std::move(result));
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

    void set_enabled(bool enabled) override { enabled_ = enabled; }

private:
    void on_bytes(std::span<const std::uint8_t> bytes) {
        for (auto& code : decoder_.feed(bytes)) {
            if (!code) {
                ++rejected_;
                ++context_.health.counters().io_errors;
                continue;
            }
            if (!enabled_) {
                ++dropped_;
                continue;
            }
            ++codes_;
            context_.emit(events::CodeScanned{.code = std::move(*code)});
        }
    }

    DeviceConfig config_;
    DriverContext& context_;
    transport::SerialOptions serial_;
    CodeDecoder decoder_;
    std::shared_ptr<transport::Transport> transport_;
    bool enabled_ = true;
    std::uint64_t codes_ = 0;
    std::uint64_t rejected_ = 0;
    std::uint64_t dropped_ = 0;  // read while disabled
};

}  // namespace

DriverManifest serial_scanner_manifest() {
    return DriverManifest{
        .name = std::string(kSerialScannerDriver),
        .device_class = DeviceClass::barcode_scanner,
        .maturity = Maturity::testing,
        .description = "barcode scanner on a serial port or in USB CDC (virtual COM) mode",
        .transport = TransportKind::serial,
        // Such scanners sit behind generic USB-serial chips: only the config knows the port.
        .match = {.explicit_port_only = true},
        .parameters =
            {
                ParameterSpec::integer("baud", 9600, 1200, 921600, "line speed"),
                ParameterSpec::integer("data_bits", 8, 7, 8, "data bits per character"),
                ParameterSpec::choice("parity", "none", {"none", "odd", "even"}, "parity"),
                ParameterSpec::text("prefix", "", 16,
                                    "characters the scanner sends before each code, removed"),
                ParameterSpec::boolean("tab_terminates", true,
                                       "a TAB ends a code, as CR and LF do"),
                ParameterSpec::integer("max_length", 512, 8, 4096,
                                       "longest code accepted, in bytes"),
            },
    };
}

void register_drivers(DriverRegistry& registry) {
    // The manifest is fixed and tested: registration cannot fail.
    static_cast<void>(registry.add(
        serial_scanner_manifest(),
        [](const DeviceConfig& config,
           DriverContext& context) -> std::expected<std::unique_ptr<Driver>, std::string> {
            if (!config.port) {
                return std::unexpected(std::string("the serial scanner needs a port"));
            }
            return std::make_unique<SerialScanner>(config, context);
        }));
}

}  // namespace hk::drivers::scanner

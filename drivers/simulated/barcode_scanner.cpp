// The simulated barcode scanner (扫码枪): a code held to it (scan) arrives response_delay later
// as a CodeScanned event, in the order scanned, as the real driver delivers it after removing
// the scanner's prefix and suffix; while disabled, codes are read and dropped.
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"
#include "drivers/simulated/text.hpp"

namespace hk::drivers::simulated {
namespace {

constexpr std::size_t kMaxCode = 4096;  // a QR code holds at most 2953 bytes

class SimulatedBarcodeScanner final : public SimulatedDevice, public BarcodeScanner {
public:
    SimulatedBarcodeScanner(const DeviceConfig& config, DriverContext& context)
        : SimulatedDevice(config, context),
          prefix_(string_param(config, "prefix")),
          suffix_(string_param(config, "suffix")),
          ops_(io(), timers()) {}
    SimulatedBarcodeScanner(const SimulatedBarcodeScanner&) = delete;
    SimulatedBarcodeScanner& operator=(const SimulatedBarcodeScanner&) = delete;
    SimulatedBarcodeScanner(SimulatedBarcodeScanner&&) = delete;
    SimulatedBarcodeScanner& operator=(SimulatedBarcodeScanner&&) = delete;
    ~SimulatedBarcodeScanner() override { stop(); }

    [[nodiscard]] std::string describe() const override {
        return fmt::format("simulated barcode scanner, {}suffix {}",
                           prefix_.empty() ? "" : fmt::format("prefix \"{}\", ", prefix_), suffix_);
    }

    void set_enabled(bool enabled) override { enabled_ = enabled; }

    // Decodes the scanner's built-in test code.
    void self_test(Completion<std::string> done) override {
        if (auto refused = not_ready()) {
            complete_later<std::string>(io(), std::move(done), std::unexpected(*refused));
            return;
        }
        ops_.push<std::string>(
            "self-test", [this] { return response_delay(); },
            [this]() -> std::expected<std::string, DeviceError> {
                if (auto failed = io_failure()) {
                    return std::unexpected(*failed);
                }
                return std::string("decoded the built-in test code");
            },
            std::move(done));
    }

private:
    [[nodiscard]] std::vector<SimulationAction> class_actions() const override {
        return {{"scan", "CODE", "hold a code to the scanner: CodeScanned after response_delay"}};
    }

    std::expected<std::string, std::string> class_simulate(
        std::string_view /*action: scan*/, const std::vector<std::string>& args) override {
        if (args.size() != 1 || args[0].empty()) {
            return std::unexpected(std::string("scan takes one code"));
        }
        const auto& code = args[0];
        if (code.size() > kMaxCode) {
            return std::unexpected(fmt::format("the code is longer than {} bytes", kMaxCode));
        }
        if (!text::is_valid_utf8(code) || text::has_control(code)) {
            return std::unexpected(
                std::string("the code must be UTF-8 text without control characters"));
        }
        if (auto why = not_connected()) {
            return std::unexpected(*why);
        }
        ops_.push<void>(
            "scan", [this] { return response_delay(); },
            [this, code]() -> std::expected<void, DeviceError> {
                deliver(code);
                return {};
            },
            {});
        return fmt::format("scanned a code of {} characters", text::code_points(code).value_or(0));
    }

    [[nodiscard]] std::vector<std::pair<std::string, std::string>> class_state() const override {
        return {
            {"enabled", enabled_ ? "true" : "false"},
            {"scans", std::to_string(scans_)},
            {"dropped", std::to_string(dropped_)},
            {"lost", std::to_string(lost_)},
            {"queued", std::to_string(ops_.busy() ? ops_.waiting() + 1 : 0)},
        };
    }

    // Scans under way are lost with the cable.
    void on_link_lost(const DeviceError& why) override { ops_.fail_all(why); }

    void deliver(const std::string& code) {
        if (io_failure()) {
            ++lost_;
            return;
        }
        if (!enabled_) {
            ++dropped_;
            return;
        }
        ++scans_;
        emit_later(events::CodeScanned{.code = code});
    }

    std::string prefix_;
    std::string suffix_;
    bool enabled_ = true;
    std::uint64_t scans_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t lost_ = 0;
    OpQueue ops_;
};

}  // namespace

std::unique_ptr<Driver> make_barcode_scanner(const DeviceConfig& config, DriverContext& context) {
    return std::make_unique<SimulatedBarcodeScanner>(config, context);
}

}  // namespace hk::drivers::simulated

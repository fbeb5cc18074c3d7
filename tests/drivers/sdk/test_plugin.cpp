// A driver shared object for the registry's loading tests, built in several variants selected by
// HK_TEST_PLUGIN (see tests/drivers/CMakeLists.txt): a good plugin with two drivers, one built
// for another ABI major, one for a newer ABI minor, one without the entry point, one whose
// manifest is invalid and one that reuses a compiled-in driver's name.
#include <expected>
#include <memory>
#include <string>

#include "drivers/sdk/driver.hpp"
#include "drivers/sdk/manifest.hpp"
#include "drivers/sdk/registry.hpp"

namespace {

using namespace hk::drivers;  // NOLINT(google-build-using-namespace): test plugin

#define HK_PLUGIN_GOOD 1
#define HK_PLUGIN_WRONG_MAJOR 2
#define HK_PLUGIN_NEWER_MINOR 3
#define HK_PLUGIN_NO_ENTRY 4
#define HK_PLUGIN_INVALID_MANIFEST 5
#define HK_PLUGIN_DUPLICATE 6

class EchoDriver final : public Driver {
public:
    explicit EchoDriver(std::string id) : id_(std::move(id)) {}
    std::expected<void, std::string> start() override { return {}; }
    void stop() override {}
    [[nodiscard]] std::string describe() const override { return "echo for " + id_; }
    void self_test(Completion<std::string> done) override {
        // Test plugin only: nothing to post to, nothing to test.
        done(std::unexpected(DeviceError{"not_supported", "echo driver"}));
    }

private:
    std::string id_;
};

DriverFactory echo_factory() {
    return [](const DeviceConfig& config,
              DriverContext&) -> std::expected<std::unique_ptr<Driver>, std::string> {
        return std::make_unique<EchoDriver>(config.id);
    };
}

DriverManifest printer_manifest(std::string name) {
    return DriverManifest{
        .name = std::move(name),
        .device_class = DeviceClass::ticket_printer,
        .maturity = Maturity::testing,
        .description = "test ESC/POS printer",
        .transport = TransportKind::serial,
        .match = {.usb_ids = {{0x0fe6, 0x811e}}},
        .parameters = {ParameterSpec::integer("baud", 9600, 1200, 115200, "line speed")},
    };
}

[[maybe_unused]] void register_drivers(DriverRegistrar& registrar) {
#if HK_TEST_PLUGIN == HK_PLUGIN_INVALID_MANIFEST
    auto manifest = printer_manifest("plugin_bad_default");
    manifest.parameters[0].default_value = std::int64_t{5};  // below its own minimum
    registrar.add(std::move(manifest), echo_factory());
#elif HK_TEST_PLUGIN == HK_PLUGIN_DUPLICATE
    registrar.add(printer_manifest("plugin_fine"), echo_factory());
    registrar.add(printer_manifest("simulated_ticket_printer"), echo_factory());
#else
    registrar.add(printer_manifest("plugin_printer"), echo_factory());
    registrar.add(
        DriverManifest{
            .name = "plugin_scanner",
            .device_class = DeviceClass::barcode_scanner,
            .maturity = Maturity::experimental,
            .description = "test keyboard-wedge scanner",
            .transport = TransportKind::evdev,
            .match = {.properties = {{"ID_INPUT_KEYBOARD", "1"}}, .subsystem = "input"},
        },
        echo_factory());
#endif
}

}  // namespace

#if HK_TEST_PLUGIN == HK_PLUGIN_WRONG_MAJOR || HK_TEST_PLUGIN == HK_PLUGIN_NEWER_MINOR
extern "C" const hk::drivers::DriverPlugin* hk_driver_entry();
extern "C" const hk::drivers::DriverPlugin* hk_driver_entry() {
    using hk::drivers::kDriverAbiMajor;
    using hk::drivers::kDriverAbiMinor;
#if HK_TEST_PLUGIN == HK_PLUGIN_WRONG_MAJOR
    static const hk::drivers::DriverPlugin plugin{kDriverAbiMajor + 1U, 0, register_drivers};
#else
    static const hk::drivers::DriverPlugin plugin{kDriverAbiMajor, kDriverAbiMinor + 1U,
                                                  register_drivers};
#endif
    return &plugin;
}
#elif HK_TEST_PLUGIN != HK_PLUGIN_NO_ENTRY
HK_DRIVER_PLUGIN(register_drivers)
#else
// No entry point: exports something else, as an unrelated library would.
extern "C" int hk_not_a_driver();
extern "C" int hk_not_a_driver() {
    return 1;
}
#endif

// The [[device]] tables of the daemon config: binding devices to drivers, parameters checked
// against the driver's manifest with defaults filled in, and every kind of mistake reported
// with the device's key path, its id, position and a suggestion where one fits.
#include "daemon/config/devices.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "daemon/config/config.hpp"
#include "daemon/config/hall_file.hpp"
#include "daemon/queue/hall.hpp"
#include "drivers/builtin.hpp"
#include "drivers/sdk/registry.hpp"
#include "tests/daemon/config/config_test_support.hpp"

namespace hk::config {
namespace {

using drivers::DeviceConfig;
using drivers::ParameterSpec;
using drivers::ParameterValue;
using std::chrono::milliseconds;
using test::describe;
using test::errors_of;
using test::only_error_of;
using test::parsed;

drivers::DriverFactory null_factory() {
    return [](const DeviceConfig&, drivers::DriverContext&)
               -> std::expected<std::unique_ptr<drivers::Driver>, std::string> {
        return std::unexpected(std::string("not in tests"));
    };
}

// Hardware drivers for the port/match rules, beside the compiled-in simulated ones.
const drivers::DriverRegistry& test_registry() {
    static const drivers::DriverRegistry registry = [] {
        drivers::DriverRegistry built;
        drivers::register_builtin_drivers(built);
        static_cast<void>(built.add(
            drivers::DriverManifest{
                .name = "rs485_led",
                .device_class = drivers::DeviceClass::window_display,
                .maturity = drivers::Maturity::production,
                .description = "RS-485 LED window display",
                .transport = drivers::TransportKind::serial,
                .match = {.explicit_port_only = true},
                .parameters = {ParameterSpec::integer("address", 1, 1, 254, "bus address"),
                               ParameterSpec::boolean("scroll", false, "scroll long text")},
            },
            null_factory()));
        static_cast<void>(built.add(
            drivers::DriverManifest{
                .name = "escpos",
                .device_class = drivers::DeviceClass::ticket_printer,
                .maturity = drivers::Maturity::production,
                .description = "ESC/POS printer",
                .transport = drivers::TransportKind::usb,
                .match = {.usb_ids = {{0x0fe6, 0x811e}}},
            },
            null_factory()));
        return built;
    }();
    return registry;
}

Config parsed_with_hardware(std::string_view text) {
    auto result = parse(text, "test.toml", test_registry());
    if (!result) {
        FAIL("unexpected errors:\n" << describe(result.error()));
    }
    return *result;
}

ConfigErrors errors_with_hardware(std::string_view text) {
    auto result = parse(text, "test.toml", test_registry());
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

TEST_CASE("no [[device]] means no devices") {
    CHECK(parsed("").devices.empty());
    CHECK(parsed("device = []\n").devices.empty());
}

TEST_CASE("a device binds an id, location and window to a driver with its parameters") {
    const Config config = parsed(R"(
[[device]]
id = "printer-1"
driver = "simulated_ticket_printer"
location = "大厅入口取号机"
params = { paper_capacity = 800, paper_width = "58mm", response_delay = "250ms" }

[[device]]
id = "display_3"
driver = "simulated_window_display"
window = "3"
)");
    REQUIRE(config.devices.size() == 2);
    const DeviceConfig& printer = config.devices[0];
    CHECK(printer.id == "printer-1");
    CHECK(printer.driver == "simulated_ticket_printer");
    CHECK(printer.location == "大厅入口取号机");
    CHECK_FALSE(printer.window.has_value());
    CHECK(printer.params.at("paper_capacity") == ParameterValue(std::int64_t{800}));
    CHECK(printer.params.at("paper_width") == ParameterValue(std::string("58mm")));
    CHECK(printer.params.at("response_delay") == ParameterValue(milliseconds(250)));
    // Not given: the manifest's defaults.
    CHECK(printer.params.at("paper_low_at") == ParameterValue(std::int64_t{50}));
    CHECK(printer.params.at("failure_rate_percent") == ParameterValue(std::int64_t{0}));

    const DeviceConfig& display = config.devices[1];
    CHECK(display.window == "3");
    CHECK(display.location.empty());
    CHECK(display.params.at("columns") == ParameterValue(std::int64_t{16}));
}

TEST_CASE("every parameter of the manifest gets a value") {
    const Config config =
        parsed("[[device]]\nid = \"cam\"\ndriver = \"simulated_document_camera\"\n");
    REQUIRE(config.devices.size() == 1);
    const auto* driver = drivers::builtin_drivers().find("simulated_document_camera");
    REQUIRE(driver != nullptr);
    CHECK(config.devices[0].params == drivers::default_values(driver->manifest));
}

TEST_CASE("id and driver are required") {
    const ConfigErrors errors = errors_of("[[device]]\nlocation = \"east\"\n");
    INFO(describe(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].to_string() ==
          "test.toml:1:1: key 'device[0].driver': missing; this key is "
          "required");
    CHECK(errors[1].to_string() ==
          "test.toml:1:1: key 'device[0].id': missing; this key is "
          "required");
}

TEST_CASE("an unknown driver is reported with the closest name or the list") {
    CHECK(only_error_of("[[device]]\nid = \"p1\"\ndriver = \"simulated_ticket_printr\"\n")
              .to_string() ==
          "test.toml:3:10: key 'device[0].driver': device 'p1': unknown driver "
          "\"simulated_ticket_printr\"; did you mean 'simulated_ticket_printer'?");
    const auto far = only_error_of("[[device]]\nid = \"p1\"\ndriver = \"epson\"\n");
    CHECK(
        far.message.starts_with("device 'p1': unknown driver \"epson\"; the drivers are "
                                "escpos_network_printer, escpos_serial_printer, "
                                "sdk_id_card_reader, serial_barcode_scanner, "
                                "simulated_barcode_scanner, simulated_document_camera,"));
}

TEST_CASE("bad ids, windows, locations, ports and matches are reported per key") {
    const ConfigErrors errors = errors_with_hardware(R"([[device]]
id = "Printer 1"
driver = "simulated_ticket_printer"
window = "window three"
location = "east\u001b[2J"

[[device]]
id = "led-1"
driver = "rs485_led"
port = "ttyS1"

[[device]]
id = "printer-2"
driver = "escpos"
match = "usb 0fe6 811e"
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 5);
    CHECK(errors[0].key == "device[0].id");
    CHECK(errors[0].message ==
          "expected 1 to 32 characters from a-z, 0-9, '_' and '-', starting "
          "with a letter or digit, got \"Printer 1\"");
    CHECK(errors[1].key == "device[0].window");
    CHECK(errors[1].message.starts_with("expected a window id of 1 to 16 characters"));
    CHECK(errors[2].key == "device[0].location");
    CHECK(errors[2].message.find("\\x1b[2J") != std::string::npos);  // shown escaped
    CHECK(errors[3].to_string() ==
          "test.toml:10:8: key 'device[1].port': device 'led-1': expected an absolute device "
          "path such as \"/dev/ttyS1\", got \"ttyS1\"");
    CHECK(errors[4].key == "device[2].match");
    CHECK(errors[4].message.starts_with("device 'printer-2': expected a physical path"));
}

TEST_CASE("wrong types are reported with what was expected") {
    const ConfigErrors errors = errors_of(R"([[device]]
id = 7
driver = "simulated_speaker"
params = "loud"
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].to_string() ==
          "test.toml:2:6: key 'device[0].id': expected a string, got an integer");
    CHECK(errors[1].to_string() ==
          "test.toml:4:10: key 'device[0].params': expected a table of "
          "the driver's parameters, got a string");
    CHECK(only_error_of("device = 3\n").message ==
          "expected an array of tables ([[device]]), "
          "got an integer");
    CHECK(only_error_of("device = [1]\n").to_string() ==
          "test.toml:1:11: key 'device[0]': expected a table ([[device]]), got an integer");
}

TEST_CASE("parameters are checked against the manifest's types, ranges and choices") {
    const ConfigErrors errors = errors_of(R"([[device]]
id = "printer-1"
driver = "simulated_ticket_printer"

[device.params]
paper_capacity = 9000
paper_width = "86mm"
response_delay = "fast"
failure_rate_percent = "none"
paper_capacty = 300
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 5);
    CHECK(errors[0].to_string() ==
          "test.toml:6:18: key 'device[0].params.paper_capacity': device 'printer-1': expected "
          "an integer from 10 to 5000, got 9000");
    CHECK(errors[1].to_string() ==
          "test.toml:7:15: key 'device[0].params.paper_width': device 'printer-1': expected one "
          "of 58mm, 80mm, got \"86mm\"; did you mean \"80mm\"?");
    CHECK(errors[2].message ==
          "device 'printer-1': expected a duration such as \"500ms\", "
          "\"5s\", \"2min\" or \"1h\", got \"fast\"");
    CHECK(errors[3].message == "device 'printer-1': expected an integer, got a string");
    CHECK(errors[4].to_string() ==
          "test.toml:10:1: key 'device[0].params.paper_capacty': device 'printer-1': unknown "
          "parameter; did you mean 'paper_capacity'?");
}

TEST_CASE("durations out of range and unknown parameters far from any name") {
    const ConfigErrors errors = errors_of(R"([[device]]
id = "speaker"
driver = "simulated_speaker"
params = { response_delay = "2h", language = "zh" }
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].message == "device 'speaker': expected a duration from 0ms to 30s, got 2h");
    CHECK(errors[1].message ==
          "device 'speaker': unknown parameter; driver 'simulated_speaker' "
          "has volume, repeat, char_time, response_delay, failure_rate_percent, seed");
}

TEST_CASE("unknown keys of a device are reported with a suggestion") {
    const ConfigErrors errors = errors_of(R"([[device]]
id = "p1"
driver = "simulated_ticket_printer"
locaton = "east"
colour = "red"
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].to_string() ==
          "test.toml:4:1: key 'device[0].locaton': device 'p1': unknown key; did you mean "
          "'location'?");
    CHECK(errors[1].message ==
          "device 'p1': unknown key; a device has id, driver, location, "
          "window, port, match, params");
}

TEST_CASE("a misspelt [[device]] is caught at the top level") {
    CHECK(only_error_of("[[devices]]\nid = \"p1\"\n").message ==
          "unknown key; did you mean [[device]]?");
}

TEST_CASE("ids, ports and physical paths are unique") {
    const ConfigErrors errors = errors_with_hardware(R"([[device]]
id = "led"
driver = "rs485_led"
port = "/dev/ttyS1"

[[device]]
id = "led"
driver = "rs485_led"
port = "/dev/ttyS1"
params = { address = 2 }

[[device]]
id = "p1"
driver = "escpos"
match = "usb:0fe6/811e:1-1.2:1.0"

[[device]]
id = "p2"
driver = "escpos"
match = "usb:0fe6/811e:1-1.2:1.0"
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].to_string() ==
          "test.toml:7:6: key 'device[1].id': device 'led': device id "
          "\"led\" is already used by device[0]");
    CHECK(errors[1].to_string() ==
          "test.toml:9:8: key 'device[1].port': device 'led': port "
          "\"/dev/ttyS1\" is already used by device[0]");
    CHECK(errors[2].to_string() ==
          "test.toml:20:9: key 'device[3].match': device 'p2': physical path "
          "\"usb:0fe6/811e:1-1.2:1.0\" is already used by device[2]");
}

TEST_CASE("port and match must fit the driver's transport") {
    const ConfigErrors errors = errors_with_hardware(R"([[device]]
id = "sim"
driver = "simulated_ticket_printer"
port = "/dev/ttyS0"

[[device]]
id = "led"
driver = "rs485_led"

[[device]]
id = "p1"
driver = "escpos"
port = "/dev/usb/lp0"
match = "usb:0fe6/811e:1-1.2:1.0"
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].to_string() ==
          "test.toml:4:8: key 'device[0].port': device 'sim': driver 'simulated_ticket_printer' "
          "has no hardware to find (transport simulated); remove 'port'");
    CHECK(errors[1].to_string() ==
          "test.toml:6:1: key 'device[1].port': device 'led': missing; driver 'rs485_led' "
          "cannot recognise its device, so the port must be given");
    CHECK(errors[2].message == "device 'p1': set either 'port' or 'match', not both");

    const Config config = parsed_with_hardware(R"([[device]]
id = "led-3"
driver = "rs485_led"
port = "/dev/serial/by-path/platform-fe650000.serial"
window = "3"
params = { address = 3, scroll = true }

[[device]]
id = "p1"
driver = "escpos"
match = "usb:0fe6/811e:1-1.2:1.0"
)");
    REQUIRE(config.devices.size() == 2);
    CHECK(config.devices[0].port == "/dev/serial/by-path/platform-fe650000.serial");
    CHECK(config.devices[0].params.at("scroll") == ParameterValue(true));
    CHECK(config.devices[1].match == "usb:0fe6/811e:1-1.2:1.0");
}

TEST_CASE("device errors join the other errors of the file in file order") {
    const ConfigErrors errors = errors_of(R"([log]
level = "verbose"

[[device]]
id = "p1"
driver = "simulated_ticket_printer"
params = { paper_capacity = 1 }

[runtime]
workers = 0
)");
    INFO(describe(errors));
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].key == "log.level");
    CHECK(errors[1].key == "device[0].params.paper_capacity");
    CHECK(errors[2].key == "runtime.workers");
}

TEST_CASE("a changed device needs a restart") {
    const Config before = parsed("[[device]]\nid = \"p1\"\ndriver = \"simulated_speaker\"\n");
    const Config after = parsed(
        "[[device]]\nid = \"p1\"\ndriver = \"simulated_speaker\"\nparams = { volume = 40 }\n");
    CHECK(restart_required_changes(before, after) == std::vector<std::string>{"device"});
    CHECK(restart_required_changes(before, before).empty());
}

TEST_CASE("device windows are checked against the hall") {
    const Config config = parsed(R"([[device]]
id = "d1"
driver = "simulated_window_display"
window = "1"

[[device]]
id = "d9"
driver = "simulated_window_display"
window = "9"

[[device]]
id = "ev"
driver = "simulated_evaluator"
window = "A1"
)");
    queue::HallDefinition hall;
    for (const char* id : {"1", "2", "A2"}) {
        queue::Window window;
        window.id = id;
        hall.windows.push_back(window);
    }
    const ConfigErrors errors = check_device_windows(config.devices, hall, "test.toml");
    INFO(describe(errors));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].to_string() ==
          "test.toml: key 'device[1].window': device 'd9': window '9' is "
          "not a window of the hall; did you mean '1'?");
    CHECK(errors[1].to_string() ==
          "test.toml: key 'device[2].window': device 'ev': window 'A1' "
          "is not a window of the hall; did you mean '1'?");
}

}  // namespace
}  // namespace hk::config

namespace hk::config {
namespace {

TEST_CASE("the demo config has a simulated device of each class, and the kiosk's card reader") {
    const auto loaded = load_file(std::filesystem::path(HK_SOURCE_DIR) / "packaging" / "demo.toml");
    if (!loaded) {
        FAIL("unexpected errors:\n" << describe(loaded.error()));
    }
    const auto& devices = loaded->devices;
    REQUIRE(devices.size() == drivers::kAllDeviceClasses.size() + 1);
    for (const auto device_class : drivers::kAllDeviceClasses) {
        const auto* driver =
            drivers::builtin_drivers().find(fmt::format("simulated_{}", to_string(device_class)));
        REQUIRE(driver != nullptr);
        // Two ID card readers: the kiosk's (no window) and window 1's.
        CHECK(std::ranges::count(devices, driver->manifest.name, &DeviceConfig::driver) ==
              (device_class == drivers::DeviceClass::id_card_reader ? 2 : 1));
    }
    // Their windows are windows of the demo hall.
    CHECK(check_device_windows(devices, demo_hall(), "demo.toml").empty());
}

}  // namespace
}  // namespace hk::config

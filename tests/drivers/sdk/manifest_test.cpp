// Driver manifests: validation of names, parameters and defaults, the ABI rule, parameter values
// and durations, and how specifically a manifest matches a device.
#include "drivers/sdk/manifest.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace hk::drivers;  // NOLINT(google-build-using-namespace)
using std::chrono::milliseconds;

namespace {

DriverManifest serial_printer() {
    return DriverManifest{
        .name = "escpos",
        .device_class = DeviceClass::ticket_printer,
        .maturity = Maturity::production,
        .description = "ESC/POS thermal printers",
        .transport = TransportKind::serial,
        .match = {.usb_ids = {{0x0fe6, 0x811e}, {0x1a86, 0x7523}},
                  .properties = {{"ID_VENDOR", "Xprinter"}},
                  .subsystem = "tty"},
        .parameters =
            {
                ParameterSpec::integer("baud", 9600, 1200, 115200, "line speed"),
                ParameterSpec::choice("paper_width", "80mm", {"58mm", "80mm"}, "roll width"),
                ParameterSpec::boolean("cutter", true, "has an auto-cutter"),
                ParameterSpec::text("header", "", 64, "line printed above the number"),
                ParameterSpec::duration("timeout", milliseconds(500), milliseconds(10),
                                        milliseconds(10'000), "reply timeout"),
            },
    };
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
    return std::ranges::any_of(problems, [&](const std::string& problem) {
        return problem.find(text) != std::string::npos;
    });
}

}  // namespace

TEST_CASE("a well-formed manifest has no problems") {
    CHECK(validate(serial_printer()).empty());
}

TEST_CASE("manifest validation reports names, duplicates and invalid defaults") {
    auto manifest = serial_printer();
    manifest.name = "ESC-POS";
    manifest.description.clear();
    manifest.parameters.push_back(ParameterSpec::boolean("cutter", false, "again"));
    manifest.parameters.push_back(ParameterSpec::integer("copies", 0, 1, 3, "copies per ticket"));
    manifest.parameters.push_back(
        ParameterSpec::choice("density", "dark", {"light", "normal"}, "print density"));
    manifest.parameters.push_back(ParameterSpec::choice("mode", "", {}, "no choices"));
    manifest.parameters.push_back(ParameterSpec::integer("Bad Name", 1, 0, 2, "bad name"));
    manifest.parameters.push_back(ParameterSpec::integer("empty_range", 1, 5, 2, "empty"));
    manifest.parameters.push_back(ParameterSpec::text("long", "123456", 3, "too long default"));
    manifest.parameters.push_back(
        ParameterSpec::duration("wait", milliseconds(5), milliseconds(10), milliseconds(20), "w"));
    auto wrong_type = ParameterSpec::integer("typed", 1, 0, 2, "wrong default type");
    wrong_type.default_value = std::string("one");
    manifest.parameters.push_back(wrong_type);
    auto no_help = ParameterSpec::boolean("quiet", false, "");
    manifest.parameters.push_back(no_help);

    const auto problems = validate(manifest);
    CHECK(mentions(problems, "the name must be"));
    CHECK(mentions(problems, "has no description"));
    CHECK(mentions(problems, "parameter 'cutter' is declared twice"));
    CHECK(mentions(problems,
                   "parameter 'copies': the default is invalid: expected an integer "
                   "from 1 to 3, got 0"));
    CHECK(mentions(problems,
                   "parameter 'density': the default is invalid: expected one of "
                   "light, normal"));
    CHECK(mentions(problems, "parameter 'mode': a choice needs at least one allowed value"));
    CHECK(mentions(problems, "parameter 'Bad Name': the name must be"));
    CHECK(mentions(problems, "parameter 'empty_range': the range 5..2 is empty"));
    CHECK(mentions(problems, "parameter 'long': the default is invalid: expected at most 3 bytes"));
    CHECK(mentions(problems,
                   "parameter 'wait': the default is invalid: expected a duration from "
                   "10ms to 20ms, got 5ms"));
    CHECK(mentions(problems,
                   "parameter 'typed': the default is invalid: expected an integer, "
                   "got a string"));
    CHECK(mentions(problems, "parameter 'quiet': has no help text"));
}

TEST_CASE("match rules must fit the transport") {
    auto manifest = serial_printer();
    manifest.match.explicit_port_only = true;
    CHECK(mentions(validate(manifest), "contradicts"));

    manifest = serial_printer();
    manifest.transport = TransportKind::tcp;
    CHECK(mentions(validate(manifest), "transport tcp has no hardware to match"));

    manifest = serial_printer();
    manifest.match.usb_ids.push_back({0x1a86, 0x7523});
    CHECK(mentions(validate(manifest), "listed twice"));
}

TEST_CASE("a driver runs on a host of the same ABI major and an equal or newer minor") {
    CHECK(is_compatible({1, 0}, {1, 0}));
    CHECK(is_compatible({1, 0}, {1, 3}));
    CHECK(is_compatible({1, 3}, {1, 3}));
    CHECK_FALSE(is_compatible({1, 4}, {1, 3}));
    CHECK_FALSE(is_compatible({2, 0}, {1, 3}));
    CHECK_FALSE(is_compatible({0, 9}, {1, 3}));
    CHECK(is_compatible(AbiVersion{}));  // a manifest's default is the host's own version
    CHECK(to_string(AbiVersion{1, 2}) == "1.2");
}

TEST_CASE("durations are a whole number and a unit") {
    CHECK(parse_duration("250ms") == milliseconds(250));
    CHECK(parse_duration("5s") == milliseconds(5000));
    CHECK(parse_duration("2min") == milliseconds(120'000));
    CHECK(parse_duration("1h") == milliseconds(3'600'000));
    CHECK(parse_duration("0s") == milliseconds(0));
    for (const char* bad :
         {"", "5", "s", "-1s", "1.5s", "5 s", "5m", "5sec", "99999999999999999h"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad).has_value());
    }
    CHECK(format_duration(milliseconds(1500)) == "1500ms");
    CHECK(format_duration(milliseconds(2000)) == "2s");
    CHECK(format_duration(milliseconds(120'000)) == "2min");
    CHECK(format_duration(milliseconds(0)) == "0ms");
    CHECK(format_value(ParameterValue(milliseconds(3000))) == "\"3s\"");
    CHECK(format_value(ParameterValue(std::int64_t{7})) == "7");
    CHECK(format_value(ParameterValue(true)) == "true");
}

TEST_CASE("check_value accepts values of the parameter's type within its limits") {
    const auto manifest = serial_printer();
    CHECK_FALSE(check_value(*manifest.parameter("baud"), std::int64_t{115200}));
    CHECK(check_value(*manifest.parameter("baud"), std::int64_t{115201}) ==
          "expected an integer from 1200 to 115200, got 115201");
    CHECK(check_value(*manifest.parameter("baud"), true) == "expected an integer, got a boolean");
    CHECK_FALSE(check_value(*manifest.parameter("paper_width"), std::string("58mm")));
    CHECK(check_value(*manifest.parameter("paper_width"), std::string("60mm")) ==
          "expected one of 58mm, 80mm, got \"60mm\"");
    CHECK_FALSE(check_value(*manifest.parameter("timeout"), milliseconds(10)));
    CHECK(check_value(*manifest.parameter("timeout"), milliseconds(20'000)) ==
          "expected a duration from 10ms to 10s, got 20s");
    CHECK(manifest.parameter("nothing") == nullptr);
}

TEST_CASE("default values cover every parameter") {
    const auto values = default_values(serial_printer());
    REQUIRE(values.size() == 5);
    CHECK(std::get<std::int64_t>(values.at("baud")) == 9600);
    CHECK(std::get<std::string>(values.at("paper_width")) == "80mm");
    CHECK(std::get<bool>(values.at("cutter")));
    CHECK(std::get<milliseconds>(values.at("timeout")) == milliseconds(500));
}

TEST_CASE("a USB id beats a udev property, which beats the generic subsystem") {
    const auto manifest = serial_printer();
    DeviceInfo device{.physical_path = "usb:1a86/7523:1-1.2:1.0",
                      .subsystem = "tty",
                      .devnode = "/dev/ttyUSB0",
                      .vendor_id = 0x1a86,
                      .product_id = 0x7523,
                      .properties = {{"ID_VENDOR", "Xprinter"}}};
    CHECK(matches(manifest, device) == Match{MatchSpecificity::usb_id, "usb 1a86:7523"});

    device.product_id = 0x0001;
    CHECK(matches(manifest, device) ==
          Match{MatchSpecificity::udev_property, "udev ID_VENDOR=Xprinter"});

    device.properties.clear();
    CHECK_FALSE(matches(manifest, device));  // its subsystem only qualifies the properties
    auto generic = manifest;
    generic.match.properties.clear();
    CHECK(matches(generic, device) == Match{MatchSpecificity::class_generic, "subsystem tty"});

    device.subsystem = "input";
    CHECK_FALSE(matches(generic, device));
    CHECK(MatchSpecificity::usb_id > MatchSpecificity::udev_property);
    CHECK(MatchSpecificity::udev_property > MatchSpecificity::class_generic);
}

TEST_CASE("a subsystem that qualifies udev properties is not a generic rule") {
    DriverManifest manifest{
        .name = "wedge",
        .device_class = DeviceClass::barcode_scanner,
        .description = "keyboard-wedge scanner",
        .transport = TransportKind::evdev,
        .match = {.properties = {{"ID_INPUT_KEYBOARD", "1"}}, .subsystem = "input"}};
    DeviceInfo keyboard{.subsystem = "input", .properties = {{"ID_INPUT_KEYBOARD", "1"}}};
    CHECK(matches(manifest, keyboard).specificity == MatchSpecificity::udev_property);
    DeviceInfo mouse{.subsystem = "input", .properties = {{"ID_INPUT_MOUSE", "1"}}};
    CHECK_FALSE(matches(manifest, mouse));
    DeviceInfo tty_keyboard{.subsystem = "tty", .properties = {{"ID_INPUT_KEYBOARD", "1"}}};
    CHECK_FALSE(matches(manifest, tty_keyboard));
}

TEST_CASE("explicit-port drivers and drivers without hardware never match") {
    DriverManifest manifest{.name = "rs485_led",
                            .device_class = DeviceClass::window_display,
                            .description = "RS-485 LED display",
                            .transport = TransportKind::serial,
                            .match = {.explicit_port_only = true}};
    REQUIRE(validate(manifest).empty());
    const DeviceInfo uart{.physical_path = "serial:platform-fe650000.serial", .subsystem = "tty"};
    CHECK_FALSE(matches(manifest, uart));

    DriverManifest simulated{
        .name = "sim", .description = "simulated", .transport = TransportKind::simulated};
    CHECK_FALSE(matches(simulated, uart));
}

TEST_CASE("enum names round-trip") {
    for (const auto m : {Maturity::production, Maturity::testing, Maturity::experimental}) {
        CHECK(parse_maturity(to_string(m)) == m);
    }
    for (const auto t :
         {TransportKind::serial, TransportKind::usb, TransportKind::evdev, TransportKind::tcp,
          TransportKind::helper_process, TransportKind::simulated, TransportKind::none}) {
        CHECK(parse_transport_kind(to_string(t)) == t);
    }
    CHECK_FALSE(parse_maturity("stable").has_value());
    CHECK(to_string(ParameterType::duration) == "duration");
    CHECK(to_string(MatchSpecificity::usb_id) == "usb_id");
}

// The driver registry: registration checks, lookup, best match, the compiled-in simulated
// drivers, and loading real driver shared objects built by this test's CMakeLists (good, wrong
// ABI, no entry point, invalid manifest, duplicate name, not a shared object at all).
#include "drivers/sdk/registry.hpp"

#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "drivers/builtin.hpp"
#include "drivers/simulated/simulated.hpp"
#include "tests/support/temp_dir.hpp"

using namespace hk::drivers;  // NOLINT(google-build-using-namespace)

namespace {

// What a factory needs besides the configuration; these tests never run the loop.
struct TestContext {
    boost::asio::io_context io;
    HealthTracker health;
    DriverContext context{.io = io, .health = health, .emit = {}, .now_ms = [] { return 0; }};
};

DriverFactory null_factory() {
    return [](const DeviceConfig&,
              DriverContext&) -> std::expected<std::unique_ptr<Driver>, std::string> {
        return std::unexpected(std::string("not in tests"));
    };
}

DriverManifest usb_printer(std::string name, Maturity maturity) {
    return DriverManifest{.name = std::move(name),
                          .device_class = DeviceClass::ticket_printer,
                          .maturity = maturity,
                          .description = "a printer",
                          .transport = TransportKind::usb,
                          .match = {.usb_ids = {{0x0fe6, 0x811e}}}};
}

DriverManifest generic_tty(std::string name) {
    return DriverManifest{.name = std::move(name),
                          .device_class = DeviceClass::ticket_printer,
                          .maturity = Maturity::production,
                          .description = "any serial printer",
                          .transport = TransportKind::serial,
                          .match = {.subsystem = "tty"}};
}

std::filesystem::path plugin(const char* file) {
    return std::filesystem::path(HK_TEST_PLUGIN_DIR) / file;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("drivers are found by name, a second driver of the same name is refused") {
    DriverRegistry registry;
    REQUIRE(registry.add(usb_printer("escpos", Maturity::production), null_factory()));
    REQUIRE(registry.add(generic_tty("tty_printer"), null_factory()));
    REQUIRE(registry.find("escpos") != nullptr);
    CHECK(registry.find("escpos")->origin == "built-in");
    CHECK(registry.find("escpos")->manifest.transport == TransportKind::usb);
    CHECK(registry.find("esc") == nullptr);
    CHECK(registry.names() == std::vector<std::string_view>{"escpos", "tty_printer"});

    const auto duplicate = registry.add(usb_printer("escpos", Maturity::testing), null_factory());
    REQUIRE_FALSE(duplicate);
    CHECK(duplicate.error() == "driver 'escpos' is already registered (from built-in)");
    CHECK(registry.drivers().size() == 2);
}

TEST_CASE("registration refuses invalid manifests, other ABIs and missing factories") {
    DriverRegistry registry;
    auto invalid = usb_printer("bad", Maturity::testing);
    invalid.description.clear();
    const auto refused = registry.add(invalid, null_factory());
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == "driver 'bad' has an invalid manifest: has no description");

    auto future = usb_printer("future", Maturity::testing);
    future.abi = {kDriverAbiMajor, static_cast<std::uint16_t>(kDriverAbiMinor + 1)};
    REQUIRE_FALSE(registry.add(future, null_factory()));
    CHECK(contains(registry.add(future, null_factory()).error(), "was built for driver ABI"));

    CHECK(registry.add(usb_printer("nofactory", Maturity::testing), {}).error() ==
          "driver 'nofactory' has no factory");
    CHECK(registry.drivers().empty());
}

TEST_CASE("the best match is the most specific, then the most mature driver") {
    DriverRegistry registry;
    REQUIRE(registry.add(generic_tty("tty_printer"), null_factory()));
    REQUIRE(registry.add(usb_printer("vendor_beta", Maturity::experimental), null_factory()));
    REQUIRE(registry.add(usb_printer("vendor_stable", Maturity::production), null_factory()));

    const DeviceInfo known{.physical_path = "usb:0fe6/811e:1-1.2:1.0",
                           .subsystem = "tty",
                           .vendor_id = 0x0fe6,
                           .product_id = 0x811e};
    const auto all = registry.candidates(known);
    REQUIRE(all.size() == 3);
    CHECK(all[0].driver->manifest.name == "vendor_stable");
    CHECK(all[1].driver->manifest.name == "vendor_beta");
    CHECK(all[2].driver->manifest.name == "tty_printer");
    const auto best = registry.best_match(known);
    REQUIRE(best);
    CHECK(best->driver->manifest.name == "vendor_stable");
    CHECK(best->match.reason == "usb 0fe6:811e");

    const DeviceInfo unknown_tty{.subsystem = "tty", .vendor_id = 0x1234, .product_id = 0x5678};
    REQUIRE(registry.best_match(unknown_tty));
    CHECK(registry.best_match(unknown_tty)->driver->manifest.name == "tty_printer");

    CHECK_FALSE(registry.best_match(DeviceInfo{.subsystem = "video4linux"}));
}

TEST_CASE("every device class has a valid compiled-in simulated driver") {
    const auto& registry = builtin_drivers();
    for (const auto device_class : kAllDeviceClasses) {
        const auto name = simulated::driver_name(device_class);
        INFO(name);
        const auto* driver = registry.find(name);
        REQUIRE(driver != nullptr);
        CHECK(validate(driver->manifest).empty());
        CHECK(driver->manifest.device_class == device_class);
        CHECK(driver->manifest.transport == TransportKind::simulated);
        CHECK(driver->manifest.parameter("response_delay") != nullptr);
    }
    const auto* printer = registry.find("simulated_ticket_printer");
    REQUIRE(printer != nullptr);
    REQUIRE(printer->manifest.parameter("paper_capacity") != nullptr);
    CHECK(printer->manifest.parameter("paper_capacity")->default_value ==
          ParameterValue(std::int64_t{500}));

    // Simulated devices have no hardware: nothing present is ever theirs.
    CHECK_FALSE(registry.best_match(DeviceInfo{.subsystem = "tty"}));
}

TEST_CASE("a good driver shared object adds its drivers, which work") {
    DriverRegistry registry;
    const auto loaded = registry.load_plugin(plugin("hk_test_plugin_good.so"));
    REQUIRE(loaded);
    CHECK(*loaded == std::vector<std::string>{"plugin_printer", "plugin_scanner"});
    const auto* printer = registry.find("plugin_printer");
    REQUIRE(printer != nullptr);
    CHECK(printer->origin == plugin("hk_test_plugin_good.so").string());
    CHECK(printer->manifest.parameter("baud") != nullptr);

    TestContext test;
    auto driver = printer->factory(DeviceConfig{.id = "printer-9"}, test.context);
    REQUIRE(driver);
    CHECK((*driver)->describe() == "echo for printer-9");
    driver->reset();  // plugin code: destroyed before the registry closes the library

    const DeviceInfo keyboard{.subsystem = "input", .properties = {{"ID_INPUT_KEYBOARD", "1"}}};
    REQUIRE(registry.best_match(keyboard));
    CHECK(registry.best_match(keyboard)->driver->manifest.name == "plugin_scanner");

    // Loading the same file again: every driver would be a duplicate.
    const auto again = registry.load_plugin(plugin("hk_test_plugin_good.so"));
    REQUIRE_FALSE(again);
    CHECK(again.error() == "driver 'plugin_printer' is already registered (from " +
                               plugin("hk_test_plugin_good.so").string() + ")");
    CHECK(registry.drivers().size() == 2);
}

TEST_CASE("driver shared objects are refused with a reason, and nothing of them is added") {
    DriverRegistry registry;
    register_builtin_drivers(registry);
    const auto builtin_count = registry.drivers().size();

    const auto wrong_major = registry.load_plugin(plugin("hk_test_plugin_wrong_major.so"));
    REQUIRE_FALSE(wrong_major);
    CHECK(contains(wrong_major.error(), "built for driver ABI 2.0, this daemon has 1.0"));

    const auto newer_minor = registry.load_plugin(plugin("hk_test_plugin_newer_minor.so"));
    REQUIRE_FALSE(newer_minor);
    CHECK(contains(newer_minor.error(), "built for driver ABI 1.1, this daemon has 1.0"));

    const auto no_entry = registry.load_plugin(plugin("hk_test_plugin_no_entry.so"));
    REQUIRE_FALSE(no_entry);
    CHECK(contains(no_entry.error(), "no entry point 'hk_driver_entry'"));

    const auto invalid = registry.load_plugin(plugin("hk_test_plugin_invalid_manifest.so"));
    REQUIRE_FALSE(invalid);
    CHECK(contains(invalid.error(),
                   "driver 'plugin_bad_default' has an invalid manifest: "
                   "parameter 'baud': the default is invalid"));

    // All or nothing: the plugin's first driver is fine, its second clashes with a built-in.
    const auto duplicate = registry.load_plugin(plugin("hk_test_plugin_duplicate.so"));
    REQUIRE_FALSE(duplicate);
    CHECK(duplicate.error() ==
          "driver 'simulated_ticket_printer' is already registered (from built-in)");
    CHECK(registry.find("plugin_fine") == nullptr);

    const auto missing = registry.load_plugin(plugin("no_such_plugin.so"));
    REQUIRE_FALSE(missing);
    CHECK(contains(missing.error(), "cannot load: "));

    CHECK(registry.drivers().size() == builtin_count);
}

TEST_CASE("loading a directory takes every .so file and reports the refused ones") {
    const hk::test::TempDir dir;
    for (const char* name : {"hk_test_plugin_good.so", "hk_test_plugin_wrong_major.so"}) {
        std::filesystem::copy_file(plugin(name), dir.path() / name);
    }
    hk::test::write_file(dir / "notes.so", "this is not a shared object\n");
    hk::test::write_file(dir / "README", "ignored: not a .so file\n");
    DriverRegistry registry;
    const auto report = registry.load_directory(dir.path());
    REQUIRE(report);
    CHECK(report->loaded == std::vector<std::string>{"plugin_printer", "plugin_scanner"});
    REQUIRE(report->refused.size() == 2);
    CHECK(report->refused[0].file == dir.path() / "hk_test_plugin_wrong_major.so");
    CHECK(contains(report->refused[0].reason, "built for driver ABI 2.0"));
    CHECK(report->refused[1].file == dir.path() / "notes.so");
    CHECK(contains(report->refused[1].reason, "cannot load: "));

    const auto missing = registry.load_directory(dir.path() / "nowhere");
    REQUIRE_FALSE(missing);
    CHECK(contains(missing.error(), "cannot read the driver directory"));
}

TEST_CASE("a registry moves with its loaded drivers") {
    DriverRegistry first;
    REQUIRE(first.load_plugin(plugin("hk_test_plugin_good.so")));
    DriverRegistry second = std::move(first);
    REQUIRE(second.find("plugin_printer") != nullptr);
    DriverRegistry third;
    REQUIRE(third.load_plugin(plugin("hk_test_plugin_good.so")));
    third = std::move(second);  // third's own drivers go before its library is closed
    TestContext test;
    auto driver = third.find("plugin_printer")->factory(DeviceConfig{.id = "x"}, test.context);
    REQUIRE(driver);
    CHECK((*driver)->describe() == "echo for x");
}

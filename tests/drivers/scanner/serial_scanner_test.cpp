// The serial barcode scanner driver on a real pseudo-terminal: codes become events, garbage
// is counted and dropped, an unplugged scanner comes back within 2 s of its replug, and its
// traffic can be recorded to a trace while it runs.
#include "drivers/scanner/serial_scanner.hpp"

#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "drivers/sdk/device_classes.hpp"
#include "drivers/transport/trace.hpp"
#include "tests/drivers/transport/pty_device.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::drivers::scanner {
namespace {

using std::chrono::milliseconds;
using test::run_until;

struct Scanner {
    explicit Scanner(std::string port, ParameterValues overrides = {}) {
        register_drivers(registry);
        config.id = "scanner-1";
        config.driver = std::string(kSerialScannerDriver);
        config.port = std::move(port);
        config.params = default_values(serial_scanner_manifest());
        for (auto& [name, value] : overrides) {
            config.params.insert_or_assign(name, value);
        }
        auto built = registry.find(kSerialScannerDriver)->factory(config, context);
        REQUIRE(built);
        driver = std::move(*built);
    }

    boost::asio::io_context io;
    test::HealthLog log;
    HealthTracker health{log.listener()};
    std::vector<std::string> codes;
    DriverContext context{.io = io,
                          .health = health,
                          .emit =
                              [this](DeviceEvent event) {
                                  if (auto* scanned = std::get_if<events::CodeScanned>(&event)) {
                                      codes.push_back(scanned->code);
                                  }
                              },
                          .now_ms = [] { return std::int64_t{0}; }};
    DriverRegistry registry;
    DeviceConfig config;
    std::unique_ptr<Driver> driver;
};

bool online(const Scanner& s) {
    return s.health.health().state == DeviceState::online;
}

TEST_CASE("codes scanned on the port become events, garbage is counted and dropped") {
    const test::TempDir dir;
    Scanner s((dir / "scanner").string(), {{"prefix", std::string("]C0")}});
    test::PtyDevice pty(s.io, dir / "scanner", [](const std::string&) { return std::nullopt; });
    REQUIRE(s.driver->start());
    REQUIRE(run_until(s.io, [&] { return online(s); }));

    pty.send("]C0A20261123001\r\n");
    pty.send("HK-0042\r\nBAD\x01\r\n办件-7\r\n");
    REQUIRE(run_until(s.io, [&] { return s.codes.size() == 3; }));
    CHECK(s.codes == std::vector<std::string>{"A20261123001", "HK-0042", "办件-7"});
    CHECK(s.health.counters().io_errors == 1);
    CHECK(s.driver->describe().find("3 codes, 1 rejected, 0 dropped") != std::string::npos);

    // Disabled: scans are read and dropped.
    dynamic_cast<BarcodeScanner&>(*s.driver).set_enabled(false);
    pty.send("IGNORED\r\n");
    REQUIRE(run_until(s.io, [&] {
        return s.driver->describe().find("1 dropped while disabled") != std::string::npos;
    }));
    dynamic_cast<BarcodeScanner&>(*s.driver).set_enabled(true);
    pty.send("AFTER\r\n");
    REQUIRE(run_until(s.io, [&] { return s.codes.size() == 4; }));
    CHECK(s.codes.back() == "AFTER");
    s.driver->stop();
}

TEST_CASE("an unplugged scanner goes offline and is online again within 2 s of its replug") {
    const test::TempDir dir;
    Scanner s((dir / "scanner").string());
    test::PtyDevice pty(s.io, dir / "scanner", [](const std::string&) { return std::nullopt; });
    REQUIRE(s.driver->start());
    REQUIRE(run_until(s.io, [&] { return online(s); }));

    pty.unplug();
    REQUIRE(run_until(s.io, [&] { return s.health.health().state == DeviceState::offline; }));
    CHECK(s.health.health().fault == fault::kDisconnected);
    test::run_for(s.io, milliseconds(1600));  // long enough for the backoff to reach its cap
    pty.replug();
    const auto replugged = std::chrono::steady_clock::now();
    REQUIRE(run_until(s.io, [&] { return online(s); }));
    CHECK(std::chrono::steady_clock::now() - replugged < std::chrono::seconds(2));
    CHECK(s.health.counters().reconnects >= 1);

    pty.send("BACK\r\n");
    REQUIRE(run_until(s.io, [&] { return !s.codes.empty(); }));
    CHECK(s.codes == std::vector<std::string>{"BACK"});
    s.driver->stop();
}

TEST_CASE("a trace started while the scanner runs records what it receives") {
    const test::TempDir dir;
    Scanner s((dir / "scanner").string());
    test::PtyDevice pty(s.io, dir / "scanner", [](const std::string&) { return std::nullopt; });
    REQUIRE(s.driver->start());
    REQUIRE(run_until(s.io, [&] { return online(s); }));

    const auto file = (dir / "scanner.trace").string();
    REQUIRE(s.driver->trace(file));
    pty.send("TRACED\r\n");
    REQUIRE(run_until(s.io, [&] { return s.codes.size() == 1; }));
    REQUIRE(s.driver->trace(std::nullopt));
    pty.send("NOT-TRACED\r\n");
    REQUIRE(run_until(s.io, [&] { return s.codes.size() == 2; }));

    const auto records = transport::load_trace(file);
    REQUIRE(records);
    transport::Bytes received;
    for (const auto& record : *records) {
        CHECK(record.dir == transport::Direction::in);
        received.insert(received.end(), record.bytes.begin(), record.bytes.end());
    }
    CHECK(received == transport::to_bytes("TRACED\r\n"));

    const auto refused = s.driver->trace((dir / "no-such-dir" / "x.trace").string());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == "invalid_request");
    s.driver->stop();
}

TEST_CASE("the self-test says whether the port is open") {
    const test::TempDir dir;
    Scanner s((dir / "absent").string());
    REQUIRE(s.driver->start());
    REQUIRE(run_until(s.io, [&] { return s.health.health().state == DeviceState::offline; }));
    std::optional<std::expected<std::string, DeviceError>> result;
    s.driver->self_test([&](auto outcome) { result = std::move(outcome); });
    CHECK_FALSE(result.has_value());  // completions run later, on the loop
    REQUIRE(run_until(s.io, [&] { return result.has_value(); }));
    REQUIRE_FALSE(*result);
    CHECK(result->error().code == "not_ready");
    s.driver->stop();
}

TEST_CASE("the manifest is valid and the factory needs a port") {
    CHECK(validate(serial_scanner_manifest()).empty());
    DriverRegistry registry;
    register_drivers(registry);
    boost::asio::io_context io;
    HealthTracker health;
    DriverContext context{.io = io, .health = health, .emit = {}, .now_ms = [] { return 0; }};
    DeviceConfig config{.id = "s", .driver = std::string(kSerialScannerDriver)};
    config.params = default_values(serial_scanner_manifest());
    const auto refused = registry.find(kSerialScannerDriver)->factory(config, context);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == "the serial scanner needs a port");
}

}  // namespace
}  // namespace hk::drivers::scanner

// The simulated barcode scanner: scanned codes arrive after response_delay in order, are
// dropped and counted while disabled, lost on I/O errors; bad codes are refused.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

struct Scanner {
    explicit Scanner(ParameterValues params = {})
        : harness(DeviceClass::barcode_scanner, std::move(params)) {
        harness.start_online();
    }
    [[nodiscard]] std::vector<std::string> codes() const {
        std::vector<std::string> found;
        for (const auto& scanned : harness.events_of<events::CodeScanned>()) {
            found.push_back(scanned.code);
        }
        return found;
    }
    // Waits until every scan under way has been delivered, dropped or lost, and the events
    // sent have arrived (the scanner has no timers of its own left then).
    bool settle() {
        return harness.run_until([&] { return harness.state("queued") == "0"; }) && harness.drain();
    }
    Harness harness;
};

TEST_CASE("a scanned code arrives after response_delay as CodeScanned, in order") {
    Scanner scanner({{"response_delay", ms(20)}});
    auto& h = scanner.harness;
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(h.act("scan", {"HK-A001-20240101"}) == "scanned a code of 16 characters");
    REQUIRE(h.act("scan", {"二维码-2"}));
    REQUIRE(h.act("scan", {"3"}));
    CHECK(h.events.empty());
    REQUIRE(h.run_until([&] { return h.events.size() == 3; }));
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(60));
    CHECK(scanner.codes() == std::vector<std::string>{"HK-A001-20240101", "二维码-2", "3"});
    CHECK(h.state("scans") == "3");
    CHECK(h.driver->describe() == "simulated barcode scanner, suffix enter");
}

TEST_CASE("while disabled, scanned codes are dropped and counted") {
    Scanner scanner;
    auto& h = scanner.harness;
    h.device<BarcodeScanner>().set_enabled(false);
    CHECK(h.state("enabled") == "false");
    REQUIRE(h.act("scan", {"dropped-1"}));
    REQUIRE(scanner.settle());
    CHECK(h.events.empty());
    CHECK(h.state("dropped") == "1");

    h.device<BarcodeScanner>().set_enabled(true);
    REQUIRE(h.act("scan", {"kept-2"}));
    REQUIRE(h.run_until([&] { return !h.events.empty(); }));
    CHECK(scanner.codes() == std::vector<std::string>{"kept-2"});
    CHECK(h.state("scans") == "1");
}

TEST_CASE("codes with control characters and other bad scans are refused") {
    Scanner scanner;
    auto& h = scanner.harness;
    CHECK(h.act("scan").error() == "scan takes one code");
    CHECK(h.act("scan", {""}).error() == "scan takes one code");
    CHECK(h.act("scan", {"a", "b"}).error() == "scan takes one code");
    for (const std::string& bad : {std::string("A001\n"), std::string("A\tB"), std::string("A\x7F"),
                                   std::string("\xE6\xB5")}) {
        CHECK(h.act("scan", {bad}).error() ==
              "the code must be UTF-8 text without control characters");
    }
    CHECK(h.act("scan", {std::string(4097, '7')}).error() == "the code is longer than 4096 bytes");
    CHECK(h.act("scan", {std::string(4096, '7')}));
    REQUIRE(h.act("unplug"));
    CHECK(h.act("scan", {"A001"}).error() == "the device is unplugged");
    CHECK(h.events.empty());
}

TEST_CASE("a scan hit by an I/O error is lost and counted") {
    Scanner scanner;
    auto& h = scanner.harness;
    REQUIRE(h.act("fail_next", {"1"}));
    REQUIRE(h.act("scan", {"lost"}));
    REQUIRE(h.act("scan", {"kept"}));
    REQUIRE(scanner.settle());
    CHECK(scanner.codes() == std::vector<std::string>{"kept"});
    CHECK(h.state("lost") == "1");
    CHECK(h.health.counters().io_errors == 1);
}

TEST_CASE("scans under way are lost when the scanner is unplugged or stopped") {
    Scanner scanner;
    auto& h = scanner.harness;
    REQUIRE(h.act("scan", {"one"}));
    REQUIRE(h.act("unplug"));
    h.driver->stop();
    REQUIRE(h.drain());
    CHECK(h.events.empty());
}

TEST_CASE("the scanner's self-test decodes its test code") {
    Scanner scanner;
    const auto tested = scanner.harness.complete<std::string>(
        [&](auto done) { scanner.harness.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(*tested.result() == "decoded the built-in test code");
}

TEST_CASE("the scanner's state shows counts, never the codes") {
    Scanner scanner({{"prefix", text_value("]Q")}});
    auto& h = scanner.harness;
    REQUIRE(h.act("scan", {"SECRET-CODE-1"}));
    REQUIRE(scanner.settle());
    for (const auto& [name, value] : h.sim().simulation_state()) {
        CHECK(value.find("SECRET") == std::string::npos);
    }
    CHECK(h.driver->describe() == "simulated barcode scanner, prefix \"]Q\", suffix enter");
}

}  // namespace
}  // namespace hk::drivers::test

// Serial transport on real pseudo-terminals: online, unplug and replug, a hung peer tripping
// the timeouts, a missing port, RS-485 on a port without it, and cancellation on stop.
#include "drivers/transport/serial_transport.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "tests/drivers/transport/pty_device.hpp"
#include "tests/support/temp_dir.hpp"

using namespace hk::drivers;
using namespace hk::drivers::transport;
using hk::test::HealthLog;
using hk::test::PtyDevice;
using hk::test::run_for;
using hk::test::run_until;
using std::chrono::milliseconds;

namespace {

struct Rig {
    hk::test::TempDir dir{"hk-serial"};
    boost::asio::io_context io;
    HealthLog log;
    HealthTracker tracker{log.listener()};

    std::shared_ptr<Transport> make(SerialOptions serial, TransportOptions options = {}) {
        return Transport::create(io, std::make_unique<SerialLink>(io, std::move(serial)), options,
                                 &tracker);
    }
    [[nodiscard]] DeviceState state() const { return tracker.health().state; }
    [[nodiscard]] const std::string& fault() const { return tracker.health().fault; }
};

// Sends `line` and waits for its reply; nullopt with the error kept in `error`.
std::optional<std::string> ask(Rig& rig, Transport& transport, const std::string& line,
                               std::optional<RequestError>* error = nullptr,
                               milliseconds timeout = milliseconds(1000)) {
    bool finished = false;
    std::optional<std::string> answer;
    transport.request(
        to_bytes(line + "\n"), framers::until_byte('\n'),
        [&](std::expected<Bytes, RequestError> result) {
            finished = true;
            if (result) {
                answer = std::string(result->begin(), result->end());
            } else if (error != nullptr) {
                *error = result.error();
            }
        },
        timeout);
    REQUIRE(run_until(rig.io, [&] { return finished; }));
    return answer;
}

}  // namespace

TEST_CASE("a serial transport on a pty comes online and answers requests in order") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttyPRN", hk::test::status_peer);
    auto transport = rig.make({.path = (rig.dir / "ttyPRN").string(), .baud = 115200});
    transport->start({});
    CHECK(rig.state() == DeviceState::probing);
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    CHECK(rig.tracker.health().detail.find("115200 8N1") != std::string::npos);

    // Two requests queued at once run one after the other.
    std::vector<std::string> answers;
    for (const auto* line : {"PING\n", "STATUS\n"}) {
        transport->request(to_bytes(line), framers::until_byte('\n'),
                           [&](std::expected<Bytes, RequestError> result) {
                               REQUIRE(result);
                               answers.emplace_back(result->begin(), result->end());
                           });
    }
    REQUIRE(run_until(rig.io, [&] { return answers.size() == 2; }));
    CHECK(answers == std::vector<std::string>{"PONG\n", "OK\n"});
    CHECK(device.lines() == std::vector<std::string>{"PING", "STATUS"});
    CHECK(rig.tracker.counters() == DeviceCounters{});
}

TEST_CASE("bytes the device sends on its own reach the data handler") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttySCAN", nullptr);
    auto transport = rig.make({.path = (rig.dir / "ttySCAN").string()});
    std::string received;
    transport->start({.on_data = [&](std::span<const std::uint8_t> bytes) {
        received.append(bytes.begin(), bytes.end());
    }});
    REQUIRE(run_until(rig.io, [&] { return transport->is_up(); }));
    device.send("6901234567892\r\n");
    REQUIRE(run_until(rig.io, [&] { return received == "6901234567892\r\n"; }));
}

TEST_CASE("an unplugged port goes offline as disconnected and is online within 2 s of replug") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttyUSB0", hk::test::status_peer);
    auto transport = rig.make({.path = (rig.dir / "ttyUSB0").string()});
    int ups = 0;
    int downs = 0;
    transport->start({.on_up = [&] { ++ups; },
                      .on_down =
                          [&](std::string_view fault_code, std::string_view) {
                              CHECK(fault_code == fault::kDisconnected);
                              ++downs;
                          }});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    CHECK(ask(rig, *transport, "PING") == "PONG\n");

    device.unplug();
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    CHECK(rig.fault() == fault::kDisconnected);
    CHECK(downs == 1);
    std::optional<RequestError> error;
    CHECK_FALSE(ask(rig, *transport, "PING", &error));
    CHECK(error == RequestError::disconnected);

    const auto replugged = std::chrono::steady_clock::now();
    device.replug();
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    const auto took = std::chrono::steady_clock::now() - replugged;
    WARN("online again " << std::chrono::duration_cast<milliseconds>(took).count()
                         << " ms after replug");
    CHECK(took < std::chrono::seconds(2));
    CHECK(ups == 2);
    CHECK(rig.tracker.counters().reconnects == 1);
    CHECK(rig.tracker.counters().io_errors == 0);
    CHECK(ask(rig, *transport, "STATUS") == "OK\n");
}

TEST_CASE("a port unplugged long enough for the backoff to reach its cap is back within 2 s") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttyUSB1", hk::test::status_peer);
    auto transport = rig.make({.path = (rig.dir / "ttyUSB1").string()});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));

    device.unplug();
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    // Attempts at 0.1, 0.3, 0.7, 1.5, 3.0 s: after 3.2 s the next one is a full cap away.
    run_for(rig.io, milliseconds(3200));
    CHECK(rig.fault() == fault::kDisconnected);  // failed reopens keep the reason
    CHECK(rig.tracker.health().detail.find("No such file") != std::string::npos);

    const auto replugged = std::chrono::steady_clock::now();
    device.replug();
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    const auto took = std::chrono::steady_clock::now() - replugged;
    WARN("online again " << std::chrono::duration_cast<milliseconds>(took).count()
                         << " ms after replug (backoff at its cap)");
    CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("a peer that stops answering goes degraded on a timeout and offline after three") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttyS1", hk::test::status_peer);
    auto transport =
        rig.make({.path = (rig.dir / "ttyS1").string()}, {.request_timeout = milliseconds(150)});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    CHECK(ask(rig, *transport, "PING", nullptr, milliseconds(150)) == "PONG\n");

    device.set_responder(nullptr);  // hung: reads, never answers
    std::optional<RequestError> error;
    CHECK_FALSE(ask(rig, *transport, "PING", &error, milliseconds(150)));
    CHECK(error == RequestError::timeout);
    CHECK(rig.state() == DeviceState::degraded);
    CHECK(rig.fault() == fault::kTimeout);
    CHECK(rig.tracker.counters().timeouts == 1);

    CHECK_FALSE(ask(rig, *transport, "PING", &error, milliseconds(150)));
    CHECK(rig.state() == DeviceState::degraded);
    CHECK(rig.tracker.counters().timeouts == 2);

    CHECK_FALSE(ask(rig, *transport, "PING", &error, milliseconds(150)));
    CHECK(error == RequestError::timeout);
    CHECK(rig.state() == DeviceState::offline);
    CHECK(rig.fault() == fault::kTimeout);
    CHECK(rig.tracker.counters().timeouts == 3);

    // The port is still there: the transport reopens it, and an answer makes it healthy.
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    device.set_responder(hk::test::status_peer);
    CHECK(ask(rig, *transport, "STATUS") == "OK\n");
    CHECK(rig.tracker.counters() == DeviceCounters{.timeouts = 3, .reconnects = 1});
    CHECK(rig.log.saw(DeviceState::degraded, fault::kTimeout));
    CHECK(rig.log.saw(DeviceState::offline, fault::kTimeout));
}

TEST_CASE("a reply after a timeout brings a degraded device back online") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttyS2", nullptr);
    auto transport = rig.make({.path = (rig.dir / "ttyS2").string()});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    CHECK_FALSE(ask(rig, *transport, "PING", nullptr, milliseconds(100)));
    CHECK(rig.state() == DeviceState::degraded);
    device.set_responder(hk::test::status_peer);
    CHECK(ask(rig, *transport, "PING") == "PONG\n");
    CHECK(rig.state() == DeviceState::online);
    CHECK(rig.fault().empty());
}

TEST_CASE("a missing port is offline with open_failed until it appears") {
    Rig rig;
    const auto path = rig.dir / "ttyACM0";
    auto transport = rig.make({.path = path.string()});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    CHECK(rig.fault() == fault::kOpenFailed);
    CHECK(rig.tracker.health().detail.find(path.string()) != std::string::npos);

    PtyDevice device(rig.io, path, hk::test::status_peer);
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    CHECK(rig.tracker.counters().reconnects == 0);  // first open, not a reconnection
}

TEST_CASE("retry_now reopens at once instead of waiting for the backoff") {
    Rig rig;
    const auto path = rig.dir / "ttyACM1";
    auto transport = rig.make({.path = path.string()}, {.first_retry = milliseconds(60'000),
                                                        .max_retry = milliseconds(60'000)});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    PtyDevice device(rig.io, path, hk::test::status_peer);
    transport->retry_now();
    REQUIRE(run_until(
        rig.io, [&] { return rig.state() == DeviceState::online; }, milliseconds(2000)));
}

TEST_CASE("RS-485 on a port without it fails to open and says it is not supported") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttyRS485", nullptr);
    auto transport = rig.make({.path = (rig.dir / "ttyRS485").string(), .rs485 = Rs485Options{}});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    CHECK(rig.fault() == fault::kOpenFailed);
    CHECK(rig.tracker.health().detail.find("RS-485") != std::string::npos);
    CHECK(rig.tracker.health().detail.find("not supported") != std::string::npos);
}

TEST_CASE("invalid serial options are refused with the reason") {
    CHECK(validate({.path = "/dev/ttyS0"}));
    CHECK(validate({.path = ""}).error() == "the port path is empty");
    CHECK(validate({.path = "/dev/ttyS0", .baud = 12345}).error() == "unsupported baud rate 12345");
    CHECK(validate({.path = "/dev/ttyS0", .data_bits = 9}).error().find("data bits") == 0);
    CHECK(validate({.path = "/dev/ttyS0", .stop_bits = 3}).error().find("stop bits") == 0);
    CHECK(describe_framing({.path = "x",
                            .baud = 19200,
                            .data_bits = 7,
                            .parity = Parity::even,
                            .stop_bits = 2,
                            .flow_control = FlowControl::rts_cts}) == "19200 7E2 rts/cts");
}

TEST_CASE("stop cancels the outstanding request and stops reconnecting") {
    Rig rig;
    PtyDevice device(rig.io, rig.dir / "ttyS3", nullptr);
    auto transport = rig.make({.path = (rig.dir / "ttyS3").string()});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return transport->is_up(); }));
    std::optional<std::expected<Bytes, RequestError>> result;
    transport->request(to_bytes("PING\n"), framers::until_byte('\n'),
                       [&](std::expected<Bytes, RequestError> r) { result = std::move(r); });
    REQUIRE(run_until(rig.io, [&] { return device.lines().size() == 1; }));
    transport->stop();
    CHECK_FALSE(result.has_value());  // reported from the loop, not from inside stop()
    REQUIRE(run_until(rig.io, [&] { return result.has_value(); }));
    CHECK(result->error() == RequestError::cancelled);
    CHECK_FALSE(transport->is_up());
}

// USB link without USB hardware: the device selector and options, the fault mapping, the libusb
// context on the loop (one per loop, woken by libusb's descriptors, idle otherwise), and a
// device that is not connected (open_failed, retried without a busy loop). Transfers, claims,
// kernel-driver detach and unplugging need a device: the last test runs against one named by
// HK_TEST_USB_DEVICE and is skipped otherwise (docs/transports.md, "USB (libusb)").
#include "drivers/transport/usb_link.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <libusb.h>

#include "drivers/transport/usb_context.hpp"
#include "tests/drivers/transport/pty_device.hpp"

using namespace hk::drivers;
using namespace hk::drivers::transport;
using hk::test::run_until;
using std::chrono::milliseconds;

namespace {

// No such vendor exists (0xffff is reserved), so this is absent on every machine.
const UsbSelector kAbsent{.vendor_id = 0xffff, .product_id = 0xfff0};

// Passes everything to the wrapped link and counts the opens.
class CountingLink final : public Link {
public:
    CountingLink(std::unique_ptr<Link> inner, int& opens)
        : inner_(std::move(inner)), opens_(opens) {}

private:
    void do_open(OpenHandler done) override {
        ++opens_;
        inner_->async_open(std::move(done));
    }
    void do_read_some(std::span<std::uint8_t> into, IoHandler done) override {
        inner_->async_read_some(into, std::move(done));
    }
    void do_write(std::span<const std::uint8_t> bytes, IoHandler done) override {
        inner_->async_write(bytes, std::move(done));
    }
    void do_close() override { inner_->close(); }
    [[nodiscard]] std::string do_describe() const override { return inner_->describe(); }

    std::unique_ptr<Link> inner_;
    int& opens_;
};

std::shared_ptr<UsbContext> context_of(boost::asio::io_context& io) {
    auto context = UsbContext::for_loop(io);
    REQUIRE(context);
    return *context;
}

}  // namespace

// ---- Selector and options ------------------------------------------------------------------

TEST_CASE("a USB device is selected by VID:PID or by its hotplug name") {
    CHECK(parse_usb_selector("1a86:7523") ==
          UsbSelector{.vendor_id = 0x1a86, .product_id = 0x7523});
    CHECK(parse_usb_selector("0483:5743") ==
          UsbSelector{.vendor_id = 0x0483, .product_id = 0x5743});
    CHECK(parse_usb_selector("usb:1A86/7523") ==
          UsbSelector{.vendor_id = 0x1a86, .product_id = 0x7523});
    CHECK(parse_usb_selector("usb:0416/5011:1-1.2") ==
          UsbSelector{.vendor_id = 0x0416, .product_id = 0x5011, .port = "1-1.2"});
    CHECK(parse_usb_selector("usb:0416/5011:3-1.4.2.1") ==
          UsbSelector{.vendor_id = 0x0416, .product_id = 0x5011, .port = "3-1.4.2.1"});
}

TEST_CASE("a malformed USB selector is refused with what is wrong") {
    const auto error = [](std::string_view text) {
        const auto parsed = parse_usb_selector(text);
        REQUIRE_FALSE(parsed);
        return parsed.error();
    };
    CHECK(error("1a86") == "expected VVVV:PPPP or usb:VVVV/PPPP[:PORT], got \"1a86\"");
    CHECK(error("usb:1a86:7523").starts_with("expected VVVV:PPPP"));
    CHECK(error("usb:1a86/7523:").starts_with("expected VVVV:PPPP"));
    CHECK(error("zz:7523") == "bad vendor id \"zz\" (1 to 4 hex digits)");
    CHECK(error("12345:1") == "bad vendor id \"12345\" (1 to 4 hex digits)");
    CHECK(error("1a86:") == "bad product id \"\" (1 to 4 hex digits)");
    CHECK(error("1a86:-1") == "bad product id \"-1\" (1 to 4 hex digits)");
    CHECK(error("usb:1a86/7523:1-1.2:1.0").find("interface suffix") != std::string::npos);
    CHECK(error("usb:1a86/7523:0-1").starts_with("bad port \"0-1\""));
    CHECK(error("usb:1a86/7523:1-").starts_with("bad port"));
    CHECK(error("usb:1a86/7523:1-1..2").starts_with("bad port"));
    CHECK(error("usb:1a86/7523:1-256").starts_with("bad port"));
    CHECK(error("usb:1a86/7523:1-1.1.1.1.1.1.1.1").starts_with("bad port"));  // 8 tiers
}

TEST_CASE("a USB selector is described for health details") {
    CHECK(to_string(UsbSelector{.vendor_id = 0x1a86, .product_id = 0x7523}) == "1a86:7523");
    CHECK(to_string(UsbSelector{
              .vendor_id = 0x1a86, .product_id = 0x7523, .port = "1-1.2", .serial = "A1B2"}) ==
          "1a86:7523 at 1-1.2 serial A1B2");
    boost::asio::io_context io;
    const UsbLink link(
        io, {.device = {.vendor_id = 0x0416, .product_id = 0x5011}, .interface_number = 1});
    CHECK(link.describe() == "usb 0416:5011 interface 1");
}

TEST_CASE("USB options are checked before any device is touched") {
    const UsbSelector device{.vendor_id = 0x0416, .product_id = 0x5011};
    CHECK(validate(UsbOptions{.device = device}));
    CHECK(validate(UsbOptions{.device = device, .in_endpoint = 0x81, .out_endpoint = 0x02}));
    CHECK(validate(UsbOptions{}).error().find("vendor id") != std::string::npos);
    CHECK(validate(UsbOptions{.device = device, .in_endpoint = 0x01}).error() ==
          "in_endpoint 0x01 is not an IN endpoint address (0x81 to 0x8f)");
    CHECK(validate(UsbOptions{.device = device, .in_endpoint = 0x80})
              .error()
              .starts_with("in_endpoint 0x80"));
    CHECK(validate(UsbOptions{.device = device, .out_endpoint = 0x82}).error() ==
          "out_endpoint 0x82 is not an OUT endpoint address (0x01 to 0x0f)");
    CHECK_FALSE(validate(UsbOptions{.device = device, .write_timeout = milliseconds(-1)}));
    CHECK_FALSE(validate(UsbOptions{.device = device, .read_size = 0}));
    auto bad_port = UsbOptions{.device = device};
    bad_port.device.port = "1.2";
    CHECK_FALSE(validate(bad_port));
}

// ---- Errors and faults ---------------------------------------------------------------------

TEST_CASE("USB errors map to faults: gone is disconnected, a timeout timeout, else io_error") {
    boost::asio::io_context io;
    const UsbLink link(io, {.device = kAbsent});
    CHECK(link.fault_for(make_usb_error(LIBUSB_ERROR_NO_DEVICE)) == fault::kDisconnected);
    CHECK(link.fault_for(make_usb_error(LIBUSB_ERROR_TIMEOUT)) == fault::kTimeout);
    CHECK(link.fault_for(make_usb_error(LIBUSB_ERROR_PIPE)) == fault::kIoError);
    CHECK(link.fault_for(make_usb_error(LIBUSB_ERROR_IO)) == fault::kIoError);
    CHECK(link.fault_for(make_usb_error(LIBUSB_ERROR_OVERFLOW)) == fault::kIoError);
    CHECK(make_usb_error(LIBUSB_ERROR_NO_DEVICE).message().find("No such device") !=
          std::string::npos);
}

TEST_CASE("a transfer's final status becomes the error its handler sees") {
    CHECK_FALSE(transfer_status_error(LIBUSB_TRANSFER_COMPLETED));
    CHECK(transfer_status_error(LIBUSB_TRANSFER_CANCELLED) ==
          boost::asio::error::operation_aborted);
    CHECK(transfer_status_error(LIBUSB_TRANSFER_NO_DEVICE) ==
          make_usb_error(LIBUSB_ERROR_NO_DEVICE));
    CHECK(transfer_status_error(LIBUSB_TRANSFER_TIMED_OUT) == make_usb_error(LIBUSB_ERROR_TIMEOUT));
    CHECK(transfer_status_error(LIBUSB_TRANSFER_STALL) == make_usb_error(LIBUSB_ERROR_PIPE));
    CHECK(transfer_status_error(LIBUSB_TRANSFER_OVERFLOW) == make_usb_error(LIBUSB_ERROR_OVERFLOW));
    CHECK(transfer_status_error(LIBUSB_TRANSFER_ERROR) == make_usb_error(LIBUSB_ERROR_IO));
}

TEST_CASE("reading or writing a USB link that is not open fails on the loop") {
    boost::asio::io_context io;
    UsbLink link(io, {.device = kAbsent});
    std::array<std::uint8_t, 64> buffer{};
    std::optional<boost::system::error_code> read;
    std::optional<boost::system::error_code> written;
    link.async_read_some(
        buffer, [&](const boost::system::error_code& error, std::size_t) { read = error; });
    link.async_write(buffer,
                     [&](const boost::system::error_code& error, std::size_t) { written = error; });
    CHECK_FALSE(read.has_value());
    REQUIRE(run_until(io, [&] { return read.has_value() && written.has_value(); }));
    CHECK(*read == boost::asio::error::bad_descriptor);
    CHECK(*written == boost::asio::error::bad_descriptor);
}

// ---- The libusb context on the loop --------------------------------------------------------

TEST_CASE("each loop has one libusb context, shared, and gone with its last user") {
    boost::asio::io_context io;
    boost::asio::io_context other_io;
    auto context = context_of(io);
    auto same = context_of(io);
    auto other = context_of(other_io);
    CHECK(context == same);
    CHECK(context != other);
    CHECK(context->native() != other->native());

    const auto stats = context->stats();
    CHECK(stats.watched_fds >= 1);  // at least libusb's event descriptor
    CHECK(stats.unwatchable == 0);
    CHECK(stats.retiring == 0);
    WARN("libusb descriptors watched: "
         << stats.watched_fds << ", timeouts "
         << (stats.timeouts_on_fds ? "on a descriptor (timerfd)" : "on the steady_timer"));

    const std::weak_ptr<UsbContext> weak = context;
    context.reset();
    same.reset();
    other.reset();
    CHECK(weak.expired());
    // Its descriptors were released and their waits cancelled: no work is left on the loop.
    io.restart();
    (void)io.run_for(std::chrono::seconds(2));
    CHECK(io.stopped());
    // A new one can be made on the same loop.
    CHECK(context_of(io) != nullptr);
}

TEST_CASE("an event on libusb's descriptor wakes the loop once, which then stays idle") {
    boost::asio::io_context io;
    const auto context = context_of(io);
    const auto before = context->stats().event_runs;
    libusb_interrupt_event_handler(context->native());  // what libusb does for its own events
    REQUIRE(run_until(io, [&] { return context->stats().event_runs > before; }));
    const auto after = context->stats().event_runs;
    CHECK(after - before <= 2);
    io.restart();
    const auto handlers = io.run_for(milliseconds(200));
    CHECK(handlers == 0);
    CHECK(context->stats().event_runs == after);
}

// ---- Opening -------------------------------------------------------------------------------

TEST_CASE("a USB device that is not connected is open_failed, naming it") {
    boost::asio::io_context io;
    HealthTracker tracker;
    auto transport = Transport::create(
        io, std::make_unique<UsbLink>(io, UsbOptions{.device = kAbsent}), {}, &tracker);
    transport->start({});
    CHECK(tracker.health().state == DeviceState::probing);
    REQUIRE(run_until(io, [&] { return tracker.health().state == DeviceState::offline; }));
    CHECK(tracker.health().fault == fault::kOpenFailed);
    CHECK(tracker.health().detail == "usb ffff:fff0: not connected");
    transport->stop();

    auto selector = parse_usb_selector("usb:ffff/fff0:1-1.2");
    REQUIRE(selector);
    HealthTracker port_tracker;
    auto on_port = Transport::create(
        io, std::make_unique<UsbLink>(io, UsbOptions{.device = *selector}), {}, &port_tracker);
    on_port->start({});
    REQUIRE(run_until(io, [&] { return port_tracker.health().state == DeviceState::offline; }));
    CHECK(port_tracker.health().detail == "usb ffff:fff0 at 1-1.2: not connected");
}

TEST_CASE("USB options that cannot work are open_failed with the reason") {
    boost::asio::io_context io;
    HealthTracker tracker;
    auto transport = Transport::create(
        io, std::make_unique<UsbLink>(io, UsbOptions{.device = kAbsent, .in_endpoint = 0x02}), {},
        &tracker);
    transport->start({});
    REQUIRE(run_until(io, [&] { return tracker.health().state == DeviceState::offline; }));
    CHECK(tracker.health().fault == fault::kOpenFailed);
    CHECK(tracker.health().detail ==
          "usb ffff:fff0: in_endpoint 0x02 is not an IN endpoint address (0x81 to 0x8f)");
}

TEST_CASE("the loop stays idle while a USB link retries a device that is not there") {
    boost::asio::io_context io;
    HealthTracker tracker;
    int opens = 0;
    auto transport = Transport::create(
        io,
        std::make_unique<CountingLink>(std::make_unique<UsbLink>(io, UsbOptions{.device = kAbsent}),
                                       opens),
        {.first_retry = milliseconds(50), .max_retry = milliseconds(100)}, &tracker);
    transport->start({});
    REQUIRE(run_until(io, [&] { return tracker.health().state == DeviceState::offline; }));
    // Until the next attempt: libusb signals its event descriptor once after init (its event
    // sources were added), and that wakeup is handled by then.
    const auto first_opens = opens;
    REQUIRE(run_until(io, [&] { return opens > first_opens; }));
    const auto context = context_of(io);  // the one the link made
    const auto runs_before = context->stats().event_runs;
    const auto opens_before = opens;

    io.restart();
    const auto handlers = io.run_for(milliseconds(300));
    WARN(handlers << " handlers and " << (opens - opens_before)
                  << " open attempts in 300 ms of retrying");
    CHECK(opens - opens_before >= 2);  // it kept trying, every 100 ms
    // Each attempt is a timer and a posted open result; a busy loop would run thousands.
    CHECK(handlers < 30);
    CHECK(context->stats().event_runs == runs_before);  // libusb's descriptors stayed quiet
    transport->stop();
}

// ---- With a device (skipped without one) ---------------------------------------------------

namespace {

std::optional<Bytes> parse_hex(std::string_view text) {
    if (text.size() % 2 != 0) {
        return std::nullopt;
    }
    Bytes bytes;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned value = 0;
        const auto [end, error] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
        if (error != std::errc() || end != text.data() + i + 2) {
            return std::nullopt;
        }
        bytes.push_back(static_cast<std::uint8_t>(value));
    }
    return bytes;
}

}  // namespace

// HK_TEST_USB_DEVICE=usb:VVVV/PPPP[:PORT] (HK_TEST_USB_INTERFACE=N, default 0): opens the
// device, and with HK_TEST_USB_REQUEST=hex (e.g. 100401, an ESC/POS status query) expects a
// reply; then closes and reopens it three times: the cancelled IN transfer must be called
// back and the interface released before the next claim can succeed.
TEST_CASE("a real USB device opens, answers, and closes and reopens cleanly") {
    const char* device = std::getenv("HK_TEST_USB_DEVICE");
    if (device == nullptr) {
        WARN(
            "skipped: no USB device here; set HK_TEST_USB_DEVICE=usb:VVVV/PPPP[:PORT] "
            "(and HK_TEST_USB_REQUEST=hex) to run against one");
        return;
    }
    const auto selector = parse_usb_selector(device);
    REQUIRE(selector);
    UsbOptions options{.device = *selector};
    if (const char* interface = std::getenv("HK_TEST_USB_INTERFACE"); interface != nullptr) {
        options.interface_number = static_cast<std::uint8_t>(std::atoi(interface));
    }
    boost::asio::io_context io;
    HealthTracker tracker;
    auto transport = Transport::create(io, std::make_unique<UsbLink>(io, options), {}, &tracker);
    for (int round = 0; round < 3; ++round) {
        transport->start({});
        REQUIRE(run_until(io, [&] { return transport->is_up(); }));
        INFO(tracker.health().detail);
        CHECK(tracker.health().detail.starts_with("usb "));
        if (const char* request = std::getenv("HK_TEST_USB_REQUEST"); request != nullptr) {
            const auto bytes = parse_hex(request);
            REQUIRE(bytes);
            std::optional<std::expected<Bytes, RequestError>> reply;
            transport->request(
                *bytes,
                [](std::span<const std::uint8_t> got) -> std::optional<ReplyFrame> {
                    if (got.empty()) {
                        return std::nullopt;
                    }
                    return ReplyFrame{0, got.size()};
                },
                [&](std::expected<Bytes, RequestError> result) { reply = std::move(result); },
                milliseconds(2000));
            REQUIRE(run_until(io, [&] { return reply.has_value(); }));
            CHECK(reply->has_value());
        }
        transport->stop();
    }
    const auto context = context_of(io);
    REQUIRE(run_until(io, [&] { return context->stats().retiring == 0; }));
}

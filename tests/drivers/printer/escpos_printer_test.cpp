// The ESC/POS printer driver on a real pseudo-terminal, with the ESC/POS emulator of
// tests/peers on the other side: a ticket is printed and its QR code decodes to the ticket's id;
// paper near its end is degraded "paper_low"; paper out faults the printer, holds the job, and
// after the refill it is printed once; a retried job is not printed twice.
#include "drivers/printer/escpos_printer.hpp"

#include <array>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <pty.h>
#include <unistd.h>

#include "drivers/sdk/device_classes.hpp"
#include "tests/drivers/transport/pty_device.hpp"
#include "tests/peers/escpos/interpreter.hpp"
#include "tests/peers/escpos/renderer.hpp"
#include "tests/peers/escpos/zxing_decode.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::drivers::printer {
namespace {

using test::run_until;
namespace emu = hk::test::escpos;

// The emulator on the master side of a pty whose slave is reachable as `link`.
class EmulatedPrinter {
public:
    EmulatedPrinter(boost::asio::io_context& io, std::filesystem::path link)
        : link_(std::move(link)), master_(io) {
        int master = -1;
        std::array<char, 256> name{};
        REQUIRE(::openpty(&master, &slave_, name.data(), nullptr, nullptr) == 0);
        std::filesystem::create_symlink(name.data(), link_);
        master_.assign(master);
        read();
    }
    EmulatedPrinter(const EmulatedPrinter&) = delete;
    EmulatedPrinter& operator=(const EmulatedPrinter&) = delete;
    ~EmulatedPrinter() {
        master_.close();
        ::close(slave_);
        std::error_code ignored;
        std::filesystem::remove(link_, ignored);
    }

    emu::Interpreter printer{emu::InterpreterOptions{}};

    // Sends what the emulator has to say (status replies, ASB) after a state change.
    void answer() {
        auto out = std::make_shared<std::vector<std::uint8_t>>(printer.take_output());
        if (!out->empty()) {
            boost::asio::async_write(master_, boost::asio::buffer(*out),
                                     [out](const boost::system::error_code&, std::size_t) {});
        }
    }

private:
    void read() {
        master_.async_read_some(boost::asio::buffer(buffer_),
                                [this](const boost::system::error_code& error, std::size_t n) {
                                    if (error) {
                                        return;
                                    }
                                    printer.feed(std::span<const std::uint8_t>(buffer_.data(), n));
                                    answer();
                                    read();
                                });
    }

    std::filesystem::path link_;
    int slave_ = -1;  // kept open so the master never sees a hang-up between opens
    boost::asio::posix::stream_descriptor master_;
    std::array<std::uint8_t, 4096> buffer_{};
};

// A network printer's port 9100 on loopback: the emulator behind one accepted connection.
class NetworkPrinter {
public:
    explicit NetworkPrinter(boost::asio::io_context& io)
        : acceptor_(io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)),
          socket_(io) {
        acceptor_.async_accept(socket_, [this](const boost::system::error_code& error) {
            if (!error) {
                read();
            }
        });
    }
    [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    emu::Interpreter printer{emu::InterpreterOptions{}};

private:
    void read() {
        socket_.async_read_some(
            boost::asio::buffer(buffer_), [this](const auto& error, std::size_t n) {
                if (error) {
                    return;
                }
                printer.feed(std::span<const std::uint8_t>(buffer_.data(), n));
                auto out = std::make_shared<std::vector<std::uint8_t>>(printer.take_output());
                if (!out->empty()) {
                    boost::asio::async_write(socket_, boost::asio::buffer(*out),
                                             [out](const auto&, std::size_t) {});
                }
                read();
            });
    }

    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::ip::tcp::socket socket_;
    std::array<std::uint8_t, 4096> buffer_{};
};

struct PrinterUnderTest {
    // On a serial port (a pty) at `port`; or, with `tcp_port`, on the network.
    explicit PrinterUnderTest(std::string port, std::uint16_t tcp_port = 0) {
        register_drivers(registry);
        config.id = "printer-1";
        const auto name = tcp_port == 0 ? kSerialPrinterDriver : kNetworkPrinterDriver;
        config.driver = std::string(name);
        if (tcp_port == 0) {
            config.port = std::move(port);
            config.params = default_values(serial_printer_manifest());
        } else {
            config.params = default_values(network_printer_manifest());
            config.params.insert_or_assign("host", std::string("127.0.0.1"));
            config.params.insert_or_assign("tcp_port", std::int64_t{tcp_port});
        }
        config.params.insert_or_assign("status_interval", std::chrono::milliseconds(200));
        auto built = registry.find(name)->factory(config, context);
        REQUIRE(built);
        driver = std::move(*built);
    }

    [[nodiscard]] TicketPrinter& printer() const { return dynamic_cast<TicketPrinter&>(*driver); }

    boost::asio::io_context io;
    test::HealthLog log;
    HealthTracker health{log.listener()};
    DriverContext context{.io = io,
                          .health = health,
                          .emit = [](const DeviceEvent&) {},
                          .now_ms = [] { return std::int64_t{1'000}; }};
    DriverRegistry registry;
    DeviceConfig config;
    std::unique_ptr<Driver> driver;
};

PrintJob ticket(std::string id) {
    return PrintJob{
        .id = std::move(id),
        .lines = {PrintLine{.text = "示范镇便民服务中心", .align = Align::center, .bold = true},
                  PrintLine{.text = "A007", .align = Align::center, .scale = 4, .bold = true},
                  PrintLine{.text = "请携带：身份证原件；不动产权证书，以及其他需要的材料"}},
        .code = PrintCode{.kind = PrintCode::Kind::qr, .data = "HKT1:42:A007"},
    };
}

bool state_is(const PrinterUnderTest& d, DeviceState state, std::string_view fault = "") {
    return d.health.health().state == state && d.health.health().fault == fault;
}

// Every printed line of every page.
std::vector<std::string> all_text(const emu::Interpreter& printer) {
    std::vector<std::string> out;
    for (const auto& page : printer.pages()) {
        std::istringstream lines(page.text());
        for (std::string line; std::getline(lines, line);) {
            out.push_back(line);
        }
    }
    return out;
}

TEST_CASE("both printer drivers register with valid manifests") {
    DriverRegistry registry;
    register_drivers(registry);
    CHECK(registry.find(kSerialPrinterDriver) != nullptr);
    CHECK(registry.find(kNetworkPrinterDriver) != nullptr);
    CHECK(validate(serial_printer_manifest()).empty());
    CHECK(validate(network_printer_manifest()).empty());
}

TEST_CASE("a ticket is printed on the pty and its QR code holds the ticket's id") {
    const test::TempDir dir;
    PrinterUnderTest d((dir / "printer").string());
    EmulatedPrinter peer(d.io, dir / "printer");
    REQUIRE(d.driver->start());
    REQUIRE(run_until(d.io, [&] { return state_is(d, DeviceState::online); }));

    std::optional<std::expected<PrintReceipt, DeviceError>> done;
    d.printer().print(ticket("ticket-42"), [&](auto result) { done = std::move(result); });
    REQUIRE(run_until(d.io, [&] { return done.has_value(); }));
    REQUIRE(done->has_value());
    CHECK((*done)->job_id == "ticket-42");
    REQUIRE(peer.printer.pages().size() == 1);
    const auto text = all_text(peer.printer);
    CHECK(std::ranges::find(text, "示范镇便民服务中心") != text.end());
    CHECK(std::ranges::find(text, "A007") != text.end());
    const auto& qr = peer.printer.pages().front().qr_symbols();
    REQUIRE(qr.size() == 1);

    auto renderer = emu::Renderer::create(emu::RendererOptions{});
    REQUIRE(renderer);
    const auto decoded =
        emu::decode(renderer->render(peer.printer.pages().front()), emu::CodeFormat::qr);
    REQUIRE(decoded);
    CHECK(*decoded == "HKT1:42:A007");

    // The same job again (a retry after a timeout): confirmed, not printed a second time.
    done.reset();
    d.printer().print(ticket("ticket-42"), [&](auto result) { done = std::move(result); });
    REQUIRE(run_until(d.io, [&] { return done.has_value(); }));
    CHECK(done->has_value());
    CHECK(peer.printer.pages().size() == 1);
}

TEST_CASE("a network printer on port 9100 prints the same ticket") {
    boost::asio::io_context io;
    NetworkPrinter network(io);
    PrinterUnderTest d("", network.port());
    // The driver runs on its own loop; the printer's end on the test's: both are run below.
    REQUIRE(d.driver->start());
    std::optional<std::expected<PrintReceipt, DeviceError>> done;
    REQUIRE(run_until(d.io, [&] {
        io.poll();
        return state_is(d, DeviceState::online);
    }));
    d.printer().print(ticket("ticket-50"), [&](auto result) { done = std::move(result); });
    REQUIRE(run_until(d.io, [&] {
        io.poll();
        return done.has_value();
    }));
    REQUIRE(done->has_value());
    REQUIRE(network.printer.pages().size() == 1);
    CHECK(network.printer.pages().front().qr_symbols().size() == 1);
}

TEST_CASE("paper near its end degrades, paper out holds the job and it prints once after refill") {
    const test::TempDir dir;
    PrinterUnderTest d((dir / "printer").string());
    EmulatedPrinter peer(d.io, dir / "printer");
    REQUIRE(d.driver->start());
    REQUIRE(run_until(d.io, [&] { return state_is(d, DeviceState::online); }));

    peer.printer.set_paper(emu::Paper::near_end);
    REQUIRE(run_until(d.io, [&] { return state_is(d, DeviceState::degraded, "paper_low"); }));

    peer.printer.set_paper(emu::Paper::out);
    peer.answer();
    REQUIRE(run_until(d.io, [&] { return state_is(d, DeviceState::faulted, "paper_out"); }));
    std::optional<std::expected<PrintReceipt, DeviceError>> done;
    d.printer().print(ticket("ticket-43"), [&](auto result) { done = std::move(result); });
    // Three more status polls (two queries each) come and go: the job stays held.
    const auto asked = peer.printer.counters().status_replies;
    REQUIRE(run_until(d.io, [&] { return peer.printer.counters().status_replies >= asked + 6; }));
    CHECK_FALSE(done.has_value());
    CHECK(peer.printer.pages().empty());

    peer.printer.set_paper(emu::Paper::ok);
    peer.answer();
    REQUIRE(run_until(d.io, [&] { return done.has_value(); }));
    REQUIRE(done->has_value());
    CHECK(peer.printer.pages().size() == 1);
    CHECK(state_is(d, DeviceState::online));
}

TEST_CASE("paper running out in the middle of a ticket: the printer finishes it after the refill") {
    const test::TempDir dir;
    PrinterUnderTest d((dir / "printer").string());
    EmulatedPrinter peer(d.io, dir / "printer");
    REQUIRE(d.driver->start());
    REQUIRE(run_until(d.io, [&] { return state_is(d, DeviceState::online); }));

    peer.printer.set_roll_remaining(100);  // enough for the first lines only
    std::optional<std::expected<PrintReceipt, DeviceError>> done;
    d.printer().print(ticket("ticket-44"), [&](auto result) { done = std::move(result); });
    REQUIRE(run_until(d.io, [&] { return state_is(d, DeviceState::faulted, "paper_out"); }));
    CHECK_FALSE(done.has_value());  // not confirmed: the rest is still in the printer

    peer.printer.set_roll_remaining(std::nullopt);
    peer.printer.set_paper(emu::Paper::ok);
    peer.answer();
    REQUIRE(run_until(d.io, [&] { return done.has_value(); }));
    REQUIRE(done->has_value());
    // One ticket on paper, finished after the refill; nothing sent twice, nothing marked.
    REQUIRE(peer.printer.pages().size() == 1);
    const auto text = all_text(peer.printer);
    CHECK(std::ranges::find(text, "A007") != text.end());
    CHECK(std::ranges::find(text, "补打 REPRINT") == text.end());
    CHECK(state_is(d, DeviceState::online));
}

TEST_CASE("an unplugged printer keeps its tickets and prints them when it is back") {
    const test::TempDir dir;
    PrinterUnderTest d((dir / "printer").string());
    auto peer = std::make_unique<EmulatedPrinter>(d.io, dir / "printer");
    REQUIRE(d.driver->start());
    REQUIRE(run_until(d.io, [&] { return state_is(d, DeviceState::online); }));

    peer.reset();  // unplugged
    REQUIRE(run_until(d.io, [&] { return d.health.health().state != DeviceState::online; }));
    std::vector<std::string> confirmed;
    for (const auto* id : {"ticket-45", "ticket-46"}) {
        d.printer().print(ticket(id), [&confirmed, id](auto result) {
            if (result) {
                confirmed.emplace_back(id);
            }
        });
    }
    peer = std::make_unique<EmulatedPrinter>(d.io, dir / "printer");  // plugged back in
    REQUIRE(run_until(d.io, [&] { return confirmed.size() == 2; }));
    CHECK(confirmed == std::vector<std::string>{"ticket-45", "ticket-46"});
    CHECK(peer->printer.pages().size() == 2);
    const auto text = all_text(peer->printer);
    CHECK(std::ranges::find(text, "补打 REPRINT") == text.end());  // never sent before: no mark
}

}  // namespace
}  // namespace hk::drivers::printer

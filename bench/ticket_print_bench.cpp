// Printing a kiosk ticket (docs/performance.md): (1) laying a ticket out and encoding it in
// ESC/POS, against the time its bytes take on a 115200-baud serial line (the fastest link such
// printers have); (2) from the print call to the ticket's last byte arriving at the printer's end
// of a pseudo-terminal, through the real driver and transport, with the ESC/POS emulator
// answering the status queries — against writing the same bytes straight into the pty.
// Target for (2): p99 ≤ 5 ms, the physical print excluded.
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <pty.h>
#include <unistd.h>

#include "bench/percentiles.hpp"
#include "daemon/tickets/ticket_layout.hpp"
#include "drivers/printer/escpos_printer.hpp"
#include "tests/drivers/transport/pty_device.hpp"
#include "tests/peers/escpos/interpreter.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace emu = hk::test::escpos;
namespace printer = hk::drivers::printer;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

hk::tickets::TicketFacts facts(int n) {
    return hk::tickets::TicketFacts{.ticket_id = n,
                                    .number = "A" + std::to_string(100 + (n % 900)),
                                    .hall_zh = "示范镇便民服务中心",
                                    .hall_en = "Demo Town Service Centre",
                                    .service_zh = "不动产登记",
                                    .service_en = "Real estate registration",
                                    .waiting_ahead = n % 30,
                                    .estimated_wait_s = std::int64_t{n % 30} * 300,
                                    .direction_zh = "请到一楼3号窗口办理",
                                    .materials_zh = "身份证原件；不动产权证书；购房合同",
                                    .materials_en = "ID card; property certificate; contract",
                                    .issued_at_ms = 1'795'483'860'000 + (std::int64_t{n} * 1000),
                                    .utc_offset_minutes = 480};
}

void print_row(const char* what, const hk::bench::Percentiles& p, const char* unit) {
    std::printf("  %-44s p50 %8.3f  p90 %8.3f  p99 %8.3f  max %8.3f %s\n", what, p.p50, p.p90,
                p.p99, p.max, unit);
}

// (1) Layout and encoding.
void layout_and_encode() {
    constexpr int kTickets = 20000;
    const hk::queue::TicketTemplate layout{.notice_zh = "过号请重新取号，谢谢配合",
                                           .notice_en = "If you miss your number, take a new one"};
    std::vector<double> micros;
    std::size_t bytes = 0;
    for (int i = 0; i < kTickets; ++i) {
        const auto start = Clock::now();
        const auto job = hk::tickets::ticket_job(facts(i), layout);
        const auto encoded = printer::ticket_bytes(job, hk::proto::escpos::profile_80mm(), false);
        micros.push_back(ms_since(start) * 1000);
        bytes += encoded.size();
    }
    const auto p = hk::bench::percentiles(micros);
    const double per_ticket = static_cast<double>(bytes) / kTickets;
    const double serial_us = per_ticket * 10 / 115200 * 1e6;  // 8N1: 10 bits a byte
    std::printf(
        "layout + ESC/POS encoding, %d tickets of %.0f bytes (80 mm, Chinese + English, QR)\n",
        kTickets, per_ticket);
    print_row("per ticket", p, "us");
    std::printf("  the same bytes on a 115200-baud line: %.0f us; encoding p99 is %.4f of it\n\n",
                serial_us, p.p99 / serial_us);
}

// The printer's end of a pty: the emulator reads everything and answers status queries; `seen`
// counts the bytes received.
class Peer {
public:
    Peer(boost::asio::io_context& io, const std::filesystem::path& link) : master_(io) {
        int master = -1;
        std::array<char, 256> name{};
        if (::openpty(&master, &slave_, name.data(), nullptr, nullptr) != 0) {
            std::perror("openpty");
            std::exit(1);
        }
        std::filesystem::create_symlink(name.data(), link);
        master_.assign(master);
        read();
    }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;
    ~Peer() {
        master_.close();
        ::close(slave_);
    }

    std::size_t seen = 0;
    [[nodiscard]] int slave() const { return slave_; }

private:
    void read() {
        master_.async_read_some(
            boost::asio::buffer(buffer_), [this](const auto& error, std::size_t n) {
                if (error) {
                    return;
                }
                seen += n;
                printer_.feed(std::span<const std::uint8_t>(buffer_.data(), n));
                auto out = std::make_shared<std::vector<std::uint8_t>>(printer_.take_output());
                if (!out->empty()) {
                    boost::asio::async_write(master_, boost::asio::buffer(*out),
                                             [out](const auto&, std::size_t) {});
                }
                static_cast<void>(printer_.take_pages());  // keep the emulator's memory flat
                read();
            });
    }

    emu::Interpreter printer_{emu::InterpreterOptions{}};
    int slave_ = -1;
    boost::asio::posix::stream_descriptor master_;
    std::array<std::uint8_t, 65536> buffer_{};
};

// (2) Print call → last byte at the printer, through the driver.
void print_to_last_byte() {
    constexpr int kTickets = 500;
    const hk::test::TempDir dir;
    boost::asio::io_context io;
    Peer peer(io, dir / "printer");
    hk::test::HealthLog log;
    hk::drivers::HealthTracker health{log.listener()};
    hk::drivers::DriverContext context{.io = io,
                                       .health = health,
                                       .emit = [](const hk::drivers::DeviceEvent&) {},
                                       .now_ms = [] { return std::int64_t{0}; }};
    hk::drivers::DriverRegistry registry;
    printer::register_drivers(registry);
    hk::drivers::DeviceConfig config;
    config.id = "printer-1";
    config.driver = std::string(printer::kSerialPrinterDriver);
    config.port = (dir / "printer").string();
    config.params = hk::drivers::default_values(printer::serial_printer_manifest());
    config.params.insert_or_assign("baud", std::int64_t{115200});
    auto driver = registry.find(printer::kSerialPrinterDriver)->factory(config, context);
    if (!driver || !(*driver)->start()) {
        std::fprintf(stderr, "the printer driver did not start\n");
        std::exit(1);
    }
    auto& ticket_printer = dynamic_cast<hk::drivers::TicketPrinter&>(**driver);
    if (!hk::test::run_until(
            io, [&] { return health.health().state == hk::drivers::DeviceState::online; })) {
        std::fprintf(stderr, "the printer did not come online\n");
        std::exit(1);
    }
    const hk::queue::TicketTemplate layout{};
    std::vector<double> through_driver;
    std::vector<double> straight;
    std::size_t ticket_size = 0;
    for (int i = 0; i < kTickets; ++i) {
        auto job = hk::tickets::ticket_job(facts(i), layout);
        const auto bytes = printer::ticket_bytes(job, hk::proto::escpos::profile_80mm(), false);
        ticket_size = bytes.size();
        // Through the driver: done when all of the ticket has reached the printer's end and the
        // driver has confirmed it (the status round trip comes after the last byte).
        const auto before = peer.seen;
        bool confirmed = false;
        const auto start = Clock::now();
        std::optional<double> last_byte_ms;
        ticket_printer.print(std::move(job), [&](const auto&) { confirmed = true; });
        hk::test::run_until(io, [&] {
            if (!last_byte_ms && peer.seen >= before + bytes.size()) {
                last_byte_ms = ms_since(start);
            }
            return confirmed;
        });
        through_driver.push_back(last_byte_ms.value_or(ms_since(start)));
        // Straight into the pty: the floor of the link itself.
        const auto floor_before = peer.seen;
        const auto floor_start = Clock::now();
        if (::write(peer.slave(), bytes.data(), bytes.size()) !=
            static_cast<ssize_t>(bytes.size())) {
            std::perror("write");
            std::exit(1);
        }
        hk::test::run_until(io, [&] { return peer.seen >= floor_before + bytes.size(); });
        straight.push_back(ms_since(floor_start));
    }
    const auto driver_p = hk::bench::percentiles(through_driver);
    const auto floor_p = hk::bench::percentiles(straight);
    std::printf("print call -> last byte at the printer's end of a pty, %d tickets of %zu bytes\n",
                kTickets, ticket_size);
    print_row("through the driver and transport", driver_p, "ms");
    print_row("written straight into the pty (floor)", floor_p, "ms");
    std::printf("  p99 %.3f ms against the 5 ms target: %.2f of it; %.1f x the floor's p99\n",
                driver_p.p99, driver_p.p99 / 5.0, driver_p.p99 / floor_p.p99);
    (*driver)->stop();
}

}  // namespace

int main() {
    layout_and_encode();
    print_to_last_byte();
    return 0;
}

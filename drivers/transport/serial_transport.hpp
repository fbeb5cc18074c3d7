// A serial port as a transport link: opened and configured with libserialport (baud, framing,
// flow control, optional RS-485 direction control), then read and written asynchronously on the
// loop through the port's file descriptor. See docs/transports.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "drivers/transport/transport.hpp"

struct sp_port;

namespace hk::drivers::transport {

enum class Parity : std::uint8_t { none, odd, even, mark, space };
enum class FlowControl : std::uint8_t { none, rts_cts, xon_xoff };

// RS-485 half duplex: the kernel drives the transmitter with RTS around each write.
struct Rs485Options {
    bool rts_on_send = true;  // RTS level while sending (most adapters: high)
    std::chrono::milliseconds delay_before_send{0};
    std::chrono::milliseconds delay_after_send{0};
};

struct SerialOptions {
    std::string path;  // "/dev/ttyUSB0" or a stable symlink ("/dev/serial/by-path/…")
    int baud = 9600;
    int data_bits = 8;  // 5..8
    Parity parity = Parity::none;
    int stop_bits = 1;  // 1 or 2
    FlowControl flow_control = FlowControl::none;
    std::optional<Rs485Options> rs485;  // if set and unsupported by the port, opening fails
};

// Checks the options without touching a port: the reason they are wrong, if they are.
[[nodiscard]] std::expected<void, std::string> validate(const SerialOptions& options);
// "9600 8N1", "115200 7E2 rts/cts rs485".
[[nodiscard]] std::string describe_framing(const SerialOptions& options);

class SerialLink final : public Link {
public:
    SerialLink(boost::asio::io_context& io, SerialOptions options);
    ~SerialLink() override;

    [[nodiscard]] const SerialOptions& options() const { return options_; }

private:
    void do_open(OpenHandler done) override;
    void do_read_some(std::span<std::uint8_t> into, IoHandler done) override;
    void do_write(std::span<const std::uint8_t> bytes, IoHandler done) override;
    void do_close() override;
    [[nodiscard]] std::string do_describe() const override;
    [[nodiscard]] std::string_view do_fault_for(
        const boost::system::error_code& error) const override;

    // Opens and configures the port; returns its descriptor (owned by port_ or by us).
    std::expected<int, std::string> open_port();
    std::expected<int, std::string> open_with_libserialport(const std::string& device);
    std::expected<int, std::string> open_with_termios(const std::string& device);
    [[nodiscard]] std::expected<void, std::string> configure_rs485(int fd) const;

    boost::asio::io_context& io_;
    SerialOptions options_;
    boost::asio::posix::stream_descriptor stream_;
    sp_port* port_ = nullptr;  // when libserialport opened the port, it owns the descriptor
};

}  // namespace hk::drivers::transport

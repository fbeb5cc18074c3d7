// A TCP connection as a transport link (network printers on port 9100, LAN displays):
// resolve, connect with a timeout, then read and write on the loop. See docs/transports.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "drivers/transport/transport.hpp"

namespace hk::drivers::transport {

struct TcpOptions {
    std::string host;  // name or address
    std::uint16_t port = 9100;
    std::chrono::milliseconds connect_timeout{3000};  // resolve and connect together
};

class TcpLink final : public Link {
public:
    TcpLink(boost::asio::io_context& io, TcpOptions options);
    ~TcpLink() override;

    [[nodiscard]] const TcpOptions& options() const { return options_; }

private:
    void do_open(OpenHandler done) override;
    void do_read_some(std::span<std::uint8_t> into, IoHandler done) override;
    void do_write(std::span<const std::uint8_t> bytes, IoHandler done) override;
    void do_close() override;
    [[nodiscard]] std::string do_describe() const override;

    void finish_open(std::uint64_t attempt, std::expected<void, LinkError> result);

    TcpOptions options_;
    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer connect_timer_;
    OpenHandler open_done_;
    std::uint64_t attempt_ = 0;  // an open's completions are dropped once a newer one began
    std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace hk::drivers::transport

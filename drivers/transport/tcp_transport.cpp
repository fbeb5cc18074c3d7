// TCP link: see tcp_transport.hpp and docs/transports.md.
#include "drivers/transport/tcp_transport.hpp"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>

namespace hk::drivers::transport {

TcpLink::TcpLink(boost::asio::io_context& io, TcpOptions options)
    : options_(std::move(options)), resolver_(io), socket_(io), connect_timer_(io) {}

TcpLink::~TcpLink() {
    do_close();
}

std::string TcpLink::do_describe() const {
    return "tcp " + options_.host + ":" + std::to_string(options_.port);
}

void TcpLink::do_open(OpenHandler done) {
    do_close();
    const auto attempt = ++attempt_;
    open_done_ = std::move(done);
    const std::weak_ptr<char> alive = alive_;
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([this, alive, attempt](const boost::system::error_code& error) {
        if (error || alive.expired() || attempt != attempt_ || !open_done_) {
            return;
        }
        finish_open(attempt, std::unexpected(LinkError{
                                 std::string(fault::kOpenFailed),
                                 do_describe() + ": no connection in " +
                                     std::to_string(options_.connect_timeout.count()) + " ms"}));
    });
    resolver_.async_resolve(
        options_.host, std::to_string(options_.port),
        [this, alive, attempt](const boost::system::error_code& error,
                               const boost::asio::ip::tcp::resolver::results_type& endpoints) {
            if (alive.expired() || attempt != attempt_ || !open_done_) {
                return;
            }
            if (error) {
                finish_open(attempt, std::unexpected(LinkError{
                                         std::string(fault::kOpenFailed),
                                         do_describe() + ": resolve: " + error.message()}));
                return;
            }
            boost::asio::async_connect(
                socket_, endpoints,
                [this, alive, attempt](const boost::system::error_code& connect_error,
                                       const boost::asio::ip::tcp::endpoint& /*endpoint*/) {
                    if (alive.expired() || attempt != attempt_ || !open_done_) {
                        return;
                    }
                    if (connect_error) {
                        finish_open(attempt,
                                    std::unexpected(LinkError{
                                        std::string(fault::kOpenFailed),
                                        do_describe() + ": connect: " + connect_error.message()}));
                        return;
                    }
                    boost::system::error_code ignored;
                    (void)socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
                    (void)socket_.set_option(boost::asio::socket_base::keep_alive(true), ignored);
                    finish_open(attempt, {});
                });
        });
}

void TcpLink::finish_open(std::uint64_t attempt, std::expected<void, LinkError> result) {
    if (attempt != attempt_ || !open_done_) {
        return;
    }
    auto done = std::exchange(open_done_, {});
    connect_timer_.cancel();
    if (!result) {
        boost::system::error_code ignored;
        resolver_.cancel();
        (void)socket_.close(ignored);
    }
    done(std::move(result));
}

void TcpLink::do_read_some(std::span<std::uint8_t> into, IoHandler done) {
    socket_.async_read_some(boost::asio::buffer(into.data(), into.size()), std::move(done));
}

void TcpLink::do_write(std::span<const std::uint8_t> bytes, IoHandler done) {
    boost::asio::async_write(socket_, boost::asio::buffer(bytes.data(), bytes.size()),
                             std::move(done));
}

void TcpLink::do_close() {
    ++attempt_;
    open_done_ = {};
    connect_timer_.cancel();
    resolver_.cancel();
    boost::system::error_code ignored;
    if (socket_.is_open()) {
        (void)socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
        (void)socket_.close(ignored);
    }
}

}  // namespace hk::drivers::transport

// TCP transport against an acceptor on 127.0.0.1 in the test: online, requests, the peer
// closing and accepting again, and a refused connection.
#include "drivers/transport/tcp_transport.hpp"

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "tests/drivers/transport/pty_device.hpp"

using namespace hk::drivers;
using namespace hk::drivers::transport;
using boost::asio::ip::tcp;
using hk::test::run_until;

namespace {

// A printer on a port: accepts one connection at a time and answers "PING\n" with "PONG\n".
class FakePrinter {
public:
    explicit FakePrinter(boost::asio::io_context& io)
        : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
    }
    [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    [[nodiscard]] int accepted() const { return accepted_; }
    void drop_connection() {
        if (socket_) {
            boost::system::error_code ignored;
            (void)socket_->close(ignored);
            socket_.reset();
        }
    }
    void accept() {
        acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket peer) {
            if (error) {
                return;
            }
            ++accepted_;
            socket_ = std::make_shared<tcp::socket>(std::move(peer));
            read(socket_);
        });
    }

private:
    void read(const std::shared_ptr<tcp::socket>& socket) {
        auto buffer = std::make_shared<std::array<char, 256>>();
        socket->async_read_some(
            boost::asio::buffer(*buffer),
            [this, socket, buffer](const boost::system::error_code& error, std::size_t size) {
                if (error) {
                    return;
                }
                pending_.append(buffer->data(), size);
                while (pending_.find('\n') != std::string::npos) {
                    pending_.erase(0, pending_.find('\n') + 1);
                    boost::asio::write(*socket, boost::asio::buffer("PONG\n", 5));
                }
                read(socket);
            });
    }

    tcp::acceptor acceptor_;
    std::shared_ptr<tcp::socket> socket_;
    std::string pending_;
    int accepted_ = 0;
};

std::optional<std::string> ping(boost::asio::io_context& io, Transport& transport) {
    bool finished = false;
    std::optional<std::string> answer;
    transport.request(to_bytes("PING\n"), framers::until_byte('\n'),
                      [&](std::expected<Bytes, RequestError> result) {
                          finished = true;
                          if (result) {
                              answer = std::string(result->begin(), result->end());
                          }
                      });
    REQUIRE(run_until(io, [&] { return finished; }));
    return answer;
}

}  // namespace

TEST_CASE("a TCP transport connects, answers, and reconnects after the peer closes") {
    boost::asio::io_context io;
    FakePrinter printer(io);
    HealthTracker tracker;
    auto transport = Transport::create(
        io, std::make_unique<TcpLink>(io, TcpOptions{.host = "127.0.0.1", .port = printer.port()}),
        {}, &tracker);
    transport->start({});
    REQUIRE(run_until(io, [&] { return tracker.health().state == DeviceState::online; }));
    CHECK(tracker.health().detail == "tcp 127.0.0.1:" + std::to_string(printer.port()));
    CHECK(ping(io, *transport) == "PONG\n");

    printer.drop_connection();
    REQUIRE(run_until(io, [&] { return tracker.health().state == DeviceState::offline; }));
    CHECK(tracker.health().fault == fault::kDisconnected);

    printer.accept();
    // The kernel completes the connection from the listen backlog, so "online" and the
    // acceptor's handler come in either order.
    REQUIRE(run_until(io, [&] {
        return tracker.health().state == DeviceState::online && printer.accepted() == 2;
    }));
    CHECK(ping(io, *transport) == "PONG\n");
    CHECK(tracker.counters().reconnects == 1);
}

TEST_CASE("a refused TCP connection is offline with open_failed") {
    boost::asio::io_context io;
    std::uint16_t closed_port = 0;
    {
        tcp::acceptor probe(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
        closed_port = probe.local_endpoint().port();
    }
    HealthTracker tracker;
    auto transport = Transport::create(
        io, std::make_unique<TcpLink>(io, TcpOptions{.host = "127.0.0.1", .port = closed_port}), {},
        &tracker);
    transport->start({});
    REQUIRE(run_until(io, [&] { return tracker.health().state == DeviceState::offline; }));
    CHECK(tracker.health().fault == fault::kOpenFailed);
    CHECK(tracker.health().detail.find("connect") != std::string::npos);
}

// Helpers for the Local API server tests (see api_test_support.hpp).
#include "tests/daemon/api/api_test_support.hpp"

#include <array>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <sys/socket.h>
#include <sys/time.h>

namespace hk::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr int kSocketTimeoutSeconds = 5;

void set_timeouts(int fd) {
    timeval timeout{};
    timeout.tv_sec = kSocketTimeoutSeconds;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

void connect(tcp::socket& socket, std::uint16_t port) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    set_timeouts(socket.native_handle());
}

}  // namespace

bool run_until(asio::io_context& io, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kSafetyDeadline;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        if (io.stopped()) {
            io.restart();
        }
        io.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::string HttpReply::error_code() const {
    try {
        return json().at("error").at("code").get<std::string>();
    } catch (const std::exception&) {
        return {};
    }
}

std::string HttpReply::header(std::string_view name) const {
    const auto value = headers[beast::string_view(name.data(), name.size())];
    return std::string(value.data(), value.size());
}

RawClient::RawClient(std::uint16_t port) : socket_(io_) {
    connect(socket_, port);
}

void RawClient::send(const std::string& bytes) {
    asio::write(socket_, asio::buffer(bytes));
}

HttpReply RawClient::read(bool head) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    parser.body_limit(16 * 1024 * 1024);
    http::read(socket_, buffer_, parser);
    auto message = parser.release();
    HttpReply reply;
    reply.status = message.result_int();
    reply.body = message.body();
    reply.closed_after = !message.keep_alive();
    reply.headers = message.base();
    return reply;
}

bool RawClient::closed_by_server() {
    if (buffer_.size() > 0) {
        return false;
    }
    std::array<char, 256> scratch{};
    boost::system::error_code ec;
    const auto bytes = socket_.read_some(asio::buffer(scratch), ec);
    return bytes == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
}

std::string request_text(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view content_type, std::string_view extra_headers) {
    std::string text = std::string(method) + " " + std::string(target) +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra_headers);
    if (!body.empty()) {
        text += "Content-Type: " + std::string(content_type) + "\r\n";
        text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    text += "\r\n";
    text += body;
    return text;
}

HttpReply exchange(std::uint16_t port, std::string_view method, std::string_view target,
                   std::string_view body, std::string_view content_type,
                   std::string_view extra_headers) {
    RawClient client(port);
    client.send(request_text(method, target, body, content_type, extra_headers));
    return client.read(method == "HEAD");
}

StreamClient::StreamClient(std::uint16_t port, const std::string& target) : ws_(io_) {
    connect(ws_.next_layer(), port);
    ws_.handshake("127.0.0.1", target);
}

nlohmann::json StreamClient::read() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
}

std::vector<nlohmann::json> StreamClient::read(std::size_t count) {
    std::vector<nlohmann::json> messages;
    for (std::size_t i = 0; i < count; ++i) {
        messages.push_back(read());
    }
    return messages;
}

std::pair<std::vector<nlohmann::json>, unsigned> StreamClient::read_until_closed() {
    std::vector<nlohmann::json> messages;
    while (true) {
        beast::flat_buffer buffer;
        boost::system::error_code ec;
        ws_.read(buffer, ec);
        if (ec) {
            return {messages, ec == beast::websocket::error::closed ? ws_.reason().code : 0U};
        }
        messages.push_back(nlohmann::json::parse(beast::buffers_to_string(buffer.data())));
    }
}

void StreamClient::count_pings(std::atomic<int>& pings) {
    ws_.control_callback([&pings](beast::websocket::frame_type kind, beast::string_view) {
        if (kind == beast::websocket::frame_type::ping) {
            ++pings;
        }
    });
}

unsigned refused_upgrade_status(std::uint16_t port, const std::string& target) {
    RawClient client(port);
    client.send(request_text("GET", target, {}, {},
                             "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    return client.read().status;
}

}  // namespace hk::test

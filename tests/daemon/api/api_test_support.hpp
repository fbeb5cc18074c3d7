// Helpers for the Local API server tests: the loop runs on the test thread until an awaited
// condition holds (bounded by a safety deadline), and clients are Beast sync clients on their
// own threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace hk::test {

inline constexpr auto kSafetyDeadline = std::chrono::seconds(10);

// Runs `io` until `done()` holds; false if the safety deadline passed first.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done);

// Runs `io` until `future` is ready, then returns its value (REQUIREs readiness).
template <class T>
T await(boost::asio::io_context& io, std::future<T>& future) {
    const bool ready = run_until(
        io, [&] { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    if (!ready) {
        throw std::runtime_error("the client did not finish before the safety deadline");
    }
    return future.get();
}

template <class F>
auto on_thread(F f) {
    return std::async(std::launch::async, std::move(f));
}

struct HttpReply {
    unsigned status = 0;
    boost::beast::http::fields headers;
    std::string body;
    bool closed_after = false;  // the server closed the connection after this answer
    [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body); }
    [[nodiscard]] std::string error_code() const;
    [[nodiscard]] std::string header(std::string_view name) const;
};

// A blocking connection with receive/send timeouts, so a broken server fails the test rather
// than hanging it.
class RawClient {
public:
    explicit RawClient(std::uint16_t port);
    void send(const std::string& bytes);
    // Reads one response; `head`: the request was HEAD (no body follows).
    HttpReply read(bool head = false);
    // True if the server closed the connection (EOF or reset) before sending anything else.
    bool closed_by_server();

private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

std::string request_text(std::string_view method, std::string_view target,
                         std::string_view body = {},
                         std::string_view content_type = "application/json",
                         std::string_view extra_headers = {});

// One request on its own connection.
HttpReply exchange(std::uint16_t port, std::string_view method, std::string_view target,
                   std::string_view body = {}, std::string_view content_type = "application/json",
                   std::string_view extra_headers = {});

// A WebSocket client of /api/v1/stream.
class StreamClient {
public:
    StreamClient(std::uint16_t port, const std::string& target);
    nlohmann::json read();  // one text message
    std::vector<nlohmann::json> read(std::size_t count);
    // Reads until the server closes; returns the messages read and the close code.
    std::pair<std::vector<nlohmann::json>, unsigned> read_until_closed();
    // Counts the pings received (while reading) in `pings`.
    void count_pings(std::atomic<int>& pings);

private:
    boost::asio::io_context io_;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
};

// The HTTP status of a refused WebSocket upgrade.
unsigned refused_upgrade_status(std::uint16_t port, const std::string& target);

}  // namespace hk::test

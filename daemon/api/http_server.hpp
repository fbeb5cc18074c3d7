// The Local API's HTTP + WebSocket server (docs/api.md): HTTP/1.1 keep-alive on the daemon's
// event loop (Boost.Beast, no threads), a router of "/api/v1/x/{name}" patterns, the built
// kiosk-ui's static files and the event stream at GET /api/v1/stream. The hall's routes are
// plugged in by daemon/api/routes.*; this file knows nothing about the hall.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

namespace hk::api {

namespace http = boost::beast::http;

struct Request {
    http::verb method = http::verb::unknown;
    std::string target;                                      // raw target
    std::string path;                                        // decoded path, no query
    std::map<std::string, std::string, std::less<>> query;   // decoded query parameters
    std::map<std::string, std::string, std::less<>> params;  // from the route pattern {name}
    std::string body;
    std::string content_type;
    std::optional<std::string> bearer_token;  // from "Authorization: Bearer X"
    std::string peer;                         // "127.0.0.1:53422"
};

struct Response {
    unsigned status = 200;
    nlohmann::json body;  // serialised as JSON; null body + 204 → no content
};

// An error response in the docs/api.md shape: {"error":{"code":…,"message":…}}.
[[nodiscard]] Response error(unsigned status, std::string_view code, std::string_view message);

// Call exactly once, on the loop, now or later. Later calls, and calls after the client or the
// server is gone, do nothing. A Respond dropped without being called answers 500 internal.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Respond)>;

class Router {
public:
    // pattern: "/api/v1/counter/{action}" — literal segments and {name} segments. A literal
    // segment wins over a {name} segment at the same place. Replaces an existing
    // (method, pattern). A malformed pattern throws std::invalid_argument (a programming error).
    void add(http::verb method, std::string pattern, Handler handler);

    struct Match {
        const Handler* handler = nullptr;  // null: no route for this method
        std::map<std::string, std::string, std::less<>> params;
        std::vector<http::verb> allowed;  // methods the path has; empty: no such path (404)
    };
    // 404 not_found for no route, 405 method_not_allowed (with Allow) when the path exists for
    // other methods: the server turns a Match into those.
    [[nodiscard]] Match match(http::verb method, const std::vector<std::string>& segments) const;

private:
    struct Segment {
        std::string text;
        bool is_param = false;
    };
    struct Route {
        http::verb method;
        std::string pattern;
        std::vector<Segment> segments;
        Handler handler;
    };
    std::vector<Route> routes_;
};

struct StreamMessage {
    std::uint64_t seq = 0;
    nlohmann::json message;
};

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8470;  // 0: any free port (tests); Server::port() says which
    std::optional<std::filesystem::path> ui_dir;  // the built kiosk-ui (index.html, assets/)
    std::size_t max_body_bytes = std::size_t{64} * 1024;
    std::size_t max_header_bytes = std::size_t{8} * 1024;
    std::size_t max_connections = 64;  // more: 429 busy and close
    std::chrono::seconds idle_timeout{60};
    std::size_t max_queued_stream_messages = 1000;  // a WebSocket client this far behind is closed
    std::chrono::seconds ping_interval{20};
    // Told (on the loop) when a handler throws or an answer cannot be serialised. Optional.
    std::function<void(const std::string& message)> log_error;
};

// The backlog of the event stream: messages with seq > after, in order, at most `limit`; and
// whether `after` is too old to serve (then the client gets {"type":"resync","seq":latest}).
struct Backlog {
    std::vector<StreamMessage> messages;
    bool too_old = false;
    std::uint64_t latest = 0;
};
// Must already hold every message passed to Server::publish() (append, then publish).
using BacklogSource = std::function<Backlog(std::uint64_t after, std::size_t limit)>;

class Server {
public:
    // Binds options.address:port and listens. The error says address:port and why.
    [[nodiscard]] static std::expected<std::unique_ptr<Server>, std::string> start(
        boost::asio::io_context& io, ServerOptions options, Router router, BacklogSource backlog);

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();  // stops

    void stop();  // closes the listener and all connections; idempotent
    // To every stream client, in seq order, after its backlog. Call on the loop.
    void publish(StreamMessage message);
    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] std::size_t connection_count() const;     // HTTP and WebSocket, open
    [[nodiscard]] std::size_t stream_client_count() const;  // WebSocket clients being served

private:
    struct State;  // shared with in-flight connections, so late answers stay safe after stop()
    explicit Server(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace hk::api

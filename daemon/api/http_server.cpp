// The Local API server: listener, HTTP sessions (limits, routing, static files) and WebSocket
// stream sessions (backlog, then live messages), all on the daemon's event loop.
#include "daemon/api/http_server.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fcntl.h>

#include "daemon/api/target.hpp"

namespace hk::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using nlohmann::json;

constexpr std::string_view kJsonType = "application/json; charset=utf-8";
constexpr std::string_view kStreamPath = "/api/v1/stream";
constexpr std::size_t kBacklogPage = 500;
constexpr std::size_t kMaxClientMessage = 4096;  // what a stream client may send (ignored)
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kCloseGrace = std::chrono::seconds(2);  // for the peer to answer a close frame
constexpr auto kLingerTime = std::chrono::seconds(2);  // draining after an error-and-close
constexpr std::size_t kLingerBytes = 1024 * 1024;
constexpr std::size_t kLingerChunk = 4096;
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

// Beast 1.74 speaks boost::string_view.
std::string_view sv(beast::string_view text) {
    return {text.data(), text.size()};
}

beast::string_view bsv(std::string_view text) {
    return {text.data(), text.size()};
}

void set_cloexec(int fd) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

bool starts_with_api(std::string_view path) {
    return path == "/api" || path.starts_with("/api/");
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

bool is_json_type(std::string_view content_type) {
    return lowercase(trim(content_type.substr(0, content_type.find(';')))) == "application/json";
}

std::optional<std::string> bearer_of(std::string_view authorization) {
    authorization = trim(authorization);
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size() ||
        lowercase(authorization.substr(0, kScheme.size())) != kScheme) {
        return std::nullopt;
    }
    const auto token = trim(authorization.substr(kScheme.size()));
    if (token.empty()) {
        return std::nullopt;
    }
    return std::string(token);
}

std::string allow_list(const std::vector<http::verb>& methods) {
    std::string out;
    for (const auto method : methods) {
        if (!out.empty()) {
            out += ", ";
        }
        out += std::string(http::to_string(method));
    }
    return out;
}

std::string_view content_type_for(const std::filesystem::path& file) {
    static const std::map<std::string, std::string_view, std::less<>> kTypes = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".woff2", "font/woff2"},
        {".json", "application/json; charset=utf-8"},
        {".ico", "image/x-icon"},
        {".wasm", "application/wasm"},
        {".mp3", "audio/mpeg"},
        {".wav", "audio/wav"},
    };
    const auto it = kTypes.find(lowercase(file.extension().string()));
    return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

// True if `inner` is `root` or below it; both canonical.
bool is_inside(const std::filesystem::path& root, const std::filesystem::path& inner) {
    auto r = root.begin();
    auto i = inner.begin();
    for (; r != root.end(); ++r, ++i) {
        if (i == inner.end() || *r != *i) {
            return false;
        }
    }
    return true;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    const auto host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

// The JSON text of a response body; nullopt for a body-less answer (204, 304).
std::expected<std::optional<std::string>, std::string> serialise(const Response& response) {
    if (response.status == 204 || response.status == 304) {
        return std::optional<std::string>();
    }
    try {
        return std::optional<std::string>(response.body.dump());
    } catch (const std::exception& e) {
        return std::unexpected(std::string(e.what()));
    }
}

class Core;
class WsSession;

// What the server keeps per open connection, so stop() can close it.
class Session {
public:
    Session() = default;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    virtual ~Session() = default;
    virtual void close_for_stop() = 0;
};

struct Limits {
    std::size_t max_body_bytes;
    std::size_t max_header_bytes;
    std::chrono::seconds idle_timeout;
};

// ---- HTTP sessions ----------------------------------------------------------------------

class HttpSession : public Session, public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket socket, std::weak_ptr<Core> core, std::uint64_t key, std::string peer,
                Limits limits)
        : stream_(std::move(socket)),
          core_(std::move(core)),
          key_(key),
          peer_(std::move(peer)),
          limits_(limits) {}

    void start() { read_header(); }
    void refuse(std::size_t open);
    void close_for_stop() override { close(); }
    void on_response(std::uint64_t serial, Response response);

private:
    using Parser = http::request_parser<http::string_body>;

    void read_header();
    void on_header(const ErrorCode& ec);
    void on_body(const ErrorCode& ec);
    void on_read_error(const ErrorCode& ec);
    void handle();
    void dispatch(Core& core, Request request, Handler handler);
    void upgrade(Core& core, const Request& request);
    void serve_static(Core& core, const Request& request, const Target& target);
    void serve_file(const std::filesystem::path& file, http::verb method,
                    std::string_view cache_control);
    void send_json(const Response& response, bool api, bool force_close,
                   const std::string& allow = {});
    template <class Body>
    void send(http::response<Body> message, bool close_after);
    void on_written(const ErrorCode& ec, bool close_after);
    void linger_close();
    void drain();
    void close();

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<Parser> parser_;
    std::weak_ptr<Core> core_;
    std::uint64_t key_;
    std::string peer_;
    Limits limits_;
    std::shared_ptr<void> message_;  // the response being written
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool api_ = true;
    std::uint64_t serial_ = 0;
    bool awaiting_ = false;
    std::size_t lingered_ = 0;
    bool closed_ = false;
};

// The Respond given to a handler: answers once; a drop without an answer is a 500.
class Answer {
public:
    Answer(std::weak_ptr<HttpSession> session, std::uint64_t serial)
        : session_(std::move(session)), serial_(serial) {}
    Answer(const Answer&) = delete;
    Answer& operator=(const Answer&) = delete;
    ~Answer() {
        try {
            give(error(500, "internal", "the request was dropped without an answer"));
        } catch (...) {  // NOLINT(bugprone-empty-catch): nothing to tell in a destructor
        }
    }
    void give(Response response) {
        if (std::exchange(done_, true)) {
            return;
        }
        if (const auto session = session_.lock()) {
            session->on_response(serial_, std::move(response));
        }
    }

private:
    std::weak_ptr<HttpSession> session_;
    std::uint64_t serial_;
    bool done_ = false;
};

// ---- WebSocket stream sessions ----------------------------------------------------------

struct Frame {
    std::uint64_t seq;
    std::shared_ptr<const std::string> text;
};

class WsSession : public Session, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(tcp::socket socket, std::weak_ptr<Core> core, std::uint64_t key,
              std::optional<std::uint64_t> after, std::size_t max_queued,
              std::chrono::seconds idle_timeout, std::chrono::seconds ping_interval)
        : ws_(std::move(socket)),
          ping_timer_(ws_.get_executor()),
          close_timer_(ws_.get_executor()),
          core_(std::move(core)),
          key_(key),
          last_seq_(after),
          max_queued_(std::max<std::size_t>(max_queued, 1)),
          page_limit_(std::min(kBacklogPage, max_queued_)),
          idle_timeout_(idle_timeout),
          ping_interval_(ping_interval) {}

    void start(http::request<http::string_body> request);
    void deliver(const Frame& frame);
    void close_for_stop() override {
        close_with(websocket::close_code::going_away, "the server is stopping");
    }

private:
    enum class Phase { handshake, backlog, live, closing, closed };

    void on_accept(const ErrorCode& ec);
    void fetch_backlog();
    void go_live();
    void enqueue(std::shared_ptr<const std::string> text);
    bool check_overflow();
    void write_next();
    void on_write(const ErrorCode& ec);
    void read_next();
    void schedule_ping();
    void heard() { last_heard_ = std::chrono::steady_clock::now(); }
    void close_with(websocket::close_code code, std::string_view reason);
    void start_close();
    void close_now();

    websocket::stream<beast::tcp_stream> ws_;
    asio::steady_timer ping_timer_;
    asio::steady_timer close_timer_;
    std::weak_ptr<Core> core_;
    std::uint64_t key_;
    std::optional<std::uint64_t> last_seq_;  // last seq queued for the client
    std::size_t max_queued_;
    std::size_t page_limit_;
    std::chrono::seconds idle_timeout_;
    std::chrono::seconds ping_interval_;
    std::chrono::steady_clock::time_point last_heard_;
    http::request<http::string_body> upgrade_request_;
    beast::flat_buffer read_buffer_;
    std::deque<std::shared_ptr<const std::string>> outbox_;  // front is being written if writing_
    std::deque<Frame> held_;  // live messages published while the backlog is sent
    websocket::close_reason close_reason_;
    Phase phase_ = Phase::handshake;
    bool writing_ = false;
    bool pinging_ = false;
};

// ---- the server core --------------------------------------------------------------------

class Core : public std::enable_shared_from_this<Core> {
public:
    Core(asio::io_context& io, ServerOptions options, Router router, BacklogSource backlog)
        : options_(std::move(options)),
          router_(std::move(router)),
          backlog_(std::move(backlog)),
          acceptor_(io),
          retry_timer_(io) {}

    std::optional<std::string> listen();
    void accept_next();
    void stop();
    void publish(StreamMessage message);

    void forget(std::uint64_t key) { connections_.erase(key); }
    void replace(std::uint64_t key, std::shared_ptr<Session> session) {
        if (const auto it = connections_.find(key); it != connections_.end()) {
            it->second = std::move(session);
        }
    }
    void register_stream(std::uint64_t key, std::weak_ptr<WsSession> session) {
        streams_[key] = std::move(session);
    }
    void unregister_stream(std::uint64_t key) { streams_.erase(key); }
    void log(const std::string& message) const {
        if (options_.log_error) {
            options_.log_error(message);
        }
    }

    [[nodiscard]] const ServerOptions& options() const { return options_; }
    [[nodiscard]] const Router& router() const { return router_; }
    [[nodiscard]] const std::optional<std::filesystem::path>& ui_root() const { return ui_root_; }
    [[nodiscard]] Backlog backlog(std::uint64_t after, std::size_t limit) const {
        return backlog_ ? backlog_(after, limit) : Backlog{};
    }
    [[nodiscard]] bool stopped() const { return stopped_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::size_t connection_count() const { return connections_.size(); }
    [[nodiscard]] std::size_t stream_client_count() const { return streams_.size(); }

private:
    void on_accept(tcp::socket socket);

    ServerOptions options_;
    Router router_;
    BacklogSource backlog_;
    tcp::acceptor acceptor_;
    asio::steady_timer retry_timer_;
    std::map<std::uint64_t, std::shared_ptr<Session>> connections_;
    std::map<std::uint64_t, std::weak_ptr<WsSession>> streams_;
    std::optional<std::filesystem::path> ui_root_;
    std::uint64_t next_key_ = 1;
    std::uint16_t port_ = 0;
    bool stopped_ = false;
};

// ---- HttpSession ------------------------------------------------------------------------

void HttpSession::refuse(std::size_t open) {
    send_json(error(429, "busy",
                    "hallkeeperd already serves " + std::to_string(open) +
                        " connections; try again later"),
              true, true);
}

void HttpSession::read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    stream_.expires_after(limits_.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const ErrorCode& ec, std::size_t) { self->on_header(ec); });
}

void HttpSession::on_header(const ErrorCode& ec) {
    if (closed_) {
        return;
    }
    if (ec) {
        on_read_error(ec);
        return;
    }
    const auto& request = parser_->get();
    version_ = request.version();
    keep_alive_ = request.keep_alive();
    api_ = starts_with_api(sv(request.target()).substr(0, sv(request.target()).find('?')));
    const auto method = request.method();
    const bool has_body =
        parser_->chunked() || (parser_->content_length() && *parser_->content_length() > 0);
    if (api_ && has_body &&
        (method == http::verb::post || method == http::verb::put || method == http::verb::patch) &&
        !is_json_type(sv(request[http::field::content_type]))) {
        send_json(error(415, "unsupported_media_type", "the body must be application/json"), true,
                  true);
        return;
    }
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const ErrorCode& read_ec, std::size_t) {
                         self->on_body(read_ec);
                     });
}

void HttpSession::on_body(const ErrorCode& ec) {
    if (closed_) {
        return;
    }
    if (ec) {
        on_read_error(ec);
        return;
    }
    handle();
}

void HttpSession::on_read_error(const ErrorCode& ec) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        close();
        return;
    }
    if (ec == http::error::body_limit) {
        send_json(error(413, "too_large",
                        "the body is over " + std::to_string(limits_.max_body_bytes) + " bytes"),
                  api_, true);
    } else if (ec == http::error::header_limit) {
        send_json(error(431, "header_too_large",
                        "the request header is over " + std::to_string(limits_.max_header_bytes) +
                            " bytes"),
                  api_, true);
    } else {
        send_json(error(400, "bad_request", "malformed HTTP request: " + ec.message()), api_, true);
    }
}

void HttpSession::handle() {
    const auto core = core_.lock();
    if (!core || core->stopped()) {
        close();
        return;
    }
    auto& raw = parser_->get();
    auto target = parse_target(sv(raw.target()));
    if (!target) {
        send_json(error(400, "bad_request", "bad request target: " + target.error()), api_, false);
        return;
    }
    Request request;
    request.method = raw.method();
    request.target = std::string(raw.target());
    request.path = target->path;
    request.query = target->query;
    request.body = std::move(raw.body());
    request.content_type = std::string(raw[http::field::content_type]);
    request.bearer_token = bearer_of(sv(raw[http::field::authorization]));
    request.peer = peer_;
    api_ = starts_with_api(request.path);

    if (request.path == kStreamPath) {
        upgrade(*core, request);
        return;
    }
    if (!api_) {
        serve_static(*core, request, *target);
        return;
    }
    auto match = core->router().match(request.method, target->segments);
    if (match.allowed.empty()) {
        send_json(error(404, "not_found", "no route for " + request.path), true, false);
        return;
    }
    if (match.handler == nullptr) {
        send_json(error(405, "method_not_allowed",
                        std::string(http::to_string(request.method)) + " is not allowed on " +
                            request.path + "; allowed: " + allow_list(match.allowed)),
                  true, false, allow_list(match.allowed));
        return;
    }
    request.params = std::move(match.params);
    // A copy, so the handler stays alive while it runs even if it stops the server.
    dispatch(*core, std::move(request), *match.handler);
}

// The one place where handler exceptions are caught: the client gets 500 internal.
void HttpSession::dispatch(Core& core, Request request, Handler handler) {
    const auto serial = ++serial_;
    awaiting_ = true;
    stream_.expires_never();  // the handler may answer later; the idle timer restarts after
    auto answer = std::make_shared<Answer>(weak_from_this(), serial);
    const Respond respond = [answer](Response response) { answer->give(std::move(response)); };
    std::string what;
    try {
        handler(request, respond);
        return;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "unknown exception";
    }
    core.log(std::string(http::to_string(request.method)) + " " + request.path + " threw: " + what);
    answer->give(error(500, "internal", "the request failed inside hallkeeperd"));
}

void HttpSession::upgrade(Core& core, const Request& request) {
    if (request.method != http::verb::get) {
        send_json(error(405, "method_not_allowed", "the event stream is GET only"), true, false,
                  "GET");
        return;
    }
    if (!websocket::is_upgrade(parser_->get())) {
        send_json(error(400, "bad_request", "the event stream needs a WebSocket upgrade"), true,
                  false);
        return;
    }
    std::optional<std::uint64_t> after;
    if (const auto it = request.query.find("after"); it != request.query.end()) {
        std::uint64_t value = 0;
        const auto& text = it->second;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
            send_json(error(400, "bad_argument",
                            "\"after\" must be an unsigned integer (the last seq applied)"),
                      true, true);
            return;
        }
        after = value;
    }
    const auto& options = core.options();
    stream_.expires_never();
    auto session = std::make_shared<WsSession>(stream_.release_socket(), core_, key_, after,
                                               options.max_queued_stream_messages,
                                               options.idle_timeout, options.ping_interval);
    closed_ = true;  // the socket is the stream session's now
    core.replace(key_, session);
    session->start(parser_->release());
}

// Static files of the built kiosk-ui. Files are read by Beast's file_body in 4 KiB pieces as
// the socket takes them, on the loop: they are small local files, so no read blocks for long.
void HttpSession::serve_static(Core& core, const Request& request, const Target& target) {
    const auto& root = core.ui_root();
    if (!root) {
        send_json(error(404, "not_found", "the kiosk UI is not installed (no api.ui_dir)"), false,
                  false);
        return;
    }
    if (request.method != http::verb::get && request.method != http::verb::head) {
        send_json(error(405, "method_not_allowed", "only GET and HEAD serve files"), false, false,
                  "GET, HEAD");
        return;
    }
    const auto raw_path = std::string_view(request.target).substr(0, request.target.find('?'));
    bool refused = raw_path.find('\\') != std::string_view::npos ||
                   lowercase(raw_path).find("%5c") != std::string::npos;
    std::filesystem::path relative;
    for (const auto& segment : target.segments) {
        if (segment == "." || segment == ".." ||
            segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
            refused = true;
            break;
        }
        if (!segment.empty()) {
            relative /= segment;
        }
    }
    if (refused) {
        send_json(error(400, "bad_request", "path not allowed: " + request.path), false, false);
        return;
    }
    if (relative.empty()) {
        relative = "index.html";
    }
    std::error_code fs_ec;
    const auto file = std::filesystem::weakly_canonical(*root / relative, fs_ec);
    if (fs_ec || !is_inside(*root, file)) {
        send_json(error(404, "not_found", "no file " + request.path), false, false);
        return;
    }
    if (std::filesystem::is_regular_file(file, fs_ec)) {
        const bool asset = request.path.starts_with("/assets/");
        serve_file(file, request.method, asset ? kImmutable : std::string_view("no-cache"));
        return;
    }
    const bool has_extension =
        !target.segments.empty() && target.segments.back().find('.') != std::string::npos;
    const auto index = *root / "index.html";
    if (!has_extension && std::filesystem::is_regular_file(index, fs_ec)) {
        serve_file(index, request.method, "no-cache");  // a single-page-app surface
        return;
    }
    send_json(error(404, "not_found", "no file " + request.path), false, false);
}

void HttpSession::serve_file(const std::filesystem::path& file, http::verb method,
                             std::string_view cache_control) {
    http::file_body::value_type body;
    ErrorCode ec;
    body.open(file.c_str(), beast::file_mode::scan, ec);
    if (ec) {
        send_json(error(404, "not_found", "cannot open " + file.filename().string()), false, false);
        return;
    }
    const auto size = body.size();
    const auto set_headers = [&](auto& message) {
        message.set(http::field::content_type, bsv(content_type_for(file)));
        message.set(http::field::cache_control, bsv(cache_control));
        message.set(bsv("X-Content-Type-Options"), "nosniff");
        message.content_length(size);
    };
    if (method == http::verb::head) {
        http::response<http::empty_body> message{http::status::ok, version_};
        set_headers(message);
        send(std::move(message), !keep_alive_);
        return;
    }
    http::response<http::file_body> message{std::piecewise_construct,
                                            std::make_tuple(std::move(body)),
                                            std::make_tuple(http::status::ok, version_)};
    set_headers(message);
    send(std::move(message), !keep_alive_);
}

void HttpSession::on_response(std::uint64_t serial, Response response) {
    // A server already destroyed (its loop may be going too): nobody to answer.
    if (closed_ || !awaiting_ || serial != serial_ || core_.expired()) {
        return;
    }
    awaiting_ = false;
    send_json(response, true, false);
}

void HttpSession::send_json(const Response& response, bool api, bool force_close,
                            const std::string& allow) {
    auto status = response.status;
    auto text = serialise(response);
    if (status < 100 || status > 599 || !text) {
        if (const auto core = core_.lock()) {
            core->log("answer to " + peer_ + " cannot be sent: " +
                      (text ? "status " + std::to_string(status) : text.error()));
        }
        status = 500;
        text = serialise(error(500, "internal", "the answer could not be serialised"));
    }
    http::response<http::string_body> message;
    message.version(version_);
    message.result(status);
    message.set(bsv("X-Content-Type-Options"), "nosniff");
    if (api) {
        message.set(http::field::cache_control, "no-store");
    }
    if (!allow.empty()) {
        message.set(http::field::allow, allow);
    }
    if (*text) {
        message.set(http::field::content_type, bsv(kJsonType));
        message.body() = std::move(**text);
    }
    message.prepare_payload();
    send(std::move(message), force_close || !keep_alive_);
}

template <class Body>
void HttpSession::send(http::response<Body> message, bool close_after) {
    message.keep_alive(!close_after);
    auto owned = std::make_shared<http::response<Body>>(std::move(message));
    message_ = owned;
    stream_.expires_after(limits_.idle_timeout);
    http::async_write(stream_, *owned,
                      [self = shared_from_this(), close_after](const ErrorCode& ec, std::size_t) {
                          self->on_written(ec, close_after);
                      });
}

void HttpSession::on_written(const ErrorCode& ec, bool close_after) {
    message_.reset();
    if (closed_) {
        return;
    }
    if (ec) {
        close();
        return;
    }
    if (close_after) {
        linger_close();
        return;
    }
    read_header();
}

// After an answer that ends the connection, the unread rest of the request is drained for a
// moment so that closing does not reset the connection before the client reads the answer.
void HttpSession::linger_close() {
    ErrorCode ignored;
    static_cast<void>(stream_.socket().shutdown(tcp::socket::shutdown_send, ignored));
    stream_.expires_after(kLingerTime);
    drain();
}

void HttpSession::drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kLingerChunk),
                            [self = shared_from_this()](const ErrorCode& ec, std::size_t bytes) {
                                if (self->closed_) {
                                    return;
                                }
                                self->lingered_ += bytes;
                                if (ec || self->lingered_ > kLingerBytes) {
                                    self->close();
                                    return;
                                }
                                self->drain();
                            });
}

void HttpSession::close() {
    if (std::exchange(closed_, true)) {
        return;
    }
    stream_.close();
    if (const auto core = core_.lock()) {
        core->forget(key_);
    }
}

// ---- WsSession --------------------------------------------------------------------------

void WsSession::start(http::request<http::string_body> request) {
    upgrade_request_ = std::move(request);
    // Beast's own idle timeout counts only completed reads, not pongs; silence is checked by
    // the ping timer instead (see schedule_ping).
    ws_.set_option(
        websocket::stream_base::timeout{kHandshakeTimeout, websocket::stream_base::none(), false});
    ws_.read_message_max(kMaxClientMessage);
    // Stored in ws_, so `this` outlives it.
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard(); });
    ws_.async_accept(upgrade_request_,
                     [self = shared_from_this()](const ErrorCode& ec) { self->on_accept(ec); });
}

void WsSession::on_accept(const ErrorCode& ec) {
    upgrade_request_ = {};
    const auto core = core_.lock();
    if (ec || !core || core->stopped() || phase_ != Phase::handshake) {
        close_now();
        return;
    }
    // Registered before the first backlog page: every message published from now on is held,
    // and every one published before is in the backlog source.
    core->register_stream(key_, weak_from_this());
    heard();
    read_next();
    schedule_ping();
    if (last_seq_) {
        phase_ = Phase::backlog;
        fetch_backlog();
    } else {
        phase_ = Phase::live;
    }
}

// One page of the backlog; the next is fetched when this one is written.
void WsSession::fetch_backlog() {
    const auto core = core_.lock();
    if (!core || phase_ != Phase::backlog) {
        return;
    }
    Backlog page;
    try {
        page = core->backlog(last_seq_.value_or(0), page_limit_);
    } catch (const std::exception& e) {
        core->log(std::string("event stream backlog failed: ") + e.what());
        close_with(websocket::close_code::internal_error, "the event backlog is unavailable");
        return;
    }
    if (phase_ != Phase::backlog) {
        return;  // closed while the source ran (it may publish)
    }
    if (page.too_old) {
        enqueue(std::make_shared<const std::string>(
            json{{"type", "resync"}, {"seq", page.latest}}.dump()));
        last_seq_ = page.latest;
        go_live();
        return;
    }
    std::size_t added = 0;
    for (const auto& message : page.messages) {
        if (last_seq_ && message.seq <= *last_seq_) {
            continue;  // a misbehaving source: never repeat or go back
        }
        std::string text;
        try {
            text = message.message.dump();
        } catch (const std::exception& e) {
            core->log("event " + std::to_string(message.seq) + " cannot be sent: " + e.what());
            continue;
        }
        last_seq_ = message.seq;
        ++added;
        enqueue(std::make_shared<const std::string>(std::move(text)));
        if (phase_ != Phase::backlog) {
            return;
        }
    }
    if (page.messages.size() < page_limit_ || added == 0) {
        go_live();
    } else if (outbox_.empty()) {
        fetch_backlog();
    }
}

void WsSession::go_live() {
    phase_ = Phase::live;
    auto held = std::exchange(held_, {});
    for (const auto& frame : held) {
        deliver(frame);
    }
}

void WsSession::deliver(const Frame& frame) {
    if (phase_ == Phase::backlog) {
        held_.push_back(frame);
        check_overflow();
        return;
    }
    if (phase_ != Phase::live || (last_seq_ && frame.seq <= *last_seq_)) {
        return;
    }
    last_seq_ = frame.seq;
    enqueue(frame.text);
}

void WsSession::enqueue(std::shared_ptr<const std::string> text) {
    outbox_.push_back(std::move(text));
    if (!check_overflow()) {
        write_next();
    }
}

bool WsSession::check_overflow() {
    if (outbox_.size() + held_.size() <= max_queued_) {
        return false;
    }
    close_with(websocket::close_code::policy_error,
               "more than " + std::to_string(max_queued_) +
                   " messages waiting; reconnect with after=<last seq>");
    return true;
}

void WsSession::write_next() {
    if (writing_ || outbox_.empty() || (phase_ != Phase::backlog && phase_ != Phase::live)) {
        return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        asio::buffer(*outbox_.front()),
        [self = shared_from_this()](const ErrorCode& ec, std::size_t) { self->on_write(ec); });
}

void WsSession::on_write(const ErrorCode& ec) {
    writing_ = false;
    if (!outbox_.empty()) {
        outbox_.pop_front();
    }
    if (phase_ == Phase::closed) {
        return;
    }
    if (ec) {
        close_now();
        return;
    }
    if (phase_ == Phase::closing) {
        start_close();
        return;
    }
    if (phase_ == Phase::backlog && outbox_.empty()) {
        fetch_backlog();
    }
    write_next();
}

// Messages from the client are read (for control frames and the close handshake) and ignored.
void WsSession::read_next() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](const ErrorCode& ec, std::size_t) {
        self->read_buffer_.clear();
        self->heard();
        if (self->phase_ == Phase::closed || self->phase_ == Phase::closing) {
            return;  // the close handshake or the grace timer ends it
        }
        if (ec) {
            self->close_now();
            return;
        }
        self->read_next();
    });
}

void WsSession::schedule_ping() {
    ping_timer_.expires_after(ping_interval_);
    ping_timer_.async_wait([weak = weak_from_this()](const ErrorCode& ec) {
        const auto self = weak.lock();
        if (ec || !self || (self->phase_ != Phase::backlog && self->phase_ != Phase::live)) {
            return;
        }
        if (std::chrono::steady_clock::now() - self->last_heard_ > self->idle_timeout_) {
            self->close_now();  // no message, pong or ping for idle_timeout: the peer is gone
            return;
        }
        if (!self->pinging_) {
            self->pinging_ = true;
            self->ws_.async_ping({}, [self](const ErrorCode& ping_ec) {
                self->pinging_ = false;
                if (ping_ec && self->phase_ != Phase::closed && self->phase_ != Phase::closing) {
                    self->close_now();
                }
            });
        }
        self->schedule_ping();
    });
}

void WsSession::close_with(websocket::close_code code, std::string_view reason) {
    if (phase_ == Phase::closing || phase_ == Phase::closed) {
        return;
    }
    if (phase_ == Phase::handshake) {
        close_now();
        return;
    }
    phase_ = Phase::closing;
    if (const auto core = core_.lock()) {
        core->unregister_stream(key_);
    }
    held_.clear();
    // Keep only the message being written: its buffer is in use.
    while (outbox_.size() > (writing_ ? 1U : 0U)) {
        outbox_.pop_back();
    }
    ping_timer_.cancel();
    close_reason_ = websocket::close_reason(code, bsv(reason));
    close_timer_.expires_after(kCloseGrace);
    close_timer_.async_wait([weak = weak_from_this()](const ErrorCode& ec) {
        if (const auto self = weak.lock(); self && !ec) {
            self->close_now();
        }
    });
    if (!writing_) {
        start_close();
    }
}

void WsSession::start_close() {
    ws_.async_close(close_reason_,
                    [self = shared_from_this()](const ErrorCode&) { self->close_now(); });
}

void WsSession::close_now() {
    if (std::exchange(phase_, Phase::closed) == Phase::closed) {
        return;
    }
    ping_timer_.cancel();
    close_timer_.cancel();
    beast::get_lowest_layer(ws_).close();
    outbox_.clear();
    held_.clear();
    if (const auto core = core_.lock()) {
        core->unregister_stream(key_);
        core->forget(key_);
    }
}

// ---- Core -------------------------------------------------------------------------------

std::optional<std::string> Core::listen() {
    const std::string where = options_.address + ":" + std::to_string(options_.port);
    ErrorCode ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
        return "cannot listen on " + where + ": \"" + options_.address +
               "\" is not an IP address; set api.address";
    }
    const tcp::endpoint endpoint(address, options_.port);
    static_cast<void>(acceptor_.open(endpoint.protocol(), ec));
    if (!ec) {
        set_cloexec(acceptor_.native_handle());
        // Lets a restarted daemon bind while old connections linger in TIME_WAIT; a port with
        // a live listener is still refused.
        static_cast<void>(acceptor_.set_option(tcp::acceptor::reuse_address(true), ec));
    }
    if (!ec) {
        static_cast<void>(acceptor_.bind(endpoint, ec));
    }
    if (!ec) {
        static_cast<void>(acceptor_.listen(asio::socket_base::max_listen_connections, ec));
    }
    if (ec) {
        ErrorCode ignored;
        static_cast<void>(acceptor_.close(ignored));
        if (ec == asio::error::address_in_use) {
            return "cannot listen on " + where +
                   ": the port is in use (another hallkeeperd or another program); stop it or "
                   "set api.port";
        }
        if (ec == boost::system::errc::address_not_available) {
            return "cannot listen on " + where +
                   ": the address is not one of this machine's; set api.address";
        }
        return "cannot listen on " + where + ": " + ec.message();
    }
    port_ = acceptor_.local_endpoint(ec).port();
    if (options_.ui_dir) {
        std::error_code fs_ec;
        auto root = std::filesystem::weakly_canonical(*options_.ui_dir, fs_ec);
        if (!fs_ec) {
            ui_root_ = std::move(root);
        }
    }
    return std::nullopt;
}

void Core::accept_next() {
    acceptor_.async_accept([weak = weak_from_this()](const ErrorCode& ec, tcp::socket socket) {
        const auto self = weak.lock();
        if (!self || self->stopped_ || ec == asio::error::operation_aborted) {
            return;
        }
        if (!ec) {
            self->on_accept(std::move(socket));
            self->accept_next();
            return;
        }
        // Out of descriptors and the like: retrying at once would spin the loop.
        self->retry_timer_.expires_after(kAcceptRetryDelay);
        self->retry_timer_.async_wait([weak](const ErrorCode& wait_ec) {
            const auto core = weak.lock();
            if (!wait_ec && core && !core->stopped_) {
                core->accept_next();
            }
        });
    });
}

void Core::on_accept(tcp::socket socket) {
    set_cloexec(socket.native_handle());
    ErrorCode ec;
    static_cast<void>(socket.set_option(tcp::no_delay(true), ec));
    const auto remote = socket.remote_endpoint(ec);
    const auto peer = ec ? std::string("unknown") : endpoint_text(remote);
    const auto key = next_key_++;
    auto session = std::make_shared<HttpSession>(
        std::move(socket), weak_from_this(), key, peer,
        Limits{options_.max_body_bytes, options_.max_header_bytes, options_.idle_timeout});
    if (connections_.size() >= options_.max_connections) {
        session->refuse(connections_.size());  // not counted; lives until its answer is sent
        return;
    }
    connections_.emplace(key, session);
    session->start();
}

void Core::stop() {
    if (std::exchange(stopped_, true)) {
        return;
    }
    ErrorCode ignored;
    static_cast<void>(acceptor_.close(ignored));
    retry_timer_.cancel();
    streams_.clear();
    auto connections = std::exchange(connections_, {});
    for (auto& [key, session] : connections) {
        session->close_for_stop();
    }
}

void Core::publish(StreamMessage message) {
    if (stopped_ || streams_.empty()) {
        return;
    }
    Frame frame{message.seq, nullptr};
    try {
        frame.text = std::make_shared<const std::string>(message.message.dump());
    } catch (const std::exception& e) {
        log("event " + std::to_string(message.seq) + " cannot be sent: " + e.what());
        return;
    }
    // A copy: a client may close (and unregister) while it is given the message.
    std::vector<std::weak_ptr<WsSession>> clients;
    clients.reserve(streams_.size());
    for (const auto& [key, client] : streams_) {
        clients.push_back(client);
    }
    for (const auto& weak : clients) {
        if (const auto client = weak.lock()) {
            client->deliver(frame);
        }
    }
}

}  // namespace

// ---- public API -------------------------------------------------------------------------

Response error(unsigned status, std::string_view code, std::string_view message) {
    return Response{status, json{{"error", {{"code", code}, {"message", message}}}}};
}

void Router::add(http::verb method, std::string pattern, Handler handler) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("route pattern \"" + pattern + "\" must start with '/'");
    }
    std::vector<Segment> segments;
    std::string_view rest = std::string_view(pattern).substr(1);
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const auto text = rest.substr(0, slash);
        if (text.size() > 2 && text.front() == '{' && text.back() == '}' &&
            text.substr(1, text.size() - 2).find_first_of("{}") == std::string_view::npos) {
            segments.push_back(Segment{std::string(text.substr(1, text.size() - 2)), true});
        } else if (text.find_first_of("{}") != std::string_view::npos) {
            throw std::invalid_argument("route pattern \"" + pattern +
                                        "\" has a malformed {name} segment");
        } else {
            segments.push_back(Segment{std::string(text), false});
        }
        if (slash == std::string_view::npos) {
            break;
        }
        rest = rest.substr(slash + 1);
        if (rest.empty()) {
            segments.push_back(Segment{});  // a trailing '/'
        }
    }
    for (auto& route : routes_) {
        if (route.method == method && route.pattern == pattern) {
            route.handler = std::move(handler);
            return;
        }
    }
    routes_.push_back(Route{method, std::move(pattern), std::move(segments), std::move(handler)});
}

Router::Match Router::match(http::verb method, const std::vector<std::string>& segments) const {
    Match result;
    const Route* best = nullptr;
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size()) {
            continue;
        }
        std::map<std::string, std::string, std::less<>> params;
        bool matches = true;
        for (std::size_t i = 0; i < segments.size() && matches; ++i) {
            const auto& segment = route.segments[i];
            if (segment.is_param) {
                params[segment.text] = segments[i];
            } else {
                matches = segment.text == segments[i];
            }
        }
        if (!matches) {
            continue;
        }
        if (std::ranges::find(result.allowed, route.method) == result.allowed.end()) {
            result.allowed.push_back(route.method);
        }
        if (route.method != method) {
            continue;
        }
        // Literal segments win over {name} segments, from the left.
        const auto more_literal = [](const Route& a, const Route& b) {
            return std::ranges::lexicographical_compare(
                a.segments, b.segments,
                [](const Segment& x, const Segment& y) { return !x.is_param && y.is_param; });
        };
        if (best == nullptr || more_literal(route, *best)) {
            best = &route;
            result.handler = &route.handler;
            result.params = std::move(params);
        }
    }
    return result;
}

struct Server::State final : Core {
    using Core::Core;
};

std::expected<std::unique_ptr<Server>, std::string> Server::start(boost::asio::io_context& io,
                                                                  ServerOptions options,
                                                                  Router router,
                                                                  BacklogSource backlog) {
    auto state =
        std::make_shared<State>(io, std::move(options), std::move(router), std::move(backlog));
    if (auto failed = state->listen()) {
        return std::unexpected(std::move(*failed));
    }
    state->accept_next();
    return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::shared_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() {
    stop();
}

void Server::stop() {
    state_->stop();
}

void Server::publish(StreamMessage message) {
    state_->publish(std::move(message));
}

std::uint16_t Server::port() const {
    return state_->port();
}

std::size_t Server::connection_count() const {
    return state_->connection_count();
}

std::size_t Server::stream_client_count() const {
    return state_->stream_client_count();
}

}  // namespace hk::api

// The Local API benchmarks' daemon and clients: see api_daemon.hpp.
#include "bench/api_daemon.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/time.h>

#include "daemon/store/migrations.hpp"

namespace hk::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

void connect(tcp::socket& socket, std::uint16_t port) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket.set_option(tcp::no_delay(true));
    timeval timeout{};
    timeout.tv_sec = 10;
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

// The running daemon, so that fail() does not leave it behind.
pid_t running_pid = 0;
std::filesystem::path running_dir;

template <class T>
T must(store::Result<T> result, std::string_view what) {
    if (!result) {
        fail(std::string(what) + ": " + result.error().message);
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

}  // namespace

void fail(const std::string& message) {
    static_cast<void>(std::fprintf(stderr, "%s\n", message.c_str()));
    if (running_pid > 0) {
        ::kill(running_pid, SIGKILL);
        std::error_code ignored;
        std::filesystem::remove_all(running_dir, ignored);
    }
    static_cast<void>(std::fflush(nullptr));
    std::_Exit(1);
}

std::string http_request(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view bearer) {
    std::string text =
        std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!bearer.empty()) {
        text += "Authorization: Bearer " + std::string(bearer) + "\r\n";
    }
    if (!body.empty()) {
        text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n";
    } else if (method == "POST") {
        text += "Content-Length: 0\r\n";
    }
    text += "\r\n";
    text += body;
    return text;
}

HttpConnection::HttpConnection(std::uint16_t port) : socket_(io_) {
    connect(socket_, port);
}

void HttpConnection::write(std::string_view bytes) {
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()));
}

HttpAnswer HttpConnection::read() {
    http::response<http::string_body> answer;
    boost::system::error_code error;
    http::read(socket_, buffer_, answer, error);
    if (error) {
        fail("reading an answer of the daemon: " + error.message());
    }
    return HttpAnswer{answer.result_int(), std::move(answer.body())};
}

StreamConnection::StreamConnection(std::uint16_t port, const std::string& target) : ws_(io_) {
    connect(ws_.next_layer(), port);
    ws_.handshake("127.0.0.1", target);
}

StreamConnection::Message StreamConnection::read() {
    buffer_.clear();
    boost::system::error_code error;
    ws_.read(buffer_, error);
    const auto at = Clock::now();
    if (error) {
        return {at, {}};
    }
    return {at, beast::buffers_to_string(buffer_.data())};
}

void StreamConnection::shut_down() {
    boost::system::error_code ignored;
    static_cast<void>(ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored));
}

ApiDaemon::ApiDaemon(const std::filesystem::path& ui_dir) {
    test::write_file(harness_.dir() / "hall.toml", kApiHall);
    std::string config =
        "[node]\nid = \"bench-node\"\nhall = \"bench-hall\"\n[queue]\nhall_file = \"" +
        (harness_.dir() / "hall.toml").string() + "\"\n[api]\nenabled = true\nport = 0\n";
    if (!ui_dir.empty()) {
        config += "ui_dir = \"" + ui_dir.string() + "\"\n";
    }
    harness_.write_config(config);
    try {
        harness_.start_ready();
    } catch (const std::exception& e) {
        fail(e.what());
    }
    running_ = true;
    running_pid = harness_.process().pid();
    running_dir = harness_.dir();
    const auto status = json::parse(hallctl({"--json", "status"}));
    if (!status.contains("api") || !status["api"].is_object()) {
        fail("hallctl status shows no local API: " + status.dump());
    }
    port_ = status["api"]["port"].get<std::uint16_t>();
    for (int officer = 1; officer <= kApiWindows; ++officer) {
        const auto id = std::to_string(1000 + officer);
        const auto set = test::run_command(
            {"/bin/sh", "-c",
             "echo " + std::string(kOfficerPin) + " | '" + std::string(HK_HALLCTL_BIN) +
                 "' --socket '" + harness_.socket().string() + "' officers set " + id +
                 " --name 窗口" + std::to_string(officer)},
            test::kDeadline);
        if (set.exit_code != 0) {
            fail("hallctl officers set " + id + " failed: " + set.err);
        }
    }
}

ApiDaemon::~ApiDaemon() {
    if (running_) {
        running_pid = 0;
        static_cast<void>(harness_.stop());
    }
}

std::string ApiDaemon::hallctl(const std::vector<std::string>& args) const {
    auto result = harness_.hallctl(args);
    if (result.exit_code != 0) {
        std::string line = "hallctl";
        for (const auto& arg : args) {
            line += " " + arg;
        }
        fail(line + " failed: " + result.err + result.out);
    }
    return result.out;
}

void ApiDaemon::login(const std::string& window, const std::string& officer) const {
    static_cast<void>(
        hallctl({"queue", json{{"op", "login"}, {"window", window}, {"officer", officer}}.dump()}));
}

void ApiDaemon::stop() {
    running_ = false;
    running_pid = 0;
    if (const int code = harness_.stop(); code != 0) {
        fail("hallkeeperd exited with " + std::to_string(code) + "; its log:\n" + harness_.log());
    }
}

bool has_counter_routes(std::uint16_t port) {
    HttpConnection connection(port);
    const auto answer = connection.exchange(http_request("POST", "/api/v1/counter/call-next"));
    if (answer.status != 404) {
        return true;
    }
    const auto body = json::parse(answer.body, nullptr, false);
    return !(body.is_object() && body.contains("error") &&
             body["error"].value("code", "") == "not_found");
}

std::string open_session(HttpConnection& connection, int window) {
    const auto answer =
        connection.exchange(http_request("POST", "/api/v1/sessions",
                                         json{{"officer", std::to_string(1000 + window)},
                                              {"pin", std::string(ApiDaemon::kOfficerPin)},
                                              {"window", std::to_string(window)}}
                                             .dump()));
    if (answer.status != 201) {
        fail("POST /api/v1/sessions for window " + std::to_string(window) + ": " +
             std::to_string(answer.status) + " " + answer.body);
    }
    return json::parse(answer.body).at("token").get<std::string>();
}

CommitFloor::CommitFloor(const std::filesystem::path& file, std::string type, std::string payload)
    : db_(must(store::Database::open(file), "open the floor's database")),
      type_(std::move(type)),
      payload_(std::move(payload)) {
    static_cast<void>(must(store::migrate(db_), "migrate the floor's database"));
}

void CommitFloor::prefill(int rows) {
    for (int i = 0; i < rows; ++i) {
        auto transaction = must(db_.begin(store::Durability::relaxed), "floor begin");
        auto insert = must(db_.cached("INSERT INTO events(node_id, seq, at_ms, type, payload) "
                                      "VALUES('floor', ?, ?, ?, ?)"),
                           "floor insert");
        ++seq_;
        must(insert->bind_all({seq_, seq_, std::string_view(type_), std::string_view(payload_)}),
             "floor bind");
        must(insert->run(), "floor insert");
        must(transaction.commit(), "floor commit");
    }
}

double CommitFloor::commit() {
    const auto start = Clock::now();
    auto transaction = must(db_.begin(store::Durability::critical), "floor begin");
    {
        auto insert = must(db_.cached("INSERT INTO events(node_id, seq, at_ms, type, payload) "
                                      "VALUES('floor', ?, ?, ?, ?)"),
                           "floor insert");
        ++seq_;
        must(insert->bind_all({seq_, seq_, std::string_view(type_), std::string_view(payload_)}),
             "floor bind");
        must(insert->run(), "floor insert");
    }
    must(transaction.commit(), "floor commit");
    return ms_between(start, Clock::now());
}

LogSample sample_log(const std::filesystem::path& database, std::string_view type) {
    auto db = must(store::Database::open(
                       database, {.create = false, .quick_check = false, .busy_timeout_ms = 2000}),
                   "open the daemon's database");
    LogSample sample;
    auto count = must(db.prepare("SELECT count(*) FROM events"), "count events");
    if (must(count.step(), "count events")) {
        sample.events = count.column_int(0);
    }
    auto latest = must(db.prepare("SELECT payload FROM events WHERE type = ? ORDER BY at_ms DESC "
                                  "LIMIT 1"),
                       "latest event");
    must(latest.bind(1, type), "latest event");
    if (must(latest.step(), "latest event")) {
        sample.payload = latest.column_text(0);
    }
    return sample;
}

double resident_mib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return static_cast<double>(std::stol(line.substr(6))) / 1024.0;
        }
    }
    return 0;
}

}  // namespace hk::bench

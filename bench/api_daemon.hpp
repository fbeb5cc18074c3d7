// The Local API benchmarks' daemon and clients (api_bench, stream_bench; docs/performance.md):
// the real hallkeeperd started as the system tests start it (tests/system/daemon_harness.hpp:
// its own temporary directory, READY=1 awaited), with `[api] enabled = true, port = 0` and a
// hall open all day, and blocking keep-alive HTTP and WebSocket clients over loopback. The
// clients are lean on purpose (a request is composed once and reused, answers are read into a
// reused buffer), so what is timed is the daemon, not the client.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "daemon/store/database.hpp"
#include "tests/system/daemon_harness.hpp"

namespace hk::bench {

using Clock = std::chrono::steady_clock;

[[nodiscard]] inline double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// The hall of the API benchmarks: the demo's small township centre (five services, five
// windows with five different strategies) without issuing hours or quotas, so it is open at
// any hour and never runs out of numbers.
inline constexpr const char* kApiHall = R"(
[hall]
name_zh = "示范镇便民服务中心"
name_en = "Demo Town Service Centre"

[[services]]
code = "SOC"
name_zh = "社会保险"
name_en = "Social insurance"
prefix = "A"
materials_zh = "身份证原件；社保卡"
group_zh = "社保医保"
group_en = "Social and medical insurance"
materials_en = "ID card; social security card"

[[services]]
code = "MED"
name_zh = "医疗保障"
name_en = "Medical insurance"
prefix = "B"
materials_zh = "身份证原件；医保电子凭证或医保卡"
group_zh = "社保医保"
group_en = "Social and medical insurance"
materials_en = "ID card; medical insurance e-voucher or card"

[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate registration"
prefix = "C"
materials_zh = "身份证原件；不动产权证书；购房合同"
group_zh = "不动产"
group_en = "Real estate"
materials_en = "ID card; property certificate; purchase contract"

[[services]]
code = "HH"
name_zh = "户籍办理"
name_en = "Household registration"
prefix = "D"
materials_zh = "身份证原件；户口簿"
group_zh = "户籍"
group_en = "Household registration"
materials_en = "ID card; household register"

[[services]]
code = "GEN"
name_zh = "综合受理"
name_en = "Comprehensive services"
prefix = "E"
group_zh = "综合"
group_en = "General"

[[windows]]
id = "1"
name = "1号窗口"
serves = [{ service = "GEN", weight = 3 }, "SOC", "MED"]
strategy = { kind = "service_weight" }

[[windows]]
id = "2"
name = "2号窗口"
serves = ["SOC", "MED"]
strategy = { kind = "counted_ratio", ratio_normal = 2, ratio_priority = 1 }

[[windows]]
id = "3"
name = "3号窗口"
serves = ["RE"]
strategy = { kind = "appointment_slot", early_minutes = 10 }

[[windows]]
id = "4"
name = "4号窗口"
serves = ["HH", "GEN"]
strategy = { kind = "class_priority" }

[[windows]]
id = "5"
name = "5号窗口"
serves = ["SOC", "MED", "HH"]
strategy = { kind = "longest_wait" }
)";

inline constexpr int kApiWindows = 5;
inline constexpr std::string_view kApiServices[] = {"SOC", "MED", "RE", "HH", "GEN"};

// Prints the message to stderr and exits with status 1: a benchmark that cannot set up has
// nothing to report.
[[noreturn]] void fail(const std::string& message);

// The raw text of one HTTP/1.1 request (keep-alive). A body is sent as application/json;
// `bearer` adds `Authorization: Bearer`.
[[nodiscard]] std::string http_request(std::string_view method, std::string_view target,
                                       std::string_view body = {}, std::string_view bearer = {});

struct HttpAnswer {
    unsigned status = 0;
    std::string body;
};

// One keep-alive connection, blocking, TCP_NODELAY, with 10 s socket timeouts (a broken
// daemon fails the benchmark instead of hanging it).
class HttpConnection {
public:
    explicit HttpConnection(std::uint16_t port);
    // Writes raw request bytes: one request, or several pipelined.
    void write(std::string_view bytes);
    // Reads the next answer.
    HttpAnswer read();
    HttpAnswer exchange(std::string_view request) {
        write(request);
        return read();
    }

private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

// A WebSocket client of /api/v1/stream. Blocking; messages are returned as text, with the time
// the read returned (before anything is parsed).
class StreamConnection {
public:
    StreamConnection(std::uint16_t port, const std::string& target);
    struct Message {
        Clock::time_point at;
        std::string text;
    };
    // The next message; an empty text when the stream ended (closed or failed).
    Message read();
    // Closes the TCP connection at once (unblocks a read on another thread).
    void shut_down();

private:
    boost::asio::io_context io_;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
    boost::beast::flat_buffer buffer_;
};

// hallkeeperd with the Local API on a free loopback port, the hall above, and five officers
// ("1001" … "1005", PIN kOfficerPin) who may log in at the counters.
class ApiDaemon {
public:
    static constexpr std::string_view kOfficerPin = "246810";

    // `ui_dir`: the screens' files to serve (api.ui_dir); empty for none.
    explicit ApiDaemon(const std::filesystem::path& ui_dir = {});
    ~ApiDaemon();
    ApiDaemon(const ApiDaemon&) = delete;
    ApiDaemon& operator=(const ApiDaemon&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] const std::filesystem::path& dir() const { return harness_.dir(); }
    [[nodiscard]] std::filesystem::path database() const { return harness_.database(); }
    [[nodiscard]] pid_t pid() { return harness_.process().pid(); }

    // Runs hallctl against the daemon; exits the benchmark if it fails.
    std::string hallctl(const std::vector<std::string>& args) const;
    // The officer `id` of the window `window` logged in through the queue (control socket).
    void login(const std::string& window, const std::string& officer) const;

    // Stops the daemon (SIGTERM) and checks that it exits cleanly.
    void stop();

private:
    test::DaemonHarness harness_;
    std::uint16_t port_ = 0;
    bool running_ = false;
};

// Whether the daemon serves the counter (POST /api/v1/sessions and /api/v1/counter/…): a route
// that does not exist answers 404 not_found.
[[nodiscard]] bool has_counter_routes(std::uint16_t port);

// Logs officer 100N in at window N through POST /api/v1/sessions; returns the session token.
[[nodiscard]] std::string open_session(HttpConnection& connection, int window);

// The physical floor of a durable queue operation on this disk: the daemon's own table (the
// store's migrations applied to a second database in the same directory, opened the same way,
// so with the same pragmas), one row of the given payload per `Durability::critical`
// transaction, as the queue commits each operation's events.
class CommitFloor {
public:
    CommitFloor(const std::filesystem::path& file, std::string type, std::string payload);
    // Rows with relaxed commits, not timed: brings the WAL to its steady size first (a WAL that
    // still grows costs a metadata update at every synced commit).
    void prefill(int rows);
    // One durable commit of one row; returns its time in ms.
    double commit();

private:
    store::Database db_;
    std::string type_;
    std::string payload_;
    std::int64_t seq_ = 0;
};

// The daemon database's count of events and the payload of its latest event of `type`, read
// with a second connection while the daemon runs.
struct LogSample {
    std::int64_t events = 0;
    std::string payload;
};
[[nodiscard]] LogSample sample_log(const std::filesystem::path& database, std::string_view type);

// The daemon's resident memory (VmRSS), in MiB.
[[nodiscard]] double resident_mib(pid_t pid);

}  // namespace hk::bench

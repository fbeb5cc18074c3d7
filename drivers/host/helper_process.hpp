// Runs a driver's helper process — a small program wrapping a closed vendor SDK — under
// supervision, so that an SDK that blocks or crashes cannot stop the daemon (docs/drivers.md,
// "Drivers in a helper process"). The helper gets one end of a socketpair as fd 3 (also named
// in HK_IPC_FD) and talks IPC frames (protocols/ipc/frame.hpp) over it. The supervisor matches
// replies to requests by id with a deadline each, watches the child through a pidfd on the
// loop, and when the helper dies or stops answering it fails what is outstanding, reports the
// device offline (driver_crashed or timeout), kills a hung helper and restarts it with
// exponential backoff.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/types.h>

#include "drivers/sdk/health.hpp"
#include "drivers/transport/transport.hpp"
#include "protocols/ipc/frame.hpp"

namespace hk::drivers::host {

// The fd number the helper finds its socket on, and the variable that names it.
inline constexpr int kHelperFd = 3;
inline constexpr std::string_view kHelperFdVariable = "HK_IPC_FD";

struct HelperOptions {
    std::vector<std::string> argv;  // argv[0]: the helper executable's path
    std::vector<std::string> env;   // "NAME=value", added to the daemon's environment
    std::chrono::milliseconds request_timeout{2000};  // default deadline of request()
    std::chrono::milliseconds first_restart{100};     // backoff of restarts
    std::chrono::milliseconds max_restart{5000};
    std::chrono::milliseconds stable_after{10000};  // a helper that ran this long restarts fast
    std::chrono::milliseconds stop_grace{2000};     // SIGTERM, then SIGKILL after this
    std::size_t max_payload = proto::ipc::kMaxPayload;
};

enum class HelperError : std::uint8_t {
    timeout,      // no reply before the deadline (the helper is then killed and restarted)
    helper_down,  // the helper died while the request waited, or was not running
    cancelled,    // stop() was called (or request() before start())
    failed,       // the helper answered with an error frame (detail: its payload)
    too_big,      // the request is larger than max_payload
};
[[nodiscard]] std::string_view to_string(HelperError error);

struct HelperFailure {
    HelperError error = HelperError::helper_down;
    std::string detail;
    friend bool operator==(const HelperFailure&, const HelperFailure&) = default;
};

struct HelperHandlers {
    std::function<void(std::string_view payload)> on_event;  // unsolicited frames
    std::function<void()> on_up;                             // the helper said hello
    std::function<void(std::string_view fault, std::string_view detail)> on_down;
};

// Created shared so that completions can tell it is gone; destroying it kills (SIGKILL) and
// reaps a helper still running and drops pending handlers uncalled. Call it on the loop only.
//
// It never blocks the loop: a helper is always reaped once its pidfd says it has exited, with
// waitpid(WNOHANG). The one exception is the destructor (see there).
class HelperProcess : public std::enable_shared_from_this<HelperProcess> {
public:
    using RequestHandler = std::function<void(std::expected<std::string, HelperFailure>)>;

    // Reports health to `tracker` if given (the driver's own), else to a tracker of its own.
    [[nodiscard]] static std::shared_ptr<HelperProcess> create(boost::asio::io_context& io,
                                                               HelperOptions options,
                                                               HealthTracker* tracker = nullptr);
    HelperProcess(const HelperProcess&) = delete;
    HelperProcess& operator=(const HelperProcess&) = delete;
    // Kills (SIGKILL) a helper still running and waits for it: the one blocking wait, since
    // nothing can wait on the loop for an object that is gone, and an unreaped child would stay
    // a zombie for the daemon's lifetime. SIGKILL cannot be caught or ignored, so the wait is
    // only the kernel's teardown of the process. Stop first (stop()) to avoid even that.
    ~HelperProcess();

    // Starts the helper (health: probing; online once it says hello) and keeps it running
    // until stop(). A helper of an earlier run still stopping is killed (SIGKILL) first; the new
    // one is started once the old one's exit has been seen on the loop.
    void start(HelperHandlers handlers = {});
    // Fails outstanding requests with `cancelled`, stops restarting, sends the helper SIGTERM
    // and SIGKILL after stop_grace; `done` runs once it has exited and been reaped.
    void stop(std::function<void()> done = {});

    // Sends `payload` and completes with the helper's reply or a failure after `timeout`
    // (default: options.request_timeout). Requests may overlap; each has its own deadline.
    void request(std::string payload, RequestHandler done,
                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    [[nodiscard]] bool is_up() const { return up_; }
    // The running helper's pid, or -1.
    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] HealthTracker& health() { return *health_; }
    [[nodiscard]] const HealthTracker& health() const { return *health_; }

private:
    struct Pending {
        RequestHandler done;
        std::unique_ptr<boost::asio::steady_timer> timer;
    };

    HelperProcess(boost::asio::io_context& io, HelperOptions options, HealthTracker* tracker);

    void spawn();
    void read_loop();
    void watch_exit();
    void on_exit();
    void on_frame(proto::ipc::Frame frame);
    void write_next();
    void on_timeout(std::uint32_t id);
    // The helper is lost: fail requests, report, and kill it if it still runs; the restart
    // follows its exit.
    void lose(std::string_view fault, std::string_view detail);
    void schedule_restart();
    void fail_all(HelperError error, std::string_view detail);
    void close_channel();
    // Runs (posted) the done handlers of stop() calls.
    void finish_stop();
    void set_health(DeviceState state, std::string_view fault, std::string_view detail);

    boost::asio::io_context& io_;
    HelperOptions options_;
    HealthTracker own_health_;
    HealthTracker* health_;
    HelperHandlers handlers_;
    transport::Backoff backoff_;
    boost::asio::steady_timer restart_timer_;
    boost::asio::steady_timer grace_timer_;
    boost::asio::local::stream_protocol::socket socket_;
    boost::asio::posix::stream_descriptor pidfd_;

    bool running_ = false;
    bool up_ = false;
    bool lost_ = false;  // this helper failed; waiting for its exit
    bool started_once_ = false;
    bool replacing_ = false;  // start() killed the last run's helper; its exit spawns the next
    pid_t pid_ = -1;
    std::chrono::steady_clock::time_point spawned_at_;
    std::uint64_t session_ = 0;  // bumped on every spawn and close; stale completions dropped
    std::vector<std::function<void()>> stop_waiters_;  // done handlers of stop()

    proto::ipc::FrameDecoder decoder_;
    std::array<char, 8192> read_buffer_{};
    std::deque<std::string> write_queue_;
    bool writing_ = false;

    std::uint32_t next_id_ = 0;
    std::map<std::uint32_t, Pending> pending_;
};

}  // namespace hk::drivers::host

// Helpers for control-socket tests: an event loop on its own thread (so the blocking Client
// can run in the test thread) and raw sockets for speaking or faking the wire protocol.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "daemon/control/server.hpp"

namespace hk::test {

// Long enough never to fire on a healthy run; only bounds a broken one.
inline constexpr std::chrono::milliseconds kPatience{5000};

class LoopThread {
public:
    LoopThread();
    LoopThread(const LoopThread&) = delete;
    LoopThread& operator=(const LoopThread&) = delete;
    ~LoopThread();

    [[nodiscard]] boost::asio::io_context& io() { return io_; }

    // Runs `work` on the loop, waits for it and returns its result (or rethrows). Once the
    // loop is stopped nothing else runs, so `work` runs right here.
    template <class Work>
    auto run(Work work) -> decltype(work()) {
        if (!thread_.joinable()) {
            return work();
        }
        std::packaged_task<decltype(work())()> task(std::move(work));
        auto result = task.get_future();
        boost::asio::post(io_, [&task] { task(); });
        return result.get();
    }

    // Round trips through the loop until `condition` (evaluated on the loop) holds.
    bool eventually(const std::function<bool()>& condition);

    void stop();

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

// A Server on a LoopThread, destroyed on the loop before the loop stops.
class RunningServer {
public:
    explicit RunningServer(control::ServerOptions options);
    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;
    ~RunningServer();

    [[nodiscard]] LoopThread& loop() { return loop_; }
    // Use only on the loop (inside loop().run()).
    [[nodiscard]] control::Server& server() { return *server_; }
    [[nodiscard]] std::size_t connection_count();
    void destroy_server();  // on the loop

private:
    LoopThread loop_;
    std::unique_ptr<control::Server> server_;
};

// A connected unix stream socket speaking raw bytes, with bounded blocking reads.
class RawSocket {
public:
    explicit RawSocket(int fd) : fd_(fd) {}
    RawSocket(RawSocket&& other) noexcept;
    RawSocket& operator=(RawSocket&&) = delete;
    RawSocket(const RawSocket&) = delete;
    ~RawSocket();

    static RawSocket connect(const std::filesystem::path& path);

    void write(std::string_view bytes) const;
    // One line without its "\n"; nullopt on end of stream or after kPatience.
    std::optional<std::string> read_line();
    // True if the peer closes the connection (after any data) within kPatience.
    bool closed_by_peer() const;
    void close();

private:
    int fd_ = -1;
    std::string pending_;
};

// A listening unix socket that is not a hallkeeperd: for faking broken or silent daemons.
class RawListener {
public:
    explicit RawListener(const std::filesystem::path& path);
    RawListener(const RawListener&) = delete;
    RawListener& operator=(const RawListener&) = delete;
    ~RawListener();

    // The next connection; throws if none comes within kPatience.
    RawSocket accept() const;

private:
    int fd_ = -1;
};

// Leaves a socket file at `path` that nobody listens on, as a killed daemon would.
void make_stale_socket(const std::filesystem::path& path);

}  // namespace hk::test

// HelperProcess against a real helper (test_helper.cpp): round trips, a helper killed from
// outside or crashing, a hung helper, health through it all, and a clean stop.
#include "drivers/host/helper_process.hpp"

#include <chrono>
#include <csignal>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <sys/types.h>
#include <sys/wait.h>

using namespace hk::drivers;
using namespace hk::drivers::host;
using namespace std::chrono_literals;

namespace {

using Result = std::expected<std::string, HelperFailure>;

// Runs the loop until `done` holds; the deadline only bounds a broken build.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds deadline = 10s) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    io.restart();
    while (!done()) {
        if (std::chrono::steady_clock::now() >= end) {
            return false;
        }
        io.run_for(10ms);
        io.restart();
    }
    return true;
}

HelperOptions helper_options() {
    HelperOptions options;
    options.argv = {HK_TEST_HELPER};
    options.request_timeout = 3s;
    options.first_restart = 50ms;
    options.max_restart = 400ms;
    options.stop_grace = 300ms;
    return options;
}

// A ticking timer: other work on the loop that must go on while helpers die and restart.
class Ticker {
public:
    explicit Ticker(boost::asio::io_context& io) : timer_(io) { tick(); }
    [[nodiscard]] int ticks() const { return ticks_; }

private:
    void tick() {
        timer_.expires_after(5ms);
        timer_.async_wait([this](const boost::system::error_code& error) {
            if (!error) {
                ++ticks_;
                tick();
            }
        });
    }
    boost::asio::steady_timer timer_;
    int ticks_ = 0;
};

std::optional<Result> ask(boost::asio::io_context& io, HelperProcess& helper, std::string payload,
                          std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    std::optional<Result> result;
    helper.request(
        std::move(payload), [&result](Result r) { result = std::move(r); }, timeout);
    run_until(io, [&] { return result.has_value(); });
    return result;
}

bool is_reaped(pid_t pid) {
    // Our child: waitpid fails with ECHILD once it has been reaped, returns 0 while it runs.
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace

TEST_CASE("a request gets its reply and events are delivered") {
    boost::asio::io_context io;
    auto helper = HelperProcess::create(io, helper_options());
    std::vector<std::string> events;
    int ups = 0;
    helper->start({.on_event = [&](std::string_view e) { events.emplace_back(e); },
                   .on_up = [&] { ++ups; },
                   .on_down = {}});
    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    CHECK(ups == 1);
    CHECK(helper->health().health().state == DeviceState::online);

    CHECK(ask(io, *helper, "ping") == Result("pong"));
    CHECK(ask(io, *helper, "echo:{\"a\":1}") == Result("{\"a\":1}"));
    CHECK(ask(io, *helper, "event:card") == Result("ok"));
    CHECK(events == std::vector<std::string>{"card"});
    const auto failed = ask(io, *helper, "nonsense");
    REQUIRE(failed.has_value());
    REQUIRE_FALSE(failed->has_value());
    CHECK(failed->error().error == HelperError::failed);
    CHECK(failed->error().detail == "unknown request");

    // Overlapping requests are matched by id.
    std::vector<std::string> replies(3);
    int answered = 0;
    for (int i = 0; i < 3; ++i) {
        helper->request("echo:" + std::to_string(i), [&, i](Result r) {
            replies[static_cast<std::size_t>(i)] = r.value_or("?");
            ++answered;
        });
    }
    REQUIRE(run_until(io, [&] { return answered == 3; }));
    CHECK(replies == std::vector<std::string>{"0", "1", "2"});

    bool stopped = false;
    const auto pid = helper->pid();
    helper->stop([&] { stopped = true; });
    REQUIRE(run_until(io, [&] { return stopped; }));
    CHECK(is_reaped(pid));
}

TEST_CASE("a helper killed from outside is restarted while the loop keeps running") {
    boost::asio::io_context io;
    std::vector<DeviceHealth> changes;
    HealthTracker tracker(
        [&](const DeviceHealth& now, const DeviceHealth&) { changes.push_back(now); });
    auto helper = HelperProcess::create(io, helper_options(), &tracker);
    helper->start();
    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    const auto first_pid = helper->pid();

    // A request waiting when the helper dies fails at once, not at its deadline.
    std::optional<Result> waiting;
    helper->request(
        "hang", [&](Result r) { waiting = std::move(r); }, 60s);
    Ticker ticker(io);
    REQUIRE(::kill(first_pid, SIGKILL) == 0);
    REQUIRE(run_until(io, [&] { return waiting.has_value(); }));
    REQUIRE_FALSE(waiting->has_value());
    CHECK(waiting->error().error == HelperError::helper_down);
    REQUIRE(run_until(io, [&] { return tracker.health().state == DeviceState::offline; }));
    CHECK(tracker.health().fault == fault::kCrashed);

    const int ticks_before = ticker.ticks();
    REQUIRE(run_until(io, [&] { return helper->is_up() && helper->pid() != first_pid; }));
    CHECK(ticker.ticks() > ticks_before);
    CHECK(is_reaped(first_pid));
    CHECK(tracker.health().state == DeviceState::online);
    CHECK(tracker.counters().reconnects == 1);
    CHECK(ask(io, *helper, "ping") == Result("pong"));

    // online → offline/driver_crashed → probing → online
    bool crashed_seen = false;
    for (const auto& change : changes) {
        crashed_seen = crashed_seen ||
                       (change.state == DeviceState::offline && change.fault == fault::kCrashed);
    }
    CHECK(crashed_seen);
    CHECK(tracker.health().detail.empty());
}

TEST_CASE("a helper that crashes or exits is restarted each time") {
    boost::asio::io_context io;
    auto options = helper_options();
    options.first_restart = 20ms;
    auto helper = HelperProcess::create(io, options);
    std::vector<std::string> downs;
    helper->start({.on_event = {},
                   .on_up = {},
                   .on_down = [&](std::string_view fault_code, std::string_view) {
                       downs.emplace_back(fault_code);
                   }});
    for (int round = 0; round < 3; ++round) {
        REQUIRE(run_until(io, [&] { return helper->is_up(); }));
        const auto result = ask(io, *helper, round == 1 ? "exit:7" : "crash");
        REQUIRE(result.has_value());
        CHECK(result->error().error == HelperError::helper_down);
    }
    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    CHECK(downs.size() == 3);
    CHECK(helper->health().counters().reconnects == 3);
    CHECK(ask(io, *helper, "ping") == Result("pong"));
}

TEST_CASE("a hung helper trips the request timeout and is killed and restarted") {
    boost::asio::io_context io;
    auto helper = HelperProcess::create(io, helper_options());
    helper->start();
    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    const auto hung_pid = helper->pid();

    const auto result = ask(io, *helper, "hang", 200ms);
    REQUIRE(result.has_value());
    REQUIRE_FALSE(result->has_value());
    CHECK(result->error().error == HelperError::timeout);
    CHECK(helper->health().health().state == DeviceState::offline);
    CHECK(helper->health().health().fault == fault::kTimeout);
    CHECK(helper->health().counters().timeouts == 1);

    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    CHECK(helper->pid() != hung_pid);
    CHECK(is_reaped(hung_pid));
    CHECK(ask(io, *helper, "ping") == Result("pong"));
}

TEST_CASE("stop terminates the helper, with SIGKILL if it ignores SIGTERM") {
    boost::asio::io_context io;
    auto helper = HelperProcess::create(io, helper_options());
    helper->start();
    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    CHECK(ask(io, *helper, "ignore-term") == Result("ok"));
    const auto pid = helper->pid();

    std::optional<Result> waiting;
    helper->request("hang", [&](Result r) { waiting = std::move(r); });
    bool stopped = false;
    helper->stop([&] { stopped = true; });
    REQUIRE(run_until(io, [&] { return stopped && waiting.has_value(); }));
    CHECK(waiting->error().error == HelperError::cancelled);
    CHECK(helper->pid() == -1);
    CHECK(is_reaped(pid));
    CHECK(ask(io, *helper, "ping")->error().error == HelperError::cancelled);
}

TEST_CASE("a helper that cannot be started is retried and reported") {
    boost::asio::io_context io;
    auto options = helper_options();
    options.argv = {"/nonexistent/hallkeeper-helper"};
    auto helper = HelperProcess::create(io, options);
    helper->start();
    REQUIRE(run_until(io, [&] { return helper->health().health().state == DeviceState::offline; }));
    CHECK(helper->health().health().fault == fault::kOpenFailed);
    CHECK(ask(io, *helper, "ping")->error().error == HelperError::helper_down);
    bool stopped = false;
    helper->stop([&] { stopped = true; });
    REQUIRE(run_until(io, [&] { return stopped; }));
}

TEST_CASE("destroying the supervisor kills and reaps its helper") {
    boost::asio::io_context io;
    pid_t pid = -1;
    {
        auto helper = HelperProcess::create(io, helper_options());
        helper->start();
        REQUIRE(run_until(io, [&] { return helper->is_up(); }));
        pid = helper->pid();
    }
    CHECK(is_reaped(pid));
}

TEST_CASE("starting again right after stop replaces the stopping helper") {
    boost::asio::io_context io;
    auto helper = HelperProcess::create(io, helper_options());
    helper->start();
    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    const auto old_pid = helper->pid();
    bool stopped = false;
    helper->stop([&] { stopped = true; });
    Ticker ticker(io);
    helper->start();
    // start() did not wait for the old helper: it is reaped on the loop, once its pidfd says
    // it has exited (until then /proc still lists it, running or a zombie).
    CHECK(std::filesystem::exists("/proc/" + std::to_string(old_pid)));
    CHECK(helper->health().health().state == DeviceState::probing);
    CHECK(ask(io, *helper, "ping")->error().error == HelperError::helper_down);
    REQUIRE(run_until(io, [&] { return stopped && helper->is_up(); }));
    CHECK(ticker.ticks() > 0);
    CHECK(is_reaped(old_pid));
    CHECK(helper->pid() != old_pid);
    CHECK(helper->health().counters().reconnects == 0);
    CHECK(ask(io, *helper, "ping") == Result("pong"));
}

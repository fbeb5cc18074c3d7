// Simulation scenarios: a script of what happens around the simulated devices — a citizen lays
// a card on the reader, scans a code, presses an evaluator key, the paper runs out — played on
// the loop so that the demo and tests exercise every flow without hardware (docs/devices.md).
//
// A scenario is text, one step a line:
//
//     # wait  device        action        arguments
//     2s      id-reader-1   present_card  resident
//     1500ms  id-reader-1   remove_card
//     3s      scanner-1     scan          "A 2026 001"
//
// The wait (a duration as in device parameters: 500ms, 2s, 1min) is counted from the step
// before. An argument with spaces is written in double quotes, with \" and \\ inside. Blank
// lines and lines starting with '#' are comments.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace hk::devices {

struct ScenarioStep {
    std::chrono::milliseconds wait{0};
    std::string device;
    std::string action;
    std::vector<std::string> args;
    std::size_t line = 0;  // 1-based, for messages
    friend bool operator==(const ScenarioStep&, const ScenarioStep&) = default;
};

struct ScenarioError {
    std::size_t line = 0;  // 1-based; 0: the file as a whole
    std::string message;
};
// "line 3: …" (or the message alone for line 0).
[[nodiscard]] std::string to_string(const ScenarioError& error);

inline constexpr std::size_t kMaxScenarioSteps = 10'000;
inline constexpr std::size_t kMaxScenarioLineBytes = 1'000;
inline constexpr std::chrono::milliseconds kMaxScenarioWait{std::chrono::hours(1)};

// Parses a whole scenario. An empty scenario (only comments) is an error: it would do nothing.
[[nodiscard]] std::expected<std::vector<ScenarioStep>, ScenarioError> parse_scenario(
    std::string_view text);

// Plays steps on the loop, each after its wait, once or over and over. `perform` runs a step
// and says what happened or why not; a failed step is reported and the scenario goes on.
class ScenarioRunner {
public:
    using Perform =
        std::function<std::expected<std::string, std::string>(const ScenarioStep& step)>;
    using Report = std::function<void(const ScenarioStep& step,
                                      const std::expected<std::string, std::string>& outcome)>;

    ScenarioRunner(boost::asio::io_context& io, std::vector<ScenarioStep> steps, bool repeat,
                   Perform perform, Report report);
    ~ScenarioRunner();
    ScenarioRunner(const ScenarioRunner&) = delete;
    ScenarioRunner& operator=(const ScenarioRunner&) = delete;

    void start();
    void stop();
    [[nodiscard]] std::size_t steps_done() const { return done_; }
    [[nodiscard]] bool finished() const { return finished_; }

private:
    void arm();

    boost::asio::steady_timer timer_;
    std::vector<ScenarioStep> steps_;
    bool repeat_;
    Perform perform_;
    Report report_;
    std::size_t next_ = 0;
    std::size_t done_ = 0;
    bool running_ = false;
    bool finished_ = false;
};

}  // namespace hk::devices

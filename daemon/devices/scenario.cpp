// Simulation scenarios: see scenario.hpp.
#include "daemon/devices/scenario.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "drivers/sdk/manifest.hpp"

namespace hk::devices {
namespace {

constexpr std::size_t kMaxNameBytes = 64;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

bool is_name(std::string_view word) {
    return !word.empty() && word.size() <= kMaxNameBytes && std::ranges::all_of(word, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// Splits a line into words; a word in double quotes may hold spaces and \" or \\ escapes.
std::expected<std::vector<std::string>, std::string> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && is_space(line[i])) {
            ++i;
        }
        if (i == line.size()) {
            return words;
        }
        std::string word;
        if (line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                const char c = line[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\') {
                    if (i == line.size() || (line[i] != '"' && line[i] != '\\')) {
                        return std::unexpected("only \\\" and \\\\ may be escaped in quotes");
                    }
                    word += line[i++];
                    continue;
                }
                word += c;
            }
            if (!closed) {
                return std::unexpected("a quoted argument is not closed");
            }
            if (i < line.size() && !is_space(line[i])) {
                return std::unexpected("a quoted argument must be followed by a space");
            }
        } else {
            while (i < line.size() && !is_space(line[i])) {
                if (line[i] == '"') {
                    return std::unexpected("a quote may only start an argument");
                }
                word += line[i++];
            }
        }
        if (std::ranges::any_of(word, is_control)) {
            return std::unexpected("control characters are not allowed");
        }
        words.push_back(std::move(word));
    }
}

}  // namespace

std::string to_string(const ScenarioError& error) {
    return error.line == 0 ? error.message : fmt::format("line {}: {}", error.line, error.message);
}

std::expected<std::vector<ScenarioStep>, ScenarioError> parse_scenario(std::string_view text) {
    std::vector<ScenarioStep> steps;
    std::size_t number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++number;
        auto fail = [number](std::string message) {
            return std::unexpected(ScenarioError{number, std::move(message)});
        };
        if (line.size() > kMaxScenarioLineBytes) {
            return fail(fmt::format("longer than {} bytes", kMaxScenarioLineBytes));
        }
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos || line[first] == '#') {
            continue;
        }
        auto words = split_words(line);
        if (!words) {
            return fail(words.error());
        }
        if (words->size() < 3) {
            return fail(
                "expected: WAIT DEVICE ACTION [ARGUMENTS...], e.g. 2s id-reader-1 "
                "present_card");
        }
        auto& w = *words;
        const auto wait = drivers::parse_duration(w[0]);
        if (!wait) {
            return fail(
                fmt::format("'{}' is not a wait: write a whole number and ms, s, min "
                            "or h, e.g. 500ms or 2s",
                            w[0]));
        }
        if (*wait > kMaxScenarioWait) {
            return fail(fmt::format("wait {} is longer than 1h", w[0]));
        }
        if (!is_name(w[1])) {
            return fail(fmt::format("'{}' is not a device id (a-z, 0-9, '_' and '-')", w[1]));
        }
        if (!is_name(w[2])) {
            return fail(fmt::format("'{}' is not an action name (a-z, 0-9, '_')", w[2]));
        }
        if (steps.size() == kMaxScenarioSteps) {
            return fail(fmt::format("more than {} steps", kMaxScenarioSteps));
        }
        steps.push_back(
            ScenarioStep{.wait = *wait,
                         .device = std::move(w[1]),
                         .action = std::move(w[2]),
                         .args = std::vector<std::string>(std::make_move_iterator(w.begin() + 3),
                                                          std::make_move_iterator(w.end())),
                         .line = number});
    }
    if (steps.empty()) {
        return std::unexpected(ScenarioError{0, "the scenario has no steps"});
    }
    return steps;
}

ScenarioRunner::ScenarioRunner(boost::asio::io_context& io, std::vector<ScenarioStep> steps,
                               bool repeat, Perform perform, Report report)
    : timer_(io),
      steps_(std::move(steps)),
      repeat_(repeat),
      perform_(std::move(perform)),
      report_(std::move(report)) {}

ScenarioRunner::~ScenarioRunner() {
    stop();
}

void ScenarioRunner::start() {
    if (running_ || steps_.empty()) {
        return;
    }
    running_ = true;
    finished_ = false;
    next_ = 0;
    arm();
}

void ScenarioRunner::stop() {
    running_ = false;
    timer_.cancel();
}

void ScenarioRunner::arm() {
    if (next_ == steps_.size()) {
        if (!repeat_) {
            running_ = false;
            finished_ = true;
            return;
        }
        next_ = 0;
    }
    timer_.expires_after(steps_[next_].wait);
    timer_.async_wait([this](const boost::system::error_code& error) {
        if (error || !running_) {
            return;
        }
        const auto& step = steps_[next_];
        const auto outcome = perform_(step);
        ++done_;
        if (report_) {
            report_(step, outcome);
        }
        ++next_;
        arm();
    });
}

}  // namespace hk::devices

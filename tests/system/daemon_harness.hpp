// A hallkeeperd under test: its own state directory, control socket and config file in a
// fresh temporary directory, started as the real binary with this harness acting as systemd
// (NOTIFY_SOCKET), so tests wait for READY=1 rather than guessing.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/notify_socket.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::test {

// Upper bound for events a healthy daemon produces in milliseconds; it only limits how long a
// broken build can hang the suite.
inline constexpr std::chrono::seconds kDeadline{20};

struct StartOptions {
    std::vector<std::string> extra_args;
    std::map<std::string, std::string> env;
    std::optional<uid_t> run_as_uid;
    bool use_config_file = true;  // pass --config <dir>/hallkeeper.toml
};

// A hall file of one service ("RE", prefix A) and one window ("1") open around the clock, so a
// test does not depend on the hour it runs at.
inline constexpr const char* kAllDayHall = R"(
[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate"
prefix = "A"

[[windows]]
id = "1"
name = "1号窗口"
serves = ["RE"]
)";

class DaemonHarness {
public:
    DaemonHarness();

    [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }
    [[nodiscard]] std::filesystem::path state_dir() const { return dir_ / "state"; }
    [[nodiscard]] std::filesystem::path socket() const { return dir_ / "hallkeeperd.sock"; }
    [[nodiscard]] std::filesystem::path config_file() const { return dir_ / "hallkeeper.toml"; }
    [[nodiscard]] std::filesystem::path log_file() const { return dir_ / "hallkeeperd.log"; }
    [[nodiscard]] std::filesystem::path database() const { return state_dir() / "hallkeeper.db"; }
    [[nodiscard]] NotifySocket& notify() { return *notify_; }

    // Writes the config file used by start().
    void write_config(std::string_view toml) const;

    // Starts hallkeeperd with --state-dir and --socket pointing into dir() (unless overridden
    // by extra args that come later on the command line).
    Process& start(StartOptions options = {});
    // start() and wait for READY=1; fails the test with the daemon's log otherwise.
    Process& start_ready(StartOptions options = {});
    [[nodiscard]] Process& process() { return *process_; }

    // Stops with SIGTERM and returns the exit code.
    int stop();

    // Runs the real hallctl against this daemon's socket.
    RunResult hallctl(std::vector<std::string> args) const;

    [[nodiscard]] std::string log() const;

private:
    TempDir dir_;
    std::unique_ptr<NotifySocket> notify_;
    std::unique_ptr<Process> process_;
};

// Runs hallkeeperd with the given arguments to completion (for start-up failures).
RunResult run_hallkeeperd(std::vector<std::string> args,
                          std::chrono::milliseconds deadline = kDeadline);

}  // namespace hk::test

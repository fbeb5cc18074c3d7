// Child processes for system tests and benchmarks: start a real binary with a chosen
// environment, capture its output to files, signal it and wait for its exit with a deadline.
// A deadline here only bounds how long a broken build can hang the test run; every wait is
// for an explicit event (an exit, a notification), never a sleep that hopes.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace hk::test {

struct ProcessOptions {
    std::vector<std::string> argv;           // argv[0] is the binary path
    std::map<std::string, std::string> env;  // added to (or replacing) ours
    std::filesystem::path stdout_file;       // empty: /dev/null
    std::filesystem::path stderr_file;       // empty: /dev/null
    std::optional<uid_t> run_as_uid;         // drop privileges (needs root)
};

class Process {
public:
    explicit Process(ProcessOptions options);
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process();  // kills (SIGKILL) and reaps a child still running

    [[nodiscard]] pid_t pid() const { return pid_; }
    void signal(int signal_number) const;

    // Waits for the exit. Returns the exit code (128+N when killed by signal N) or empty if the
    // deadline passed first.
    [[nodiscard]] std::optional<int> wait_exit(std::chrono::milliseconds deadline);
    [[nodiscard]] bool running() const { return !exit_code_.has_value(); }

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::optional<int> exit_code_;
};

// Runs a command to completion and returns its exit code and captured stdout/stderr.
struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};
RunResult run_command(std::vector<std::string> argv,
                      std::chrono::milliseconds deadline = std::chrono::seconds(30),
                      std::map<std::string, std::string> env = {});

[[nodiscard]] std::string read_file(const std::filesystem::path& file);

}  // namespace hk::test

// Process: see process.hpp.
#include "tests/support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace hk::test {
namespace {

int open_output(const std::filesystem::path& file) {
    const char* path = file.empty() ? "/dev/null" : file.c_str();
    return ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> all;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string text(*entry);
        const auto eq = text.find('=');
        if (eq != std::string::npos) {
            all[text.substr(0, eq)] = text.substr(eq + 1);
        }
    }
    for (const auto& [key, value] : extra) {
        all[key] = value;
    }
    std::vector<std::string> out;
    out.reserve(all.size());
    for (const auto& [key, value] : all) {
        std::string entry = key;
        entry += '=';
        entry += value;
        out.push_back(std::move(entry));
    }
    return out;
}

int decode_status(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

}  // namespace

Process::Process(ProcessOptions options) {
    auto env_strings = merged_environment(options.env);
    std::vector<char*> env;
    env.reserve(env_strings.size() + 1);
    for (auto& entry : env_strings) {
        env.push_back(entry.data());
    }
    env.push_back(nullptr);
    std::vector<char*> argv;
    argv.reserve(options.argv.size() + 1);
    for (auto& arg : options.argv) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const int out = open_output(options.stdout_file);
    const int err = open_output(options.stderr_file);
    if (out < 0 || err < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot open output file");
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(err, STDERR_FILENO);
        const int null_in = ::open("/dev/null", O_RDONLY);
        ::dup2(null_in, STDIN_FILENO);
        if (options.run_as_uid) {
            const gid_t gid = *options.run_as_uid;
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 ||
                ::setuid(*options.run_as_uid) != 0) {
                ::_exit(125);
            }
        }
        ::execve(argv[0], argv.data(), env.data());
        ::_exit(127);
    }
    ::close(out);
    ::close(err);
    if (pid_ < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "pidfd_open");
    }
}

Process::~Process() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        (void)wait_exit(std::chrono::seconds(10));
    }
    if (pidfd_ >= 0) {
        ::close(pidfd_);
    }
}

void Process::signal(int signal_number) const {
    if (!exit_code_) {
        ::kill(pid_, signal_number);
    }
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds deadline) {
    if (exit_code_) {
        return exit_code_;
    }
    pollfd fd{pidfd_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(deadline.count()));
    if (ready <= 0) {
        return std::nullopt;
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) {
        exit_code_ = decode_status(status);
    }
    return exit_code_;
}

RunResult run_command(std::vector<std::string> argv, std::chrono::milliseconds deadline,
                      std::map<std::string, std::string> env) {
    TempDir dir("hk-run");
    ProcessOptions options{.argv = std::move(argv),
                           .env = std::move(env),
                           .stdout_file = dir / "stdout",
                           .stderr_file = dir / "stderr",
                           .run_as_uid = std::nullopt};
    Process process(options);
    RunResult result;
    const auto code = process.wait_exit(deadline);
    if (!code) {
        throw std::runtime_error("command did not finish in time: " + options.argv[0]);
    }
    result.exit_code = *code;
    result.out = read_file(dir / "stdout");
    result.err = read_file(dir / "stderr");
    return result;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace hk::test

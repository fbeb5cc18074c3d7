// DaemonHarness: see daemon_harness.hpp.
#include "tests/system/daemon_harness.hpp"

#include <csignal>
#include <stdexcept>

namespace hk::test {

DaemonHarness::DaemonHarness()
    : dir_("hk-sys"), notify_(std::make_unique<NotifySocket>(dir_ / "notify")) {}

void DaemonHarness::write_config(std::string_view toml) const {
    write_file(config_file(), toml);
}

Process& DaemonHarness::start(StartOptions options) {
    std::vector<std::string> argv{HK_HALLKEEPERD_BIN};
    if (options.use_config_file) {
        if (!std::filesystem::exists(config_file())) {
            write_config("[node]\nid = \"test-node\"\nhall = \"test-hall\"\n");
        }
        argv.insert(argv.end(), {"--config", config_file().string()});
    }
    argv.insert(argv.end(), {"--state-dir", state_dir().string(), "--socket", socket().string()});
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
    auto env = options.env;
    env["NOTIFY_SOCKET"] = notify_->path().string();
    env.erase("JOURNAL_STREAM");
    process_ = std::make_unique<Process>(ProcessOptions{.argv = std::move(argv),
                                                        .env = std::move(env),
                                                        .stdout_file = {},
                                                        .stderr_file = log_file(),
                                                        .run_as_uid = options.run_as_uid});
    return *process_;
}

Process& DaemonHarness::start_ready(StartOptions options) {
    auto& process = start(std::move(options));
    if (!notify_->wait_for("READY=1", kDeadline)) {
        throw std::runtime_error("hallkeeperd did not become ready; its log:\n" + log());
    }
    return process;
}

int DaemonHarness::stop() {
    process_->signal(SIGTERM);
    const auto code = process_->wait_exit(kDeadline);
    if (!code) {
        throw std::runtime_error("hallkeeperd did not stop on SIGTERM; its log:\n" + log());
    }
    return *code;
}

RunResult DaemonHarness::hallctl(std::vector<std::string> args) const {
    std::vector<std::string> argv{HK_HALLCTL_BIN, "--socket", socket().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(std::move(argv), kDeadline);
}

std::string DaemonHarness::log() const {
    return read_file(log_file());
}

RunResult run_hallkeeperd(std::vector<std::string> args, std::chrono::milliseconds deadline) {
    args.insert(args.begin(), HK_HALLKEEPERD_BIN);
    return run_command(std::move(args), deadline, {{"NOTIFY_SOCKET", ""}});
}

}  // namespace hk::test

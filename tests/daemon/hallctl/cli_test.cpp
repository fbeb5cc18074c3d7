// Runs the built hallctl binary against an in-test server (or fake daemons) and checks its
// output and exit codes.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "daemon/control/server.hpp"
#include "daemon/hallctl/commands.hpp"
#include "tests/daemon/control/control_test_support.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace {

using namespace hk::control;
using hk::test::RawListener;
using hk::test::RunningServer;
using hk::test::TempDir;
using nlohmann::json;

struct Run {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs hallctl with `args`; stdout and stderr go to files in `dir`. `socket_env`, if not
// empty, is passed as HALLKEEPER_SOCKET (which is otherwise removed from the environment).
Run hallctl(const TempDir& dir, const std::vector<std::string>& args,
            const std::string& socket_env = {}) {
    std::vector<std::string> storage{HK_HALLCTL_PATH};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(storage.size() + 1);
    for (auto& arg : storage) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (!std::string_view(*entry).starts_with("HALLKEEPER_SOCKET=")) {
            environment.emplace_back(*entry);
        }
    }
    if (!socket_env.empty()) {
        environment.push_back("HALLKEEPER_SOCKET=" + socket_env);
    }
    std::vector<char*> envp;
    envp.reserve(environment.size() + 1);
    for (auto& entry : environment) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    const auto out_file = dir / "stdout";
    const auto err_file = dir / "stderr";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(spawned == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return Run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(out_file),
               read_all(err_file)};
}

json status_result() {
    return json{{"version", "0.1.0"},
                {"node", {{"id", "demo-hall-ctl"}, {"hall", "demo-hall"}, {"role", "controller"}}},
                {"pid", 4242},
                {"started_at_ms", 1700000000000},
                {"uptime_ms", 192000},
                {"state_dir", "/var/lib/hallkeeper"},
                {"store",
                 {{"path", "/var/lib/hallkeeper/hallkeeper.db"},
                  {"size_bytes", 98304},
                  {"schema_version", 2}}},
                {"previous_run", nullptr},
                {"config", {{"source", "embedded defaults"}}}};
}

// A daemon stand-in answering "status" like hallkeeperd does.
class FakeDaemon {
public:
    explicit FakeDaemon(const std::filesystem::path& socket) : running_(options_for(socket)) {
        running_.loop().run([this] {
            running_.server().add_command(
                "status", "Status of this node",
                Server::SyncHandler([](const json&) -> Outcome { return status_result(); }));
        });
    }

private:
    static ServerOptions options_for(const std::filesystem::path& socket) {
        ServerOptions options;
        options.socket = socket;
        return options;
    }
    RunningServer running_;
};

}  // namespace

TEST_CASE("hallctl status prints the daemon's status for people") {
    TempDir dir;
    FakeDaemon daemon(dir / "hk.sock");
    const auto run = hallctl(dir, {"--socket", (dir / "hk.sock").string(), "status"});
    CHECK(run.exit_code == hk::hallctl::kExitOk);
    CHECK(run.out ==
          "hallkeeperd 0.1.0 \u2014 node demo-hall-ctl (controller) in hall demo-hall\n"
          "pid        4242\n"
          "uptime     3m 12s\n"
          "state      /var/lib/hallkeeper\n"
          "store      /var/lib/hallkeeper/hallkeeper.db, 96.0 KiB, schema 2\n"
          "last stop  none (first run)\n"
          "config     embedded defaults\n");
    CHECK(run.err.empty());
}

TEST_CASE("hallctl --json status prints the result as one line of JSON") {
    TempDir dir;
    FakeDaemon daemon(dir / "hk.sock");
    const auto run = hallctl(dir, {"--json", "--socket", (dir / "hk.sock").string(), "status"});
    CHECK(run.exit_code == hk::hallctl::kExitOk);
    CHECK(run.out == status_result().dump() + "\n");
}

TEST_CASE("hallctl accepts --json and global options after the command") {
    TempDir dir;
    FakeDaemon daemon(dir / "hk.sock");
    const auto run = hallctl(dir, {"status", "--json", "--socket", (dir / "hk.sock").string()});
    CHECK(run.exit_code == hk::hallctl::kExitOk);
    CHECK(json::parse(run.out) == status_result());
}

TEST_CASE("hallctl takes the socket from HALLKEEPER_SOCKET") {
    TempDir dir;
    FakeDaemon daemon(dir / "hk.sock");
    const auto run = hallctl(dir, {"--json", "status"}, (dir / "hk.sock").string());
    CHECK(run.exit_code == hk::hallctl::kExitOk);
}

TEST_CASE("hallctl commands lists the daemon's commands") {
    TempDir dir;
    FakeDaemon daemon(dir / "hk.sock");
    const auto run = hallctl(dir, {"--socket", (dir / "hk.sock").string(), "commands"});
    CHECK(run.exit_code == hk::hallctl::kExitOk);
    CHECK(run.out ==
          "help    List the commands of this daemon\n"
          "status  Status of this node\n");
}

TEST_CASE("hallctl exits 69 with one line on stderr when no daemon runs") {
    TempDir dir;
    const auto run = hallctl(dir, {"--socket", (dir / "hk.sock").string(), "status"});
    CHECK(run.exit_code == hk::hallctl::kExitUnreachable);
    CHECK(run.out.empty());
    CHECK(run.err == "hallctl: no hallkeeperd at " + (dir / "hk.sock").string() +
                         ": is it running? (systemctl status hallkeeperd)\n");
}

TEST_CASE("hallctl --json also prints errors as JSON on stdout") {
    TempDir dir;
    const auto run = hallctl(dir, {"--socket", (dir / "hk.sock").string(), "status", "--json"});
    CHECK(run.exit_code == hk::hallctl::kExitUnreachable);
    const auto printed = json::parse(run.out);
    CHECK(printed["error"]["code"] == "unreachable");
    CHECK_THAT(printed["error"]["message"].get<std::string>(), Catch::Contains("no hallkeeperd"));
}

TEST_CASE("hallctl exits 64 on a usage error and prints the parser's message") {
    TempDir dir;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {}, {"status", "--bogus"}, {"frobnicate"}, {"--timeout", "0", "status"}}) {
        const auto run = hallctl(dir, args);
        CHECK(run.exit_code == hk::hallctl::kExitUsage);
        CHECK_THAT(run.err, Catch::StartsWith("hallctl: "));
        CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    }
}

TEST_CASE("hallctl --version prints the version and exits 0") {
    TempDir dir;
    const auto run = hallctl(dir, {"--version"});
    CHECK(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::StartsWith("hallctl 0.1.0"));
}

TEST_CASE("hallctl exits 1 when the daemon answers with an error") {
    TempDir dir;
    RunningServer running([&] {
        ServerOptions options;
        options.socket = dir / "hk.sock";
        return options;
    }());
    const auto run = hallctl(dir, {"--socket", (dir / "hk.sock").string(), "status"});
    CHECK(run.exit_code == hk::hallctl::kExitCommandFailed);
    CHECK_THAT(run.err, Catch::Contains("(unknown_command)"));
}

TEST_CASE("hallctl exits 75 when the daemon does not answer in time") {
    TempDir dir;
    RawListener silent(dir / "hk.sock");
    const auto run =
        hallctl(dir, {"--socket", (dir / "hk.sock").string(), "--timeout", "50", "status"});
    CHECK(run.exit_code == hk::hallctl::kExitTimeout);
}

TEST_CASE("hallctl exits 76 when the answer is not the protocol") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    const auto socket = (dir / "hk.sock").string();
    std::string fake_failure;
    std::thread fake([&daemon, &fake_failure] {
        try {
            daemon.accept().write("garbage\n");
        } catch (const std::exception& e) {
            // hallctl never connected: the exit-code check below reports it, with this reason.
            fake_failure = e.what();
        }
    });
    const auto run = hallctl(dir, {"--socket", socket, "status"});
    fake.join();
    INFO("fake daemon: " << (fake_failure.empty() ? "answered" : fake_failure));
    CHECK(run.exit_code == hk::hallctl::kExitProtocol);
    CHECK_THAT(run.err, Catch::Contains("invalid response"));
}

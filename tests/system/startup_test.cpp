// hallkeeperd start-up as an operator meets it: the real binary, real files, real sockets.
// Every refusal to start is one clear line and a distinct exit code (docs/operations.md).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/store/database.hpp"
#include "daemon/store/migrations.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using hk::test::run_hallkeeperd;
using hk::test::write_file;

namespace {

constexpr int kExitUsage = 64;
constexpr int kExitCorruptStore = 65;
constexpr int kExitCannotWriteState = 73;
constexpr int kExitAlreadyRunning = 75;
constexpr int kExitConfig = 78;
constexpr int kExitStoreTooNew = 79;

// Starts a daemon that is expected to refuse, and returns its exit code and log.
hk::test::RunResult start_expecting_failure(DaemonHarness& hall,
                                            hk::test::StartOptions options = {}) {
    auto& process = hall.start(std::move(options));
    const auto code = process.wait_exit(hk::test::kDeadline);
    REQUIRE(code.has_value());
    return {*code, "", hall.log()};
}

}  // namespace

TEST_CASE("the version option prints the version and exits 0") {
    const auto result = run_hallkeeperd({"--version"});
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::StartsWith("hallkeeperd 0."));
}

TEST_CASE("an unknown option is a usage error with exit code 64") {
    const auto result = run_hallkeeperd({"--no-such-option"});
    CHECK(result.exit_code == kExitUsage);
    CHECK_THAT(result.err, Catch::Contains("--no-such-option"));
}

TEST_CASE("the daemon starts on the embedded default and answers hallctl status") {
    DaemonHarness hall;
    hall.start_ready({.use_config_file = false});

    const auto human = hall.hallctl({"status"});
    CHECK(human.exit_code == 0);
    CHECK_THAT(human.out, Catch::Contains("controller"));
    CHECK_THAT(human.out, Catch::Contains(hall.state_dir().string()));

    const auto machine = hall.hallctl({"--json", "status"});
    REQUIRE(machine.exit_code == 0);
    const auto status = nlohmann::json::parse(machine.out);
    CHECK(status["node"]["role"] == "controller");
    CHECK(status["pid"] == hall.process().pid());
    CHECK(status["store"]["schema_version"] == hk::store::latest_schema_version());
    CHECK(status["store"]["size_bytes"].get<std::int64_t>() > 0);
    CHECK(status["config"]["source"] == "<embedded default>");
    CHECK(status["previous_run"].is_null());

    CHECK(hall.stop() == 0);
}

TEST_CASE("a missing state directory is created") {
    DaemonHarness hall;
    REQUIRE_FALSE(std::filesystem::exists(hall.state_dir()));
    hall.start_ready();
    CHECK(std::filesystem::is_directory(hall.state_dir()));
    CHECK(std::filesystem::exists(hall.database()));
    CHECK(hall.stop() == 0);
}

TEST_CASE("the control socket is created with mode 0660") {
    DaemonHarness hall;
    hall.start_ready();
    struct stat st {};
    REQUIRE(::stat(hall.socket().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0660);
    CHECK(hall.stop() == 0);
    CHECK_FALSE(std::filesystem::exists(hall.socket()));
}

TEST_CASE("check-config accepts a valid file and exits 0") {
    hk::test::TempDir dir;
    write_file(dir / "ok.toml", "[node]\nid = \"kiosk-1\"\nrole = \"terminal\"\n");
    const auto result = run_hallkeeperd({"--check-config", (dir / "ok.toml").string()});
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Contains("valid"));
}

TEST_CASE("bad configs are refused with exit code 78 and the file, line and key") {
    struct Case {
        const char* what;
        const char* toml;
        const char* expected;  // part of the error line
    };
    const Case cases[] = {
        {"syntax error", "[node]\nid = \"a\n", "hallkeeper.toml:2:"},
        {"unknown key", "[node]\nrool = \"controller\"\n", "node.rool"},
        {"wrong type", "[runtime]\nworkers = \"two\"\n", "runtime.workers"},
        {"value out of range", "[runtime]\nworkers = 99\n", "runtime.workers"},
        {"value not allowed", "[node]\nrole = \"contoller\"\n", "node.role"},
        {"relative path", "[state]\ndir = \"state\"\n", "state.dir"},
    };
    for (const auto& c : cases) {
        SECTION(c.what) {
            DaemonHarness hall;
            hall.write_config(c.toml);
            const auto result = start_expecting_failure(hall);
            CHECK(result.exit_code == kExitConfig);
            CHECK_THAT(result.err, Catch::Contains(c.expected));
            CHECK_FALSE(std::filesystem::exists(hall.state_dir()));  // nothing was touched

            const auto check = run_hallkeeperd({"--check-config", hall.config_file().string()});
            CHECK(check.exit_code == kExitConfig);
            CHECK_THAT(check.err, Catch::Contains(c.expected));
        }
    }
}

TEST_CASE("a missing config file is refused with exit code 78 naming the file") {
    DaemonHarness hall;
    const auto missing = (hall.dir() / "nowhere.toml").string();
    const auto result = start_expecting_failure(
        hall, {.extra_args = {"--config", missing}, .use_config_file = false});
    CHECK(result.exit_code == kExitConfig);
    CHECK_THAT(result.err, Catch::Contains("nowhere.toml"));
}

TEST_CASE("a state directory that cannot be created is refused with exit code 73") {
    DaemonHarness hall;
    write_file(hall.dir() / "file", "not a directory");
    const auto result = start_expecting_failure(
        hall, {.extra_args = {"--state-dir", (hall.dir() / "file" / "state").string()}});
    CHECK(result.exit_code == kExitCannotWriteState);
    CHECK_THAT(result.err, Catch::Contains("file/state"));
}

TEST_CASE("a state directory the daemon's user cannot write is refused with exit code 73") {
    DaemonHarness hall;
    std::filesystem::create_directories(hall.state_dir());
    hk::test::StartOptions options;
    if (::geteuid() == 0) {
        // root writes anywhere; run the daemon as 'nobody' against a root-owned directory.
        std::filesystem::permissions(hall.dir(), std::filesystem::perms(0755));
        std::filesystem::permissions(hall.state_dir(), std::filesystem::perms(0755));
        options.run_as_uid = 65534;
    } else {
        std::filesystem::permissions(hall.state_dir(), std::filesystem::perms(0555));
    }
    const auto result = start_expecting_failure(hall, options);
    CHECK(result.exit_code == kExitCannotWriteState);
    CHECK_THAT(result.err, Catch::Contains(hall.state_dir().string()));
}

TEST_CASE("a second daemon on the same state directory is refused with exit code 75") {
    DaemonHarness first;
    first.start_ready();

    DaemonHarness second;
    const auto result = start_expecting_failure(
        second, {.extra_args = {"--state-dir", first.state_dir().string()}});
    CHECK(result.exit_code == kExitAlreadyRunning);
    CHECK_THAT(result.err, Catch::Contains(std::to_string(first.process().pid())));

    // The first one is unaffected.
    CHECK(first.hallctl({"status"}).exit_code == 0);
    CHECK(first.stop() == 0);
}

TEST_CASE("a second daemon on the same control socket is refused with exit code 75") {
    DaemonHarness first;
    first.start_ready();

    DaemonHarness second;
    const auto result =
        start_expecting_failure(second, {.extra_args = {"--socket", first.socket().string()}});
    CHECK(result.exit_code == kExitAlreadyRunning);
    CHECK(first.hallctl({"status"}).exit_code == 0);
    CHECK(first.stop() == 0);
}

TEST_CASE("a corrupt database is refused with exit code 65 naming the file") {
    DaemonHarness hall;
    write_file(hall.database(), std::string(8192, 'x'));
    const auto result = start_expecting_failure(hall);
    CHECK(result.exit_code == kExitCorruptStore);
    CHECK_THAT(result.err, Catch::Contains(hall.database().string()));
    CHECK_THAT(result.err, Catch::Contains("corrupt"));
}

TEST_CASE("a database written by a newer hallkeeperd is refused with exit code 79") {
    DaemonHarness hall;
    hall.start_ready();
    REQUIRE(hall.stop() == 0);
    {
        auto db = hk::store::Database::open(hall.database());
        REQUIRE(db.has_value());
        REQUIRE(db->exec("INSERT INTO schema_version(version, name, applied_at_ms) "
                         "VALUES (999, 'from_the_future', 0)")
                    .has_value());
    }
    const auto result = start_expecting_failure(hall);
    CHECK(result.exit_code == kExitStoreTooNew);
    CHECK_THAT(result.err, Catch::Contains("999"));
}

TEST_CASE("a database from every earlier schema version is migrated at start-up") {
    for (int version = 0; version < hk::store::latest_schema_version(); ++version) {
        DYNAMIC_SECTION("from schema version " << version) {
            DaemonHarness hall;
            std::filesystem::create_directories(hall.state_dir());
            {
                auto db = hk::store::Database::open(hall.database());
                REQUIRE(db.has_value());
                REQUIRE(hk::store::migrate(*db, version).has_value());
            }
            hall.start_ready();
            const auto machine = hall.hallctl({"--json", "status"});
            REQUIRE(machine.exit_code == 0);
            CHECK(nlohmann::json::parse(machine.out)["store"]["schema_version"] ==
                  hk::store::latest_schema_version());
            CHECK(hall.stop() == 0);
        }
    }
}

// Tests of the state directory: creation, the writability check and the single-daemon lock.
#include "daemon/store/state_dir.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/daemon/store/store_test_util.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using hk::store::Errc;
using hk::store::StateDir;
using hk::test::error_of;
using hk::test::ok;
using hk::test::TempDir;

namespace {

// Exit codes of the children below: 0 success, kErrcBase + Errc on a store error.
constexpr int kErrcBase = 10;
constexpr int kSetupFailed = 100;

std::string read_text(const fs::path& file) {
    std::ifstream in(file);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("StateDir: acquire creates the directory and its missing parents") {
    TempDir tmp;
    const fs::path dir = tmp / "var/lib/hallkeeper";

    auto state = ok(StateDir::acquire(dir));

    CHECK(fs::is_directory(dir));
    CHECK(state.path() == dir);
    CHECK(state.database_path() == dir / "hallkeeper.db");
    // 0750 less whatever the umask removes: never more than 0750.
    const auto perms = fs::status(dir).permissions();
    CHECK((perms & (fs::perms::group_write | fs::perms::others_all)) == fs::perms::none);
    CHECK((perms & fs::perms::owner_all) == fs::perms::owner_all);
}

TEST_CASE("StateDir: acquire writes the holder's pid into the lock file") {
    TempDir tmp;

    auto state = ok(StateDir::acquire(tmp / "state"));

    CHECK(read_text(tmp / "state/hallkeeperd.lock") == std::to_string(::getpid()) + "\n");
}

TEST_CASE("StateDir: acquire leaves nothing but the lock file in a new directory") {
    TempDir tmp;

    auto state = ok(StateDir::acquire(tmp / "state"));

    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(tmp / "state")) {
        names.push_back(entry.path().filename().string());
    }
    CHECK(names == std::vector<std::string>{"hallkeeperd.lock"});
}

TEST_CASE("StateDir: acquire fails with cannot_create when a parent is a regular file") {
    TempDir tmp;
    hk::test::write_file(tmp / "var", "not a directory");

    const auto error = error_of(StateDir::acquire(tmp / "var/lib/hallkeeper"));

    CHECK(error.code == Errc::cannot_create);
    CHECK_THAT(error.message,
               Catch::Contains((tmp / "var").string()) && Catch::Contains("not a directory"));
}

TEST_CASE("StateDir: acquire fails with cannot_create when the path is a regular file") {
    TempDir tmp;
    hk::test::write_file(tmp / "state", "not a directory");

    const auto error = error_of(StateDir::acquire(tmp / "state"));

    CHECK(error.code == Errc::cannot_create);
}

TEST_CASE("StateDir: acquire fails with not_writable on a directory this user cannot write") {
    TempDir tmp;
    // The child runs as nobody when the tests run as root (root ignores permission bits), so
    // everything above the state directory must be searchable by others.
    fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read |
                                    fs::perms::others_exec);
    const fs::path dir = tmp / "state";
    fs::create_directory(dir);
    fs::permissions(dir, ::geteuid() == 0 ? fs::perms(0755) : fs::perms(0555));

    const auto outcome = hk::test::run_in_child([&](std::string& out) {
        if (!hk::test::drop_root_privileges()) {
            out = "cannot become uid 65534";
            return kSetupFailed;
        }
        auto state = StateDir::acquire(dir);
        if (state) {
            return 0;
        }
        out = state.error().message;
        return kErrcBase + static_cast<int>(state.error().code);
    });

    INFO(outcome.output);
    CHECK(outcome.exit_code == kErrcBase + static_cast<int>(Errc::not_writable));
    CHECK_THAT(outcome.output, Catch::Contains(dir.string()));
}

TEST_CASE("StateDir: a second acquire of a held directory fails with locked, naming the pid") {
    TempDir tmp;
    auto held = ok(StateDir::acquire(tmp / "state"));

    // From another process, as a second daemon would.
    const auto outcome = hk::test::run_in_child([&](std::string& out) {
        auto state = StateDir::acquire(tmp / "state");
        if (state) {
            return 0;
        }
        out = state.error().message;
        return kErrcBase + static_cast<int>(state.error().code);
    });

    INFO(outcome.output);
    CHECK(outcome.exit_code == kErrcBase + static_cast<int>(Errc::locked));
    CHECK_THAT(outcome.output, Catch::Contains("pid " + std::to_string(::getpid())));
}

TEST_CASE("StateDir: a second acquire in the same process fails with locked") {
    TempDir tmp;
    auto held = ok(StateDir::acquire(tmp / "state"));

    const auto error = error_of(StateDir::acquire(tmp / "state"));

    CHECK(error.code == Errc::locked);
    CHECK_THAT(error.message, Catch::Contains("pid " + std::to_string(::getpid())) &&
                                  Catch::Contains((tmp / "state").string()));
}

TEST_CASE("StateDir: the lock is released when the StateDir is destroyed") {
    TempDir tmp;
    std::optional<StateDir> held(ok(StateDir::acquire(tmp / "state")));

    held.reset();

    CHECK(StateDir::acquire(tmp / "state").has_value());
}

TEST_CASE("StateDir: the lock moves with the StateDir") {
    TempDir tmp;
    auto first = ok(StateDir::acquire(tmp / "state"));

    std::optional<StateDir> moved(std::move(first));

    CHECK(error_of(StateDir::acquire(tmp / "state")).code == Errc::locked);
    moved.reset();
    CHECK(StateDir::acquire(tmp / "state").has_value());
}

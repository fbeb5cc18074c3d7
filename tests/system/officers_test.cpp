// Officers through the real daemon and hallctl: set with the PIN on standard input, listed
// without it, the PIN stored only as a hash, removed.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/store/database.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using nlohmann::json;

TEST_CASE("officers are managed with hallctl and their PIN is kept only as a hash") {
    DaemonHarness hall;
    hall.write_config("[node]\nid = \"officers-node\"\n");
    hall.start_ready();

    const auto set =
        hk::test::run_command({"/bin/sh", "-c",
                               "echo 246810 | " + std::string(HK_HALLCTL_BIN) + " --socket " +
                                   hall.socket().string() + " officers set 1024 --name 王芳"});
    CHECK(set.exit_code == 0);
    CHECK(set.out == "officer 1024 set: 王芳\n");

    const auto bad_pin =
        hk::test::run_command({"/bin/sh", "-c",
                               "echo 12ab | " + std::string(HK_HALLCTL_BIN) + " --socket " +
                                   hall.socket().string() + " officers set 2048 --name 李雷"});
    CHECK(bad_pin.exit_code == 1);
    CHECK(bad_pin.err.find("a PIN is 4 to 12 digits") != std::string::npos);

    const auto listed = hall.hallctl({"--json", "officers", "list"});
    REQUIRE(listed.exit_code == 0);
    const auto officers = json::parse(listed.out)["officers"];
    REQUIRE(officers.size() == 1);
    CHECK(officers[0]["id"] == "1024");
    CHECK(officers[0]["name"] == "王芳");
    CHECK_FALSE(officers[0].contains("pin_hash"));
    CHECK(listed.out.find("246810") == std::string::npos);

    CHECK(hall.hallctl({"officers", "remove", "1024"}).out == "officer 1024 removed\n");
    const auto again = hall.hallctl({"officers", "remove", "1024"});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("unknown_officer") != std::string::npos);
    CHECK(hall.stop() == 0);

    // The PIN is nowhere in the database or the log.
    auto db = hk::store::Database::open(hall.database());
    REQUIRE(db);
    auto select =
        db->prepare("SELECT group_concat(type || payload) FROM events WHERE type LIKE 'officer.%'");
    REQUIRE(select);
    REQUIRE(select->step().value_or(false));
    const auto events = select->column_text(0);
    CHECK(events.find("officer.updated") != std::string::npos);
    CHECK(events.find("246810") == std::string::npos);
    CHECK(hall.log().find("246810") == std::string::npos);
}

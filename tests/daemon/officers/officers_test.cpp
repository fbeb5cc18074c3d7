// Officers: what ids, names and PINs are accepted, PIN hashes, the store with its login
// throttle on a real database, and counter sessions.
#include "daemon/officers/officers.hpp"

#include <catch2/catch.hpp>

#include "daemon/officers/sessions.hpp"
#include "daemon/store/migrations.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::officers {
namespace {

TEST_CASE("officer ids, names and PINs are checked") {
    CHECK_FALSE(check_officer_id("1024").has_value());
    CHECK_FALSE(check_officer_id("GZ-0007_b").has_value());
    CHECK(check_officer_id("").has_value());
    CHECK(check_officer_id("10 24").has_value());
    CHECK(check_officer_id(std::string(33, '1')).has_value());
    CHECK_FALSE(check_name("王芳").has_value());
    CHECK(check_name("").has_value());
    CHECK(check_name("a\nb").has_value());
    CHECK(check_name("\xff").has_value());
    CHECK(*check_pin("12a4") == "a PIN is 4 to 12 digits");
    CHECK(check_pin("123").has_value());
    CHECK(check_pin("1234567890123").has_value());
    CHECK_FALSE(check_pin("246810").has_value());
}

TEST_CASE("a PIN hash verifies its PIN only, and never shows the PIN") {
    const auto hash = hash_pin("246810");
    REQUIRE(hash.has_value());
    CHECK(hash->starts_with("$argon2id$"));
    CHECK(hash->find("246810") == std::string::npos);
    CHECK(verify_pin(*hash, "246810"));
    CHECK_FALSE(verify_pin(*hash, "246811"));
    CHECK_FALSE(verify_pin("not a hash", "246810"));
    CHECK_FALSE(verify_pin("", ""));
    // Salted: the same PIN hashes differently each time.
    CHECK(*hash_pin("246810") != *hash);
}

store::Database open_migrated(const std::filesystem::path& file) {
    auto opened = store::Database::open(file);
    REQUIRE(opened);
    REQUIRE(store::migrate(*opened));
    return std::move(*opened);
}

struct Db {
    test::TempDir dir;
    store::Database db = open_migrated(dir / "state.db");
};

TEST_CASE("officers are added, replaced, listed and removed") {
    Db d;
    OfficerStore officers(d.db);
    REQUIRE(officers.put("1024", "王芳", "$argon2id$x", 1000));
    REQUIRE(officers.put("0007", "Li Lei", "$argon2id$y", 1001));
    auto found = officers.find("1024");
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->name == "王芳");
    CHECK((*found)->updated_ms == 1000);
    REQUIRE(officers.put("1024", "王芳芳", "$argon2id$z", 2000));
    CHECK((*officers.find("1024"))->pin_hash == "$argon2id$z");
    const auto all = officers.list();
    REQUIRE(all);
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].id == "0007");
    CHECK(*officers.remove("0007"));
    CHECK_FALSE(*officers.remove("0007"));
    CHECK_FALSE(officers.find("0007")->has_value());
}

TEST_CASE("repeated failed logins lock the officer for a while, a new PIN unlocks") {
    Db d;
    OfficerStore officers(d.db);
    REQUIRE(officers.put("1024", "王芳", "$argon2id$x", 0));
    for (int i = 1; i < kFailuresBeforeLock; ++i) {
        REQUIRE(officers.record_failure("1024", 10'000));
    }
    CHECK((*officers.find("1024"))->locked_until_ms == 0);
    CHECK((*officers.find("1024"))->failed_logins == kFailuresBeforeLock - 1);
    REQUIRE(officers.record_failure("1024", 10'000));
    CHECK((*officers.find("1024"))->locked_until_ms == 10'000 + kLockMs);
    REQUIRE(officers.record_success("1024"));
    CHECK((*officers.find("1024"))->failed_logins == 0);
    CHECK((*officers.find("1024"))->locked_until_ms == 0);
}

TEST_CASE("a session is found by its token until it idles out, one per officer and window") {
    SessionTable sessions;
    const auto token = sessions.open("1024", "王芳", "3", 1000);
    CHECK(token.size() == 64);
    auto session = sessions.use(token, 2000);
    REQUIRE(session);
    CHECK(session->window == "3");
    CHECK(session->expires_ms == 2000 + SessionTable::kIdleMs);
    CHECK_FALSE(sessions.use("0000", 2000));
    CHECK_FALSE(sessions.use(token, 2000 + SessionTable::kIdleMs));  // idle too long
    CHECK(sessions.size() == 0);

    const auto first = sessions.open("1024", "王芳", "3", 0);
    const auto other = sessions.open("2048", "李雷", "4", 0);
    CHECK(first != other);
    const auto moved = sessions.open("1024", "王芳", "5", 0);  // the officer moves window
    CHECK_FALSE(sessions.use(first, 1));
    CHECK(sessions.use(moved, 1)->window == "5");
    const auto taken = sessions.open("4096", "赵六", "4", 0);  // another officer takes window 4
    CHECK_FALSE(sessions.use(other, 1));
    CHECK(sessions.close(taken));
    CHECK_FALSE(sessions.close(taken));
}

}  // namespace
}  // namespace hk::officers

// The identity key (hashes alike for the same number, differently for another key; the key file
// made once, owner-only, refused when wrong) and the card desk (waits, early reads, failures,
// one-time tokens that expire; nothing of the card but its hash and masked number kept).
#include <fstream>
#include <optional>
#include <vector>

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "daemon/identity/card_desk.hpp"
#include "daemon/identity/identity_key.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::identity {
namespace {

IdentityKey key_of(unsigned char fill) {
    std::array<unsigned char, kKeyBytes> bytes{};
    bytes.fill(fill);
    return IdentityKey(bytes);
}

drivers::IdCard card(std::string number) {
    return drivers::IdCard{.name = "测试样例", .id_number = std::move(number)};
}

TEST_CASE("an ID number hashes alike under one key and differently under another") {
    const auto key = key_of(1);
    const auto hash = key.hash("11010519491231002X");
    CHECK(hash.size() == 64);
    CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(key.hash("11010519491231002x") == hash);  // the check digit's case does not matter
    CHECK(key.hash("110105194912310038") != hash);
    CHECK(key_of(2).hash("11010519491231002X") != hash);
}

TEST_CASE("the key file is made once, owner-only, and a wrong one is refused") {
    const hk::test::TempDir dir;
    const auto file = dir.path() / "identity.key";
    const auto made = IdentityKey::load_or_create(file);
    REQUIRE(made);
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(info.st_size == static_cast<off_t>(kKeyBytes));
    const auto again = IdentityKey::load_or_create(file);
    REQUIRE(again);
    CHECK(again->hash("11010519491231002X") == made->hash("11010519491231002X"));

    ::chmod(file.c_str(), 0644);
    const auto readable = IdentityKey::load_or_create(file);
    REQUIRE_FALSE(readable);
    CHECK(readable.error().find("must be owner-only") != std::string::npos);

    const auto short_file = dir.path() / "short.key";
    hk::test::write_file(short_file, "abc");
    ::chmod(short_file.c_str(), 0600);
    const auto wrong = IdentityKey::load_or_create(short_file);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error() == short_file.string() + " must be a file of exactly 32 bytes");
}

struct Recorder {
    std::vector<CardOutcome> outcomes;
    CardDesk::Waiter waiter() {
        return [this](const CardOutcome& outcome) { outcomes.push_back(outcome); };
    }
};

TEST_CASE("a card read at a reader goes to the oldest wait there as a one-time token") {
    CardDesk desk(key_of(1));
    Recorder first;
    Recorder second;
    Recorder elsewhere;
    desk.wait("kiosk", 1'000, first.waiter());
    desk.wait("kiosk", 1'000, second.waiter());
    desk.wait("window-1", 1'000, elsewhere.waiter());
    CHECK(desk.waiting() == 3);

    desk.card_read("kiosk", card("11010519491231002X"), 2'000);
    REQUIRE(first.outcomes.size() == 1);
    CHECK(second.outcomes.empty());
    CHECK(elsewhere.outcomes.empty());
    const auto token = std::get<CardToken>(first.outcomes[0]);
    CHECK(token.token.size() == 32);
    CHECK(token.id_masked == "1101**********002X");
    CHECK(token.expires_ms == 2'000 + CardDesk::kTokenMs);

    CHECK(desk.redeem(token.token, 3'000) == key_of(1).hash("11010519491231002X"));
    CHECK_FALSE(desk.redeem(token.token, 3'000));  // used
    CHECK_FALSE(desk.redeem("not-a-token", 3'000));
}

TEST_CASE("a token expires after a minute") {
    CardDesk desk(key_of(1));
    Recorder kiosk;
    desk.wait("kiosk", 0, kiosk.waiter());
    desk.card_read("kiosk", card("11010519491231002X"), 0);
    const auto token = std::get<CardToken>(kiosk.outcomes.at(0)).token;
    CHECK_FALSE(desk.redeem(token, CardDesk::kTokenMs));
}

TEST_CASE("a card laid down before the wait is handed over while it lies there") {
    CardDesk desk(key_of(1));
    desk.card_read("kiosk", card("11010519491231002X"), 1'000);
    Recorder soon;
    desk.wait("kiosk", 1'000 + CardDesk::kEarlyReadMs, soon.waiter());
    REQUIRE(soon.outcomes.size() == 1);  // at once, inside wait()
    CHECK(std::holds_alternative<CardToken>(soon.outcomes[0]));
    CHECK(desk.waiting() == 0);

    // Taken away: the next citizen's wait does not get it.
    desk.card_read("kiosk", card("11010519491231002X"), 2'000);
    desk.card_removed("kiosk");
    Recorder next;
    desk.wait("kiosk", 2'100, next.waiter());
    CHECK(next.outcomes.empty());

    // Nor a read too long ago.
    CardDesk stale(key_of(1));
    stale.card_read("kiosk", card("11010519491231002X"), 0);
    Recorder late;
    stale.wait("kiosk", CardDesk::kEarlyReadMs + 1, late.waiter());
    CHECK(late.outcomes.empty());
}

TEST_CASE("a failed read tells every wait at the reader, and a cancelled wait hears nothing") {
    CardDesk desk(key_of(1));
    Recorder one;
    Recorder two;
    Recorder cancelled;
    desk.wait("kiosk", 0, one.waiter());
    desk.wait("kiosk", 0, two.waiter());
    const auto id = desk.wait("kiosk", 0, cancelled.waiter());
    desk.cancel(id);
    desk.card_failed("kiosk", CardFailure{.code = "unreadable", .detail = "no answer"});
    REQUIRE(one.outcomes.size() == 1);
    REQUIRE(two.outcomes.size() == 1);
    CHECK(std::get<CardFailure>(one.outcomes[0]).code == "unreadable");
    CHECK(cancelled.outcomes.empty());
    CHECK(desk.waiting() == 0);
}

TEST_CASE("unredeemed tokens cannot pile up") {
    CardDesk desk(key_of(1));
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < CardDesk::kMaxTokens + 10; ++i) {
        Recorder kiosk;
        desk.wait("kiosk", static_cast<std::int64_t>(i), kiosk.waiter());
        desk.card_read("kiosk", card("11010519491231002X"), static_cast<std::int64_t>(i));
        tokens.push_back(std::get<CardToken>(kiosk.outcomes.at(0)).token);
    }
    CHECK_FALSE(desk.redeem(tokens.front(), 500));  // the oldest went
    CHECK(desk.redeem(tokens.back(), 500));
}

}  // namespace
}  // namespace hk::identity

// The simulated ID card reader: a presented card is reported, read after read_time with a
// clearly fake sample card whose ID number passes the GB 11643 check, or reported unreadable;
// removing it is reported and cancels a read under way; no personal data in its state.
#include <array>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/simulated/harness.hpp"

namespace hk::drivers::test {
namespace {

// GB 11643-1999's check character, computed independently of the driver.
bool valid_id_number(const std::string& number) {
    if (number.size() != 18) {
        return false;
    }
    constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) {
        if (number[i] < '0' || number[i] > '9') {
            return false;
        }
        sum += (number[i] - '0') * kWeights[i];
    }
    return number[17] == std::string_view("10X98765432")[static_cast<std::size_t>(sum % 11)];
}

struct Reader {
    explicit Reader(ParameterValues params = {{"read_time", ms(0)}})
        : harness(DeviceClass::id_card_reader, std::move(params)) {
        harness.start_online();
    }
    bool wait_events(std::size_t count) {
        return harness.run_until([&] { return harness.events.size() >= count; });
    }
    Harness harness;
};

TEST_CASE("a presented card is reported, then read after read_time with a sample card") {
    Reader reader({{"read_time", ms(30)}});
    auto& h = reader.harness;
    CHECK_FALSE(h.device<IdCardReader>().card_present());
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(h.act("present_card") == "resident card presented; read in 30ms");
    CHECK(h.device<IdCardReader>().card_present());
    CHECK(h.events.empty());  // events follow on the loop
    REQUIRE(reader.wait_events(1));
    CHECK(std::holds_alternative<events::CardPresented>(h.events[0]));
    CHECK(h.state("reading") == "true");
    REQUIRE(reader.wait_events(2));
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(30));
    const auto reads = h.events_of<events::CardRead>();
    REQUIRE(reads.size() == 1);
    const auto& card = reads[0].card;
    CHECK(card.kind == IdCard::Kind::resident);
    CHECK(card.name == "测试样例");
    CHECK(card.id_number == "11010519491231002X");
    CHECK(valid_id_number(card.id_number));
    CHECK(card.birth_date == card.id_number.substr(6, 8));
    CHECK(card.sex == "女");  // the 17th digit, 2, is even
    CHECK(card.valid_to == "长期");
    CHECK(card.photo.size() == 1024);
    CHECK(h.state("reads") == "1");
    CHECK(h.state("reading") == "false");
    CHECK(h.device<IdCardReader>().card_present());  // still lying there
}

TEST_CASE("foreign and HK/Macau/Taiwan sample cards have valid numbers of their own kind") {
    Reader reader;
    auto& h = reader.harness;
    REQUIRE(h.act("present_card", {"foreign"}));
    REQUIRE(reader.wait_events(2));
    REQUIRE(h.act("remove_card"));
    REQUIRE(h.act("present_card", {"hmt"}));
    REQUIRE(reader.wait_events(5));
    const auto reads = h.events_of<events::CardRead>();
    REQUIRE(reads.size() == 2);
    CHECK(reads[0].card.kind == IdCard::Kind::foreign_permanent);
    CHECK(reads[0].card.id_number.front() == '9');
    CHECK(valid_id_number(reads[0].card.id_number));
    CHECK(reads[1].card.kind == IdCard::Kind::hmt_residence);
    CHECK(reads[1].card.id_number.starts_with("810000"));
    CHECK(valid_id_number(reads[1].card.id_number));
    CHECK(describe_event(DeviceEvent(reads[1])) == "card_read (HK/Macau/Taiwan residence permit)");
}

TEST_CASE("an unreadable card is reported as a failed read") {
    Reader reader;
    auto& h = reader.harness;
    REQUIRE(h.act("present_card", {"unreadable"}));
    REQUIRE(reader.wait_events(2));
    const auto failed = h.events_of<events::CardReadFailed>();
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].code == "unreadable");
    CHECK(h.state("failed_reads") == "1");
    CHECK(h.state("reads") == "0");
}

TEST_CASE("an I/O error while reading is reported as a failed read and counted") {
    Reader reader;
    auto& h = reader.harness;
    REQUIRE(h.act("fail_next", {"1"}));
    REQUIRE(h.act("present_card"));
    REQUIRE(reader.wait_events(2));
    const auto failed = h.events_of<events::CardReadFailed>();
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].code == "io_error");
    CHECK(h.health.counters().io_errors == 1);
}

TEST_CASE("removing the card is reported, before the read it cancels the read") {
    Reader reader({{"read_time", ms(10000)}});
    auto& h = reader.harness;
    REQUIRE(h.act("present_card"));
    REQUIRE(h.act("remove_card") == "card removed before it was read: the read is cancelled");
    CHECK_FALSE(h.device<IdCardReader>().card_present());
    REQUIRE(reader.wait_events(2));
    CHECK(std::holds_alternative<events::CardRemoved>(h.events[1]));
    h.driver->stop();
    REQUIRE(h.drain());  // the read timer is gone: nothing more happens
    CHECK(h.events.size() == 2);
    CHECK(h.state("reads") == "0");

    Reader quick;
    REQUIRE(quick.harness.act("present_card"));
    REQUIRE(quick.wait_events(2));
    CHECK(quick.harness.act("remove_card") == "card removed");
    REQUIRE(quick.wait_events(3));
    CHECK(std::holds_alternative<events::CardRemoved>(quick.harness.events[2]));
}

TEST_CASE("the reader's actions refuse bad arguments and impossible changes") {
    Reader reader;
    auto& h = reader.harness;
    CHECK(h.act("remove_card").error() == "no card on the reader");
    CHECK(h.act("present_card", {"passport"}).error() ==
          "unknown card 'passport': resident, foreign, hmt or unreadable");
    CHECK_FALSE(h.act("present_card", {"resident", "foreign"}));
    CHECK(h.act("remove_card", {"now"}).error() == "remove_card takes no arguments");
    REQUIRE(h.act("present_card"));
    CHECK(h.act("present_card").error() == "a card is already on the reader");
    REQUIRE(h.act("unplug"));
    CHECK_FALSE(h.device<IdCardReader>().card_present());  // the unplugged reader forgets it
    CHECK(h.act("present_card").error() == "the device is unplugged");
}

TEST_CASE("unplugging the reader drops a read under way without events") {
    Reader reader({{"read_time", ms(10000)}});
    auto& h = reader.harness;
    REQUIRE(h.act("present_card"));
    REQUIRE(reader.wait_events(1));
    REQUIRE(h.act("unplug"));
    h.driver->stop();
    REQUIRE(h.drain());
    CHECK(h.events.size() == 1);
}

TEST_CASE("the reader's self-test checks the SAM, and is busy while a card is read") {
    Reader reader({{"read_time", ms(10000)}});
    auto& h = reader.harness;
    const auto tested =
        h.complete<std::string>([&](auto done) { h.driver->self_test(std::move(done)); });
    REQUIRE(tested.ok());
    CHECK(tested.result()->starts_with("SAM ok"));
    REQUIRE(h.act("present_card"));
    const auto busy =
        h.complete<std::string>([&](auto done) { h.driver->self_test(std::move(done)); });
    CHECK(busy.code() == "busy");
}

TEST_CASE("the reader's state holds no personal data") {
    Reader reader;
    auto& h = reader.harness;
    REQUIRE(h.act("present_card"));
    REQUIRE(reader.wait_events(2));
    REQUIRE(!h.events_of<events::CardRead>().empty());
    for (const auto& [name, value] : h.sim().simulation_state()) {
        INFO(name << " = " << value);
        CHECK(value.find("1101") == std::string::npos);
        CHECK(value.find("测试") == std::string::npos);
        CHECK(value.find("19491231") == std::string::npos);
    }
    CHECK(h.driver->describe().find("测试") == std::string::npos);
}

}  // namespace
}  // namespace hk::drivers::test

// The serial scanner's code decoder: terminators, prefixes, split reads, and the garbage a
// wrong baud rate or line noise produces, each rejected without losing the next code.
#include "protocols/scanner/code_decoder.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace hk::proto::scanner {
namespace {

std::vector<std::expected<std::string, CodeError>> feed(CodeDecoder& decoder,
                                                        std::string_view text) {
    return decoder.feed(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::vector<std::string> codes(const std::vector<std::expected<std::string, CodeError>>& out) {
    std::vector<std::string> result;
    result.reserve(out.size());
    for (const auto& item : out) {
        result.push_back(item ? *item : "!" + std::string(to_string(item.error())));
    }
    return result;
}

TEST_CASE("codes end at CR, LF, CR LF or TAB, and empty lines are no scans") {
    CodeDecoder decoder({});
    CHECK(codes(feed(decoder, "A20261123001\r\nB2\rC3\nD4\t\r\n\n")) ==
          std::vector<std::string>{"A20261123001", "B2", "C3", "D4"});
    CHECK(decoder.buffered() == 0);
}

TEST_CASE("a code split over several reads comes out once it is terminated") {
    CodeDecoder decoder({});
    CHECK(feed(decoder, "HK-2026").empty());
    CHECK(decoder.buffered() == 7);
    CHECK(feed(decoder, "-0042").empty());
    CHECK(codes(feed(decoder, "\r\n")) == std::vector<std::string>{"HK-2026-0042"});
}

TEST_CASE("the configured prefix is removed when present and kept otherwise") {
    CodeDecoder decoder({.prefix = "]Q1", .tab_terminates = true, .max_length = 64});
    CHECK(codes(feed(decoder, "]Q1APPT-77\nPLAIN\n")) ==
          std::vector<std::string>{"APPT-77", "PLAIN"});
}

TEST_CASE("TAB is part of the code when it does not terminate") {
    CodeDecoder decoder({.prefix = "", .tab_terminates = false, .max_length = 64});
    CHECK(codes(feed(decoder, "A\tB\n")) == std::vector<std::string>{"!control_character"});
}

TEST_CASE("UTF-8 codes pass, control bytes and invalid UTF-8 are rejected, the next code kept") {
    CodeDecoder decoder({});
    CHECK(codes(feed(decoder,
                     "办件-01\nA\x01"
                     "B\n\xff\xfe\nOK\n\xc0\xaf\n\xed\xa0\x80\n")) ==
          std::vector<std::string>{"办件-01", "!control_character", "!invalid_utf8", "OK",
                                   "!invalid_utf8", "!invalid_utf8"});
}

TEST_CASE("an overlong code is dropped up to its terminator, reported once") {
    CodeDecoder decoder({.prefix = "", .tab_terminates = true, .max_length = 8});
    CHECK(feed(decoder, "123456789012345").empty());
    CHECK(decoder.buffered() == 0);
    CHECK(codes(feed(decoder, "678\nSHORT\n")) == std::vector<std::string>{"!too_long", "SHORT"});
    CHECK(codes(feed(decoder, "12345678\n")) == std::vector<std::string>{"12345678"});
}

TEST_CASE("reset drops an unfinished code") {
    CodeDecoder decoder({});
    CHECK(feed(decoder, "HALF").empty());
    decoder.reset();
    CHECK(codes(feed(decoder, "WHOLE\n")) == std::vector<std::string>{"WHOLE"});
}

}  // namespace
}  // namespace hk::proto::scanner

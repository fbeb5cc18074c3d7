// Tests of LineFramer: splitting, terminators, partial input and the length limit.
#include "protocols/framing/line_framer.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using hk::proto::LineFramer;

std::vector<std::string> drain(LineFramer& framer) {
    std::vector<std::string> lines;
    while (auto line = framer.next_line()) {
        lines.push_back(*line);
    }
    return lines;
}

}  // namespace

TEST_CASE("a newline-terminated line is returned without its terminator") {
    LineFramer framer(16);
    framer.feed("hello\n");
    CHECK(drain(framer) == std::vector<std::string>{"hello"});
    CHECK(framer.buffered() == 0);
}

TEST_CASE("a carriage return before the newline is removed") {
    LineFramer framer(16);
    framer.feed("hello\r\nworld\n");
    CHECK(drain(framer) == std::vector<std::string>{"hello", "world"});
}

TEST_CASE("a carriage return inside a line is kept") {
    LineFramer framer(16);
    framer.feed("a\rb\n");
    CHECK(drain(framer) == std::vector<std::string>{"a\rb"});
}

TEST_CASE("an empty line is returned as an empty string") {
    LineFramer framer(16);
    framer.feed("\n\r\n");
    CHECK(drain(framer) == std::vector<std::string>{"", ""});
}

TEST_CASE("a line split across feeds is returned once complete") {
    LineFramer framer(16);
    framer.feed("hel");
    CHECK_FALSE(framer.next_line());
    CHECK(framer.buffered() == 3);
    framer.feed("lo");
    CHECK_FALSE(framer.next_line());
    framer.feed("\r");
    CHECK_FALSE(framer.next_line());
    framer.feed("\nnext");
    CHECK(drain(framer) == std::vector<std::string>{"hello"});
    CHECK(framer.buffered() == 4);
}

TEST_CASE("many lines in one feed are returned in order") {
    LineFramer framer(16);
    framer.feed("one\ntwo\nthree\nfour\npartial");
    CHECK(drain(framer) == std::vector<std::string>{"one", "two", "three", "four"});
    CHECK(framer.buffered() == 7);
}

TEST_CASE("input fed byte by byte gives the same lines") {
    LineFramer framer(16);
    std::vector<std::string> lines;
    for (const char c : std::string("ab\r\ncd\n\nef\n")) {
        framer.feed(std::string(1, c));
        for (auto& line : drain(framer)) {
            lines.push_back(line);
        }
    }
    CHECK(lines == std::vector<std::string>{"ab", "cd", "", "ef"});
}

TEST_CASE("a line of exactly the limit is accepted, with either terminator") {
    LineFramer framer(4);
    framer.feed("abcd\nefgh\r\n");
    CHECK(drain(framer) == std::vector<std::string>{"abcd", "efgh"});
    CHECK_FALSE(framer.overflowed());
}

TEST_CASE("a terminated line over the limit is an overflow") {
    LineFramer framer(4);
    framer.feed("abcde\n");
    CHECK_FALSE(framer.next_line());
    CHECK(framer.overflowed());
}

TEST_CASE("an unterminated line over the limit is an overflow before any terminator") {
    LineFramer framer(4);
    framer.feed("abc");
    CHECK_FALSE(framer.overflowed());
    framer.feed("de");
    CHECK(framer.overflowed());
    CHECK(framer.buffered() == 0);
}

TEST_CASE("lines before an overlong one are still returned, then the overflow shows") {
    LineFramer framer(4);
    framer.feed("ok\nfine\ntoolong\nlater\n");
    CHECK(framer.next_line() == "ok");
    CHECK(framer.next_line() == "fine");
    CHECK(framer.overflowed());
    CHECK_FALSE(framer.next_line());
}

TEST_CASE("input after an overflow is ignored") {
    LineFramer framer(4);
    framer.feed("abcdefgh");
    REQUIRE(framer.overflowed());
    framer.feed("ok\n");
    CHECK_FALSE(framer.next_line());
    CHECK(framer.buffered() == 0);
}

TEST_CASE("a long stream whose reads never end on a line boundary keeps only the partial line") {
    LineFramer framer(64);
    framer.feed("first\npart");
    CHECK(framer.next_line() == "first");
    for (int i = 0; i < 10000; ++i) {
        framer.feed("ial\npart");
        REQUIRE(framer.next_line() == "partial");
        REQUIRE_FALSE(framer.next_line().has_value());
        REQUIRE(framer.buffered() == 4);
    }
}

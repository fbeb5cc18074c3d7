// Tests of request-target decoding: percent escapes, '+' in the query, UTF-8, segments.
#include "daemon/api/target.hpp"

#include <catch2/catch.hpp>

namespace {

using hk::api::is_valid_utf8;
using hk::api::parse_target;
using hk::api::percent_decode;

TEST_CASE("percent_decode decodes escapes and '+' only in the query") {
    CHECK(percent_decode("a%20b+c", false).value() == "a b+c");
    CHECK(percent_decode("a%20b+c", true).value() == "a b c");
    CHECK(percent_decode("%E4%B8%AD%e6%96%87", false).value() == "中文");
    CHECK(percent_decode("", true).value().empty());
}

TEST_CASE("percent_decode refuses bad escapes and NUL and invalid UTF-8") {
    CHECK_FALSE(percent_decode("%", false));
    CHECK_FALSE(percent_decode("abc%4", false));
    CHECK_FALSE(percent_decode("%zz", false));
    CHECK_FALSE(percent_decode("%00", false));
    CHECK_FALSE(percent_decode("%ff", false));
    CHECK_FALSE(percent_decode("%C0%AF", false));     // overlong '/'
    CHECK_FALSE(percent_decode("%ED%A0%80", false));  // surrogate
    CHECK_FALSE(percent_decode("\xE4\xB8", false));   // truncated sequence
}

TEST_CASE("is_valid_utf8 accepts every plane and refuses beyond U+10FFFF") {
    CHECK(is_valid_utf8("plain"));
    CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
    CHECK_FALSE(is_valid_utf8("\x80"));
}

TEST_CASE("parse_target splits the path and decodes each segment on its own") {
    const auto target = parse_target("/api/v1/windows/a%2Fb/%E4%B8%AD?x=1").value();
    CHECK(target.path == "/api/v1/windows/a/b/中");
    CHECK(target.segments == std::vector<std::string>{"api", "v1", "windows", "a/b", "中"});
    CHECK(parse_target("/").value().segments.empty());
    CHECK(parse_target("/").value().path == "/");
    CHECK(parse_target("/a/").value().segments == std::vector<std::string>{"a", ""});
}

TEST_CASE("parse_target decodes the query - a repeated key keeps its first value") {
    const auto target = parse_target("/s?after=12&q=a+b%2Bc&flag&&q=second&empty=").value();
    CHECK(target.query.at("after") == "12");
    CHECK(target.query.at("q") == "a b+c");
    CHECK(target.query.at("flag").empty());
    CHECK(target.query.at("empty").empty());
    CHECK(target.query.size() == 4);
}

TEST_CASE("parse_target refuses targets that are not origin-form or do not decode") {
    CHECK_FALSE(parse_target(""));
    CHECK_FALSE(parse_target("*"));
    CHECK_FALSE(parse_target("http://example.com/"));
    CHECK_FALSE(parse_target("/a%zz"));
    CHECK_FALSE(parse_target("/a?x=%ff"));
    CHECK_FALSE(parse_target("/a?%=1"));
    CHECK_FALSE(parse_target("/a%00b"));
}

}  // namespace

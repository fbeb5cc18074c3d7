// Tests of the control-socket message codec: every class of malformed input is rejected with
// the right code and a message naming the field; valid messages round-trip.
#include "daemon/control/protocol.hpp"

#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using namespace hk::control;
using nlohmann::json;

// The error code and message parse_request gives for `line` (empty code: it was accepted).
CommandError request_error(const std::string& line) {
    const auto parsed = parse_request(line);
    return parsed ? CommandError{} : parsed.error();
}

CommandError response_error(const std::string& line) {
    const auto parsed = parse_response(line);
    return parsed ? CommandError{} : parsed.error();
}

std::string nested(std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

}  // namespace

TEST_CASE("a complete request is decoded") {
    const auto request = parse_request(R"({"v":1,"id":7,"cmd":"status","args":{"a":[1,2]}})");
    REQUIRE(request);
    CHECK(request->id == 7);
    CHECK(request->command == "status");
    CHECK(request->args == json{{"a", {1, 2}}});
}

TEST_CASE("a request without args gets an empty args object") {
    const auto request = parse_request(R"({"cmd":"events.list","id":0,"v":1})");
    REQUIRE(request);
    CHECK(request->args == json::object());
}

TEST_CASE("the largest id is accepted") {
    const auto request = parse_request(R"({"v":1,"id":18446744073709551615,"cmd":"x"})");
    REQUIRE(request);
    CHECK(request->id == std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("text that is not JSON is a bad request") {
    for (const auto* line : {"", "hello", "{", R"({"v":1} trailing)", "{'v':1}"}) {
        const auto error = request_error(line);
        CHECK(error.code == errc::bad_request);
        CHECK_THAT(error.message, Catch::StartsWith("not valid JSON"));
    }
}

TEST_CASE("JSON that is not an object is a bad request") {
    for (const auto* line : {"[]", "1", "\"status\"", "null", "true"}) {
        const auto error = request_error(line);
        CHECK(error.code == errc::bad_request);
        CHECK_THAT(error.message, Catch::StartsWith("expected a JSON object"));
    }
}

TEST_CASE("invalid UTF-8 in a string is a bad request") {
    const auto error = request_error("{\"v\":1,\"id\":1,\"cmd\":\"\xff\"}");
    CHECK(error.code == errc::bad_request);
}

TEST_CASE("a missing or non-integer version is a bad request") {
    CHECK_THAT(request_error(R"({"id":1,"cmd":"x"})").message, Catch::Contains("\"v\""));
    CHECK(request_error(R"({"v":"1","id":1,"cmd":"x"})").code == errc::bad_request);
    CHECK(request_error(R"({"v":1.5,"id":1,"cmd":"x"})").code == errc::bad_request);
}

TEST_CASE("another protocol version is unsupported") {
    for (const auto* line : {R"({"v":2,"id":1,"cmd":"x"})", R"({"v":0,"id":1,"cmd":"x"})",
                             R"({"v":-1,"whatever":true})"}) {
        const auto error = request_error(line);
        CHECK(error.code == errc::unsupported_version);
        CHECK_THAT(error.message, Catch::Contains("not supported"));
    }
}

TEST_CASE("an id that is not an unsigned integer is a bad request naming the field") {
    for (const auto* line :
         {R"({"v":1,"cmd":"x"})", R"({"v":1,"id":-1,"cmd":"x"})", R"({"v":1,"id":1.0,"cmd":"x"})",
          R"({"v":1,"id":"1","cmd":"x"})", R"({"v":1,"id":null,"cmd":"x"})",
          R"({"v":1,"id":18446744073709551616,"cmd":"x"})"}) {
        const auto error = request_error(line);
        CHECK(error.code == errc::bad_request);
        CHECK_THAT(error.message, Catch::Contains("\"id\""));
    }
}

TEST_CASE("a missing or non-string command is a bad request naming the field") {
    for (const auto* line :
         {R"({"v":1,"id":1})", R"({"v":1,"id":1,"cmd":5})", R"({"v":1,"id":1,"cmd":["status"]})"}) {
        const auto error = request_error(line);
        CHECK(error.code == errc::bad_request);
        CHECK_THAT(error.message, Catch::Contains("\"cmd\""));
    }
}

TEST_CASE("a command name outside [a-z][a-z0-9_.-]{0,63} is a bad request") {
    const std::string too_long(65, 'a');
    for (const std::string name :
         {"", "Status", "9lives", "_x", "sta tus", "st\u00e4tus", "a/b", "-x", too_long.c_str()}) {
        const auto error = request_error(json{{"v", 1}, {"id", 1}, {"cmd", name}}.dump());
        CHECK(error.code == errc::bad_request);
        CHECK_THAT(error.message, Catch::Contains("must match"));
    }
}

TEST_CASE("command names with digits, dots, dashes and underscores up to 64 bytes are accepted") {
    for (const auto& name :
         std::vector<std::string>{"a", "events.list", "x-1_y.z", std::string(64, 'q')}) {
        CHECK(parse_request(json{{"v", 1}, {"id", 1}, {"cmd", name}}.dump()));
    }
}

TEST_CASE("args that are not an object are a bad request") {
    for (const auto* line :
         {R"({"v":1,"id":1,"cmd":"x","args":[]})", R"({"v":1,"id":1,"cmd":"x","args":null})",
          R"({"v":1,"id":1,"cmd":"x","args":"a=b"})"}) {
        const auto error = request_error(line);
        CHECK(error.code == errc::bad_request);
        CHECK_THAT(error.message, Catch::Contains("\"args\""));
    }
}

TEST_CASE("an unknown field in a request is a bad request naming it") {
    const auto error = request_error(R"({"v":1,"id":1,"cmd":"x","argz":{}})");
    CHECK(error.code == errc::bad_request);
    CHECK_THAT(error.message, Catch::Contains("\"argz\""));
}

TEST_CASE("a message over the size limit is too large") {
    const std::string line =
        R"({"v":1,"id":1,"cmd":"x","args":{"a":")" + std::string(kMaxMessageBytes, 'x') + "\"}}";
    CHECK(request_error(line).code == errc::too_large);
    CHECK(response_error(line).code == errc::too_large);
}

TEST_CASE("JSON nested deeper than the limit is a bad request") {
    const auto deep = R"({"v":1,"id":1,"cmd":"x","args":{"a":)" + nested(kMaxNestingDepth) + "}}";
    CHECK_THAT(request_error(deep).message, Catch::Contains("nested deeper"));
    const auto fine =
        R"({"v":1,"id":1,"cmd":"x","args":{"a":)" + nested(kMaxNestingDepth - 2) + "}}";
    CHECK(parse_request(fine));
}

TEST_CASE("brackets inside strings do not count as nesting") {
    const auto line = R"({"v":1,"id":1,"cmd":"x","args":{"a":")" + nested(200) + R"(\"["}})";
    CHECK(parse_request(line));
}

TEST_CASE("the id of an invalid request is recovered when readable") {
    CHECK(request_id_of(R"({"v":1,"id":42,"cmd":"NOPE"})") == 42);
    CHECK(request_id_of(R"({"v":1,"id":"42"})") == 0);
    CHECK(request_id_of("garbage") == 0);
}

TEST_CASE("a request encodes to one line with the version first and decodes back") {
    const Request request{12, "events.list", json{{"limit", 5}, {"text", "\u00e4\n"}}};
    const auto line = encode_request(request);
    CHECK(line.starts_with(R"({"v":1,"id":12,"cmd":"events.list","args":)"));
    CHECK(line.find('\n') == std::string::npos);
    const auto decoded = parse_request(line);
    REQUIRE(decoded);
    CHECK(decoded->id == request.id);
    CHECK(decoded->command == request.command);
    CHECK(decoded->args == request.args);
}

TEST_CASE("a successful response encodes and decodes back") {
    const Response response{3, json{{"uptime_ms", 1234}}};
    const auto line = encode_response(response);
    CHECK(line == R"({"v":1,"id":3,"ok":true,"result":{"uptime_ms":1234}})");
    const auto decoded = parse_response(line);
    REQUIRE(decoded);
    CHECK(decoded->id == 3);
    REQUIRE(decoded->outcome);
    CHECK(*decoded->outcome == response.outcome.value());
}

TEST_CASE("an error response encodes and decodes back") {
    const Response response{4, std::unexpected(CommandError{"bad_args", "limit must be > 0"})};
    const auto line = encode_response(response);
    CHECK(line ==
          R"({"v":1,"id":4,"ok":false,"error":{"code":"bad_args","message":"limit must be > 0"}})");
    const auto decoded = parse_response(line);
    REQUIRE(decoded);
    REQUIRE_FALSE(decoded->outcome);
    CHECK(decoded->outcome.error().code == "bad_args");
    CHECK(decoded->outcome.error().message == "limit must be > 0");
}

TEST_CASE("encoding invalid UTF-8 does not throw and yields a decodable line") {
    const Response response{1, json("\xff\xfe")};
    std::string line;
    REQUIRE_NOTHROW(line = encode_response(response));
    CHECK(parse_response(line));
}

TEST_CASE("responses with a missing or wrongly typed ok are bad") {
    CHECK_THAT(response_error(R"({"v":1,"id":1,"result":{}})").message, Catch::Contains("\"ok\""));
    CHECK(response_error(R"({"v":1,"id":1,"ok":1,"result":{}})").code == errc::bad_request);
}

TEST_CASE("a successful response needs a result and no error") {
    CHECK_THAT(response_error(R"({"v":1,"id":1,"ok":true})").message,
               Catch::Contains("\"result\""));
    CHECK(response_error(R"({"v":1,"id":1,"ok":true,"result":1,"error":{}})").code ==
          errc::bad_request);
}

TEST_CASE("an error response needs a well-formed error and no result") {
    for (const auto* line :
         {R"({"v":1,"id":1,"ok":false})", R"({"v":1,"id":1,"ok":false,"error":"bad"})",
          R"({"v":1,"id":1,"ok":false,"error":{"message":"m"}})",
          R"({"v":1,"id":1,"ok":false,"error":{"code":"Bad","message":"m"}})",
          R"({"v":1,"id":1,"ok":false,"error":{"code":"x","message":2}})",
          R"({"v":1,"id":1,"ok":false,"error":{"code":"x","message":"m","y":0}})",
          R"({"v":1,"id":1,"ok":false,"result":1,"error":{"code":"x","message":"m"}})"}) {
        const auto error = response_error(line);
        CHECK(error.code == errc::bad_request);
        CHECK_THAT(error.message, Catch::Contains("\"error") || Catch::Contains("\"result\""));
    }
}

TEST_CASE("responses are checked for version, id and unknown fields like requests") {
    CHECK(response_error(R"({"v":2,"id":1,"ok":true,"result":1})").code ==
          errc::unsupported_version);
    CHECK(response_error(R"({"v":1,"id":-1,"ok":true,"result":1})").code == errc::bad_request);
    CHECK(response_error(R"({"v":1,"id":1,"ok":true,"result":1,"extra":0})").code ==
          errc::bad_request);
    CHECK(response_error("[1]").code == errc::bad_request);
}

TEST_CASE("command names and error codes are checked by their own rules") {
    CHECK(is_command_name("events.list"));
    CHECK_FALSE(is_command_name("Events"));
    CHECK(is_error_code("bad_args"));
    CHECK_FALSE(is_error_code("bad-args"));
    CHECK_FALSE(is_error_code(""));
}

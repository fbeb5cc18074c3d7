// The trace format: writing and reading back, comments, and errors with their line numbers.
#include "drivers/transport/trace.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.hpp"

using namespace hk::drivers::transport;

TEST_CASE("trace records round-trip through their line format") {
    const std::vector<TraceRecord> records = {
        {0, Direction::out, to_bytes("\x1b@")},
        {12, Direction::in, to_bytes("\x10\x04\x12")},
        {12, Direction::in, {}},
        {250, Direction::out, Bytes{0x00, 0xff, 0x7f, 0x80}},
    };
    std::string text;
    for (const auto& record : records) {
        text += format_record(record) + "\n";
    }
    CHECK(format_record(records[0]) == R"({"t":0,"dir":"out","hex":"1b40"})");
    const auto parsed = parse_trace(text);
    REQUIRE(parsed);
    CHECK(*parsed == records);
}

TEST_CASE("trace lines accept spaces, any key order, upper-case hex, comments and CRLF") {
    const auto parsed = parse_trace(
        "# printer status poll, hall 3\r\n"
        "\r\n"
        "  { \"hex\" : \"1004\" , \"dir\":\"out\", \"t\": 5 }\r\n"
        "{\"dir\":\"in\",\"t\":9,\"hex\":\"1A\"}");
    REQUIRE(parsed);
    REQUIRE(parsed->size() == 2);
    CHECK((*parsed)[0] == TraceRecord{5, Direction::out, Bytes{0x10, 0x04}});
    CHECK((*parsed)[1] == TraceRecord{9, Direction::in, Bytes{0x1a}});
}

TEST_CASE("malformed traces are refused with the line and what is wrong") {
    const auto error_of = [](std::string_view text) {
        const auto parsed = parse_trace(text);
        REQUIRE_FALSE(parsed);
        return to_string(parsed.error());
    };
    const std::string ok = R"({"t":1,"dir":"out","hex":"00"})";
    CHECK(error_of(ok + "\n" + R"({"t":2,"dir":"up","hex":"00"})") ==
          R"(line 2: "dir" must be "in" or "out" (column 14))");
    CHECK(error_of(R"({"t":1,"dir":"in","hex":"abc"})") ==
          R"(line 1: "hex" has an odd number of digits)");
    CHECK(error_of(R"({"t":1,"dir":"in","hex":"zz"})") ==
          R"(line 1: "hex" holds a non-hex character at offset 0)");
    CHECK(error_of(R"({"t":-1,"dir":"in","hex":""})").starts_with(R"(line 1: "t" must be)"));
    CHECK(error_of(R"({"t":1,"dir":"in"})") == R"(line 1: missing key "hex")");
    CHECK(error_of(R"({"t":1,"t":2,"dir":"in","hex":""})") == R"(line 1: "t" given twice)");
    CHECK(error_of(R"({"t":1,"dir":"in","hex":"","x":1})") == R"(line 1: unknown key "x")");
    CHECK(error_of(R"({"t":1,"dir":"in","hex":""} x)").starts_with("line 1: unexpected text"));
    CHECK(error_of(R"({"t":1,"dir":"in","hex":"00")").starts_with("line 1: expected ','"));
    CHECK(error_of(R"({"t":1,"dir":"in\"","hex":""})").find("escapes") != std::string::npos);
    CHECK(error_of("[1,2]").starts_with("line 1: expected '{'"));
    CHECK(error_of(R"({"t":1234567890123456,"dir":"in","hex":""})") ==
          R"(line 1: "t" is too large)");
    CHECK(error_of(ok + "\n# note\n" + R"({"t":0,"dir":"in","hex":""})") ==
          "line 3: time goes backwards (0 after 1)");
}

TEST_CASE("a trace writer's file loads back with increasing times") {
    hk::test::TempDir dir("hk-trace");
    const auto path = (dir / "printer.trace").string();
    {
        auto writer = TraceWriter::open(path);
        REQUIRE(writer);
        (*writer)->write(Direction::out, to_bytes("\x10\x04\x01"));
        (*writer)->write(Direction::in, to_bytes("\x16"));
    }
    const auto loaded = load_trace(path);
    REQUIRE(loaded);
    REQUIRE(loaded->size() == 2);
    CHECK((*loaded)[0].dir == Direction::out);
    CHECK((*loaded)[0].bytes == to_bytes("\x10\x04\x01"));
    CHECK((*loaded)[1].dir == Direction::in);
    CHECK((*loaded)[1].t_ms >= (*loaded)[0].t_ms);

    const auto missing = load_trace((dir / "none.trace").string());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().line == 0);
    CHECK(TraceWriter::open((dir / "no/such/dir.trace").string()).error().find("no/such") !=
          std::string::npos);
}

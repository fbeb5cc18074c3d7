// Transport pieces without I/O: reply framing and the reconnection backoff schedule.
#include "drivers/transport/transport.hpp"

#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

using namespace hk::drivers::transport;
using std::chrono::milliseconds;

TEST_CASE("a reply is extracted only once the framer finds it complete") {
    const auto framer = framers::until_byte('\n');
    CHECK(extract_reply(to_bytes(""), framer).value() == std::nullopt);
    CHECK(extract_reply(to_bytes("PON"), framer).value() == std::nullopt);
    const auto reply = extract_reply(to_bytes("PONG\nrest"), framer).value();
    REQUIRE(reply);
    CHECK(reply->reply == to_bytes("PONG\n"));
    CHECK(reply->consumed == 5);
}

TEST_CASE("a fixed-length reply waits for all its bytes") {
    const auto framer = framers::fixed_length(3);
    CHECK(extract_reply(to_bytes("\x10\x04"), framer).value() == std::nullopt);
    const auto reply = extract_reply(to_bytes("\x10\x04\x12\x99"), framer).value();
    REQUIRE(reply);
    CHECK(reply->reply == to_bytes("\x10\x04\x12"));
    CHECK(reply->consumed == 3);
}

TEST_CASE("a framer can skip noise before the reply") {
    // Replies start with STX and end with ETX; anything before STX is line noise.
    const ReplyFramer framer =
        [](std::span<const std::uint8_t> bytes) -> std::optional<ReplyFrame> {
        const auto stx = std::ranges::find(bytes, 0x02);
        const auto etx = std::find(stx, bytes.end(), 0x03);
        if (stx == bytes.end() || etx == bytes.end()) {
            return std::nullopt;
        }
        return ReplyFrame{static_cast<std::size_t>(stx - bytes.begin()),
                          static_cast<std::size_t>(etx - bytes.begin()) + 1};
    };
    const auto reply = extract_reply(Bytes{0xff, 0x00, 0x02, 'O', 'K', 0x03}, framer).value();
    REQUIRE(reply);
    CHECK(reply->reply == to_bytes("\x02OK\x03"));
    CHECK(reply->consumed == 6);
}

TEST_CASE("a framer returning impossible bounds is reported, not trusted") {
    const auto beyond = [](std::span<const std::uint8_t> bytes) -> std::optional<ReplyFrame> {
        return ReplyFrame{0, bytes.size() + 1};
    };
    const auto reversed = [](std::span<const std::uint8_t>) -> std::optional<ReplyFrame> {
        return ReplyFrame{2, 1};
    };
    const auto empty = [](std::span<const std::uint8_t>) -> std::optional<ReplyFrame> {
        return ReplyFrame{0, 0};
    };
    CHECK(extract_reply(to_bytes("abc"), beyond).error() == FramingError::bad_frame);
    CHECK(extract_reply(to_bytes("abc"), reversed).error() == FramingError::bad_frame);
    CHECK(extract_reply(to_bytes("abc"), empty).error() == FramingError::bad_frame);
}

TEST_CASE("the backoff starts fast, doubles to its cap and starts over after a reset") {
    Backoff backoff(milliseconds(100), milliseconds(1500));
    std::vector<long> delays;
    delays.reserve(7);
    for (int i = 0; i < 7; ++i) {
        delays.push_back(backoff.next().count());
    }
    CHECK(delays == std::vector<long>{100, 200, 400, 800, 1500, 1500, 1500});
    backoff.reset();
    CHECK(backoff.next() == milliseconds(100));
}

TEST_CASE("a backoff cap below its first delay is raised to it") {
    Backoff backoff(milliseconds(500), milliseconds(100));
    CHECK(backoff.next() == milliseconds(500));
    CHECK(backoff.next() == milliseconds(500));
}

TEST_CASE("request errors have stable names") {
    CHECK(to_string(RequestError::timeout) == "timeout");
    CHECK(to_string(RequestError::disconnected) == "disconnected");
    CHECK(to_string(RequestError::cancelled) == "cancelled");
}

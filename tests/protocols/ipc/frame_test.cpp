// Tests of the IPC frame codec: byte vectors, chunked input and every decoder error.
#include "protocols/ipc/frame.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using hk::proto::ipc::encode;
using hk::proto::ipc::Frame;
using hk::proto::ipc::FrameDecoder;
using hk::proto::ipc::FrameError;
using hk::proto::ipc::FrameType;
using namespace std::string_literals;

std::vector<Frame> drain(FrameDecoder& decoder) {
    std::vector<Frame> frames;
    for (;;) {
        auto next = decoder.next();
        REQUIRE(next.has_value());
        if (!next->has_value()) {
            return frames;
        }
        frames.push_back(std::move(**next));
    }
}

}  // namespace

TEST_CASE("a request encodes as length, type, id and payload") {
    const auto bytes = encode(Frame{FrameType::request, 0x01020304, "ping"});
    REQUIRE(bytes.has_value());
    CHECK(*bytes == "\x00\x00\x00\x09\x02\x01\x02\x03\x04ping"s);
}

TEST_CASE("an empty payload gives a header-only frame") {
    const auto bytes = encode(Frame{FrameType::hello, 0, ""});
    REQUIRE(bytes.has_value());
    CHECK(*bytes == "\x00\x00\x00\x05\x01\x00\x00\x00\x00"s);
}

TEST_CASE("a payload over the maximum does not encode") {
    CHECK(encode(Frame{FrameType::reply, 1, std::string(9, 'x')}, 8).error() ==
          FrameError::oversize);
    CHECK(encode(Frame{FrameType::reply, 1, std::string(8, 'x')}, 8).has_value());
}

TEST_CASE("decoding gives back what was encoded, fed whole or byte by byte") {
    const std::vector<Frame> frames = {{FrameType::hello, 0, ""},
                                       {FrameType::reply, 7, R"({"ok":true})"},
                                       {FrameType::event, 0, "\x00\xff\n"s},
                                       {FrameType::error, 0xFFFFFFFF, "no paper"}};
    std::string stream;
    for (const auto& frame : frames) {
        stream += encode(frame).value();
    }
    SECTION("whole") {
        FrameDecoder decoder;
        decoder.feed(stream);
        CHECK(drain(decoder) == frames);
        CHECK(decoder.finish().has_value());
    }
    SECTION("byte by byte") {
        FrameDecoder decoder;
        std::vector<Frame> got;
        for (const char byte : stream) {
            decoder.feed(std::string(1, byte));
            for (auto& frame : drain(decoder)) {
                got.push_back(std::move(frame));
            }
        }
        CHECK(got == frames);
        CHECK(decoder.buffered() == 0);
    }
}

TEST_CASE("a partial frame waits for the rest and is truncated if the stream ends") {
    FrameDecoder decoder;
    decoder.feed("\x00\x00\x00\x09\x03\x00\x00\x00\x01pi"s);
    CHECK(drain(decoder).empty());
    CHECK(decoder.buffered() == 11);
    CHECK(decoder.finish().error() == FrameError::truncated);
    decoder.feed("ng");
    CHECK(drain(decoder) == std::vector<Frame>{{FrameType::reply, 1, "ping"}});
    CHECK(decoder.finish().has_value());
}

TEST_CASE("an oversize length is an error as soon as the length is in") {
    FrameDecoder decoder(16);
    decoder.feed("\x00\x00\x00\x16"s);  // 5 + 17
    CHECK(decoder.next().error() == FrameError::oversize);
    decoder.feed(encode(Frame{FrameType::reply, 1, "late"}).value());
    CHECK(decoder.next().error() == FrameError::oversize);
    CHECK(decoder.buffered() == 0);
    CHECK(decoder.error() == FrameError::oversize);
}

TEST_CASE("a payload of exactly the maximum is accepted") {
    FrameDecoder decoder(16);
    decoder.feed(encode(Frame{FrameType::reply, 1, std::string(16, 'x')}, 16).value());
    CHECK(drain(decoder).size() == 1);
}

TEST_CASE("a length too small for type and id is an error") {
    FrameDecoder decoder;
    decoder.feed("\x00\x00\x00\x04\x02\x00\x00\x00"s);
    CHECK(decoder.next().error() == FrameError::bad_length);
}

TEST_CASE("an unknown type is an error before the payload arrives") {
    for (const char type : {'\x00', '\x06', '\xff'}) {
        FrameDecoder decoder;
        decoder.feed("\x00\x00\x00\x09"s + type);
        CHECK(decoder.next().error() == FrameError::bad_type);
        CHECK(decoder.finish().error() == FrameError::bad_type);
    }
}

TEST_CASE("frames before a broken one are still returned") {
    FrameDecoder decoder;
    decoder.feed(encode(Frame{FrameType::reply, 1, "a"}).value() + "\x00\x00\x00\x00"s);
    auto first = decoder.next();
    REQUIRE(first.has_value());
    REQUIRE(first->has_value());
    CHECK((*first)->payload == "a");
    CHECK(decoder.next().error() == FrameError::bad_length);
}

TEST_CASE("frame errors have stable names") {
    CHECK(to_string(FrameError::oversize) == "oversize");
    CHECK(to_string(FrameError::truncated) == "truncated");
}

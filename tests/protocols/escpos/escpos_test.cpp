// The ESC/POS codec: byte-exact commands (written out from Epson's ESC/POS reference, not from
// the encoder), GB18030 text in Kanji mode, columns and wrapping of mixed Chinese and English,
// and the status replies checked by their fixed bits.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "protocols/escpos/encoder.hpp"
#include "protocols/escpos/status.hpp"
#include "protocols/escpos/text.hpp"

namespace hk::proto::escpos {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes_of(Encoder& encoder) {
    return encoder.take();
}

TEST_CASE("each command is its exact bytes") {
    Encoder e;
    CHECK(bytes_of(e.init()) == Bytes{0x1B, 0x40});
    CHECK(bytes_of(e.align(Align::center)) == Bytes{0x1B, 0x61, 0x01});
    CHECK(bytes_of(e.size(2, 3)) == Bytes{0x1D, 0x21, 0x12});
    CHECK(bytes_of(e.size(9, 0)) == Bytes{0x1D, 0x21, 0x70});  // clamped to 8 and 1
    CHECK(bytes_of(e.bold(true)) == Bytes{0x1B, 0x45, 0x01});
    CHECK(bytes_of(e.underline(1)) == Bytes{0x1B, 0x2D, 0x01});
    CHECK(bytes_of(e.feed(3)) == Bytes{0x1B, 0x64, 0x03});
    CHECK(bytes_of(e.cut()) == Bytes{0x1D, 0x56, 0x42, 0x00});
    CHECK(bytes_of(e.cut(false, 5)) == Bytes{0x1D, 0x56, 0x41, 0x05});
    CHECK(bytes_of(e.enable_status_back(0x0F)) == Bytes{0x1D, 0x61, 0x0F});
    CHECK(bytes_of(e.query_status(4)) == Bytes{0x10, 0x04, 0x04});
    CHECK(bytes_of(e.query_paper_sensor()) == Bytes{0x1D, 0x72, 0x01});
    CHECK(bytes_of(e.recover()) == Bytes{0x10, 0x05, 0x02});
    CHECK(bytes_of(e.flush_partial()) == Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0x18});
    Encoder page(Profile{.code_page = 0xFF});
    CHECK(bytes_of(page.init()) == Bytes{0x1B, 0x40, 0x1B, 0x74, 0xFF});
}

TEST_CASE("a QR code is model 2, its size, level, stored data and print") {
    Encoder e;
    CHECK(bytes_of(e.qr("HK", 6, 'M')) ==
          Bytes{0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,       // model 2
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06,             // module 6 dots
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31,             // level M
                0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, 'H',  'K',  // store 2 bytes
                0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30});           // print
    CHECK(bytes_of(e.qr("")).empty());
    CHECK(e.error() == "a QR code holds 1 to 7089 bytes");
}

TEST_CASE("Code128 is code set B with its height, width and text below") {
    Encoder e;
    CHECK(bytes_of(e.code128("A{1", 80, 2, true)) == Bytes{0x1D, 0x68, 80, 0x1D, 0x77, 2, 0x1D,
                                                           0x48, 2, 0x1D, 0x6B, 73, 6, '{', 'B',
                                                           'A', '{', '{', '1'});
    CHECK(bytes_of(e.code128("不行")).empty());
    CHECK(e.error() == "Code128 here takes printable ASCII only");
}

TEST_CASE("a raster image is GS v 0 with its size") {
    Encoder e;
    const Bitmap image{.width = 9, .height = 1, .bits = {0xFF, 0x80}};
    CHECK(bytes_of(e.raster(image)) == Bytes{0x1D, 0x76, 0x30, 0, 2, 0, 1, 0, 0xFF, 0x80});
    CHECK(bytes_of(e.raster(Bitmap{.width = 9, .height = 1, .bits = {0xFF}})).empty());
}

TEST_CASE("Chinese text is GB18030 inside Kanji mode, ASCII outside") {
    Encoder e;
    // 不 = B2 BB, 动 = B6 AF in GB2312/GB18030.
    CHECK(bytes_of(e.text("A不动1")) ==
          Bytes{'A', 0x1C, 0x26, 0xB2, 0xBB, 0xB6, 0xAF, 0x1C, 0x2E, '1'});
    Encoder plain(Profile{.kanji_mode_commands = false});
    CHECK(bytes_of(plain.line("不")) == Bytes{0xB2, 0xBB, 0x0A});
    // U+20000 is four bytes in GB18030; a control character is never sent as one.
    CHECK(to_gb18030("\U00020000") == std::string("\x95\x32\x82\x36"));
    CHECK(bytes_of(plain.text("a\x1b@")) == Bytes{'a', '?', '@'});
    CHECK(from_gb18030(to_gb18030("不动产登记 A001 𠀀")) == "不动产登记 A001 𠀀");
}

TEST_CASE("a Chinese character is two columns, and wrapping respects them") {
    CHECK(display_columns("A001") == 4);
    CHECK(display_columns("不动产登记") == 10);
    CHECK(display_columns("请携带：身份证") == 14);
    CHECK(wrap("不动产登记", 6) == std::vector<std::string>{"不动产", "登记"});
    CHECK(wrap("Real estate registration", 12) ==
          std::vector<std::string>{"Real estate", "registration"});
    CHECK(wrap("材料：ID card", 8) == std::vector<std::string>{"材料：", "ID card"});
    CHECK(wrap("第一行\n第二行", 32) == std::vector<std::string>{"第一行", "第二行"});
    for (const auto& line :
         wrap("请携带：身份证原件；不动产权证书，以及其他需要的材料 and more", 9)) {
        CHECK(display_columns(line) <= 9);
    }
}

TEST_CASE("status replies are read by their bits and refused when their fixed bits are wrong") {
    CHECK(decode_status(4, 0x12)->paper_out == false);
    CHECK(decode_status(4, 0x1E)->paper_near_end);
    CHECK(decode_status(4, 0x7E)->paper_out);
    CHECK(decode_status(2, 0x16)->cover_open);
    CHECK(decode_status(2, 0x32)->paper_out_stop);
    CHECK(decode_status(3, 0x1A)->cutter_error);
    CHECK_FALSE(decode_status(1, 0x16)->online == false);  // bit 2 is the drawer, not offline
    CHECK(decode_status(1, 0x1A)->online == false);
    CHECK(decode_status(4, 0x13).error() ==
          "0x13 is no DLE EOT reply: bits 1 and 4 must be set, 0 and 7 clear");
    CHECK_FALSE(decode_status(4, 0x92));
    CHECK_FALSE(decode_status(5, 0x12));
    CHECK(decode_paper_sensor(0x03)->paper_near_end);
    CHECK(decode_paper_sensor(0x0C)->paper_out);
    CHECK_FALSE(decode_paper_sensor(0x10));
}

TEST_CASE("a status reader tells replies from unasked status back frames and noise") {
    StatusReader reader;
    reader.expect(Query::offline);
    reader.expect(Query::paper);
    const Bytes stream{0x16, 0x30, 0x00, 0x0C, 0x00, 0xFF, 0x7E};
    const auto events = reader.feed(stream);
    REQUIRE(events.size() == 4);
    CHECK(std::get<StatusReply>(events[0]).status.cover_open);
    CHECK(std::get<StatusBack>(events[1]).status.cover_open);
    CHECK(std::get<StatusBack>(events[1]).status.paper_out);
    CHECK(std::get<StatusNoise>(events[2]).byte == 0xFF);
    CHECK(std::get<StatusReply>(events[3]).query == Query::paper);
    CHECK(std::get<StatusReply>(events[3]).status.paper_out);
    CHECK(reader.pending() == 0);
    // Byte by byte, the same.
    StatusReader slow;
    slow.expect(Query::offline);
    slow.expect(Query::paper);
    std::vector<StatusEvent> again;
    for (const auto byte : stream) {
        for (auto& event : slow.feed(Bytes{byte})) {
            again.push_back(std::move(event));
        }
    }
    CHECK(again.size() == 4);
}

}  // namespace
}  // namespace hk::proto::escpos

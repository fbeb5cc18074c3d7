// The text and image helpers of the simulated devices: strict UTF-8, display columns with CJK
// counting two, cutting lines to a width; JPEG sizes from the frame header, refusing broken
// files without reading past them; the generated test page.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "drivers/simulated/image.hpp"
#include "drivers/simulated/text.hpp"

namespace hk::drivers::test {
namespace {

namespace text = simulated::text;
namespace image = simulated::image;

using Bytes = std::vector<std::uint8_t>;

TEST_CASE("UTF-8 is decoded strictly") {
    CHECK(text::code_points("A001") == 4U);
    CHECK(text::code_points("请到3号窗口") == 6U);
    CHECK(text::code_points("𠀀") == 1U);  // four bytes
    CHECK(text::code_points("") == 0U);
    for (const std::string& bad : {std::string("\xC0\x80"),          // overlong NUL
                                   std::string("\xE0\x80\xAF"),      // overlong '/'
                                   std::string("\xED\xA0\x80"),      // a surrogate
                                   std::string("\xF4\x90\x80\x80"),  // beyond U+10FFFF
                                   std::string("\xE6\xB5"),          // truncated 测
                                   std::string("\x80"),              // a lone continuation byte
                                   std::string("\xFF"), std::string("ok\xE6(")}) {
        INFO(bad.size());
        CHECK_FALSE(text::is_valid_utf8(bad));
        CHECK_FALSE(text::cut_to_columns(bad, 10));
    }
    std::size_t pos = 0;
    CHECK(text::next_code_point("测", pos) == U'测');
    CHECK(pos == 3);
}

TEST_CASE("display columns count CJK and full-width characters two, combining marks none") {
    CHECK(text::display_columns("A001") == 4);
    CHECK(text::display_columns("请到3号窗口") == 11);
    CHECK(text::display_columns("，。！") == 6);   // full-width and ideographic punctuation
    CHECK(text::display_columns("ＡＢ") == 4);     // full-width Latin
    CHECK(text::display_columns("e\u0301") == 1);  // e + combining acute
    CHECK(text::display_columns("한글") == 4);
    CHECK(text::columns_of(U'a') == 1);
    CHECK(text::is_control(U'\n'));
    CHECK(text::is_control(U'\u0085'));
    CHECK(text::has_control("A\tB"));
    CHECK_FALSE(text::has_control("A B 测"));
}

TEST_CASE("a line is cut to whole characters that fit the columns") {
    CHECK(text::cut_to_columns("A001 请到3号窗口", 16) == "A001 请到3号窗口");  // exactly 16
    CHECK(text::cut_to_columns("A001 请到3号窗口", 15) == "A001 请到3号窗");
    CHECK(text::cut_to_columns("A测试B", 4) == "A测");  // 试 would need columns 4 and 5
    CHECK(text::cut_to_columns("测试", 3) == "测");
    CHECK(text::cut_to_columns("short", 16) == "short");
    CHECK(text::cut_to_columns("e\u0301x", 1) == "e\u0301");
    CHECK(text::cut_to_columns("abc", 0) == "");
}

// A minimal JPEG: SOI, an APP0, a DQT, then the frame header, a scan and EOI.
Bytes jpeg(int width, int height, std::uint8_t sof = 0xC0) {
    Bytes data = {0xFF, 0xD8};
    const Bytes app0 = {0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',  0x00,
                        0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
    data.insert(data.end(), app0.begin(), app0.end());
    data.insert(data.end(), {0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01});  // a (short) DQT
    data.insert(data.end(), {0xFF, 0xFF});                          // fill bytes
    const Bytes frame = {0xFF,
                         sof,
                         0x00,
                         0x11,
                         0x08,
                         static_cast<std::uint8_t>(height >> 8),
                         static_cast<std::uint8_t>(height & 0xFF),
                         static_cast<std::uint8_t>(width >> 8),
                         static_cast<std::uint8_t>(width & 0xFF),
                         0x03,
                         1,
                         0x22,
                         0,
                         2,
                         0x11,
                         1,
                         3,
                         0x11,
                         1};
    data.insert(data.end(), frame.begin(), frame.end());
    data.insert(data.end(), {0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9});
    return data;
}

TEST_CASE("a JPEG's size is read from its frame header") {
    CHECK(image::jpeg_size(jpeg(2592, 1944)) == image::Size{2592, 1944});
    CHECK(image::jpeg_size(jpeg(640, 480, 0xC2)) == image::Size{640, 480});  // progressive
    CHECK(image::jpeg_size(jpeg(1, 65535, 0xC1)) == image::Size{1, 65535});
}

TEST_CASE("a file that is not a valid JPEG is refused with the reason, never read past") {
    const auto refused = [](const Bytes& data) {
        const auto size = image::jpeg_size(data);
        REQUIRE_FALSE(size);
        return size.error();
    };
    CHECK(refused({}) == "not a JPEG file (no SOI marker)");
    CHECK(refused({'P', '6', '\n', '1'}) == "not a JPEG file (no SOI marker)");
    CHECK(refused({0xFF, 0xD8, 0xFF, 0xD9}) == "no frame header (SOF marker) before the end");
    CHECK(refused({0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02}) ==
          "no frame header (SOF marker) before the scan data");
    CHECK(refused({0xFF, 0xD8, 0x12, 0x34}) == "corrupt: no marker at byte 2");
    CHECK(refused({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01}) == "corrupt: segment length 1 at byte 4");
    CHECK(refused({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x40, 0x00}) ==
          "truncated: the segment at byte 4 runs past the end of the file");
    CHECK(refused({0xFF, 0xD8, 0xFF, 0xE0}) == "truncated: the file ends inside a segment");
    CHECK(refused({0xFF, 0xD8, 0xFF, 0xFF}) == "truncated: the file ends inside a marker");
    CHECK(refused({0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x06, 0x08, 0x00, 0x10, 0x00}) ==
          "corrupt: frame header too short");
    CHECK(refused(jpeg(0, 480)) == "unsupported: the frame header gives no image size");

    // Every truncation of a good file is refused, none crashes or reads past the end.
    const auto good = jpeg(800, 600);
    for (std::size_t length = 0; length < good.size(); ++length) {
        const Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(length));
        const auto size = image::jpeg_size(cut);
        // The frame header is complete from some length on; before that, an error.
        if (size) {
            CHECK(*size == image::Size{800, 600});
        }
    }
}

TEST_CASE("the test page is a PPM of a white bordered page on a grey plate") {
    const auto page = image::test_page(160, 90);
    CHECK(page.format == "ppm");
    CHECK(page.width == 160);
    CHECK(page.height == 90);
    const std::string header = "P6\n160 90\n255\n";
    REQUIRE(page.bytes.size() == header.size() + std::size_t{160} * 90 * 3);
    CHECK(std::string(page.bytes.begin(), page.bytes.begin() + 14) == header);
    const auto pixel = [&](int x, int y) {
        return page.bytes[header.size() + (static_cast<std::size_t>(y) * 160 + x) * 3];
    };
    // The page: 55 wide from x = 52, 79 high from y = 5; border 2; text bars from x = 57 on
    // rows 12, 13, 16, 17, …
    CHECK(pixel(0, 0) == 0x8C);     // plate in the corner
    CHECK(pixel(51, 45) == 0x8C);   // plate left of the page
    CHECK(pixel(52, 45) == 0x28);   // the page's left border
    CHECK(pixel(106, 45) == 0x28);  // its right border
    CHECK(pixel(80, 5) == 0x28);    // its top border
    CHECK(pixel(55, 45) == 0xFF);   // white paper in the margin
    CHECK(pixel(60, 12) == 0x46);   // a line of text
    CHECK(pixel(60, 14) == 0xFF);   // between lines
    CHECK(pixel(80, 89) == 0x8C);   // plate below
}

}  // namespace
}  // namespace hk::drivers::test

// The emulator's renderer: a Chinese ticket printed through the interpreter and drawn to a PNG
// decodes back (QR and Code128 equal the ticket id, read by zxing-cpp), Chinese text becomes
// glyph pixels in its character cells, and images are drawn dot for dot.
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/peers/escpos/interpreter.hpp"
#include "tests/peers/escpos/renderer.hpp"
#include "tests/peers/escpos/test_bytes.hpp"
#include "tests/peers/escpos/zxing_decode.hpp"
#include "tests/support/temp_dir.hpp"

namespace escpos = hk::test::escpos;
namespace b = hk::test::escpos::bytes;
using escpos::CodeFormat;

namespace {

escpos::Renderer renderer(int width = escpos::kWidth80mm) {
    auto made = escpos::Renderer::create(escpos::RendererOptions{.width = width});
    if (!made) {
        FAIL(made.error());
    }
    return std::move(*made);
}

escpos::Page print(std::string_view input, int width = escpos::kWidth80mm) {
    escpos::Interpreter printer(escpos::InterpreterOptions{.width = width});
    printer.feed(input);
    REQUIRE(printer.pages().size() == 1);
    return printer.pages().front();
}

// The black pixels of a cell, as a set of offsets, to tell glyphs apart.
std::set<int> ink(const escpos::Bitmap& bitmap, int x0, int y0, int w, int h) {
    std::set<int> out;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            if (bitmap.black(x0 + x, y0 + y)) {
                out.insert(y * w + x);
            }
        }
    }
    return out;
}

}  // namespace

TEST_CASE("a Chinese ticket's PNG decodes back: its QR code and Code128 hold the ticket id") {
    // A Code128 of 2-dot modules takes 22 dots a character: 58 mm paper fits a shorter id.
    const auto [width, id] =
        GENERATE(std::pair{escpos::kWidth80mm, std::string("HK-A023-20250101-7F3Q")},
                 std::pair{escpos::kWidth58mm, std::string("HK-A023-7F3Q")});
    INFO(width << " dots");
    const auto page = print(b::ticket("A023", id), width);
    auto draw = renderer(width);
    const auto bitmap = draw.render(page);
    CHECK(bitmap.width == width);
    CHECK(bitmap.height == page.height);
    CHECK(draw.missing_glyphs() == 0);

    hk::test::TempDir dir("hk-escpos-render");
    REQUIRE(escpos::write_png(bitmap, dir / "ticket.png"));
    const auto png = escpos::read_png(dir / "ticket.png");
    REQUIRE(png);
    CHECK(png->width == bitmap.width);
    CHECK(png->pixels == bitmap.pixels);

    const auto qr = escpos::decode(*png, CodeFormat::qr);
    REQUIRE(qr);
    CHECK(*qr == id);
    const auto code = escpos::decode(*png, CodeFormat::code128);
    REQUIRE(code);
    CHECK(*code == id);
}

TEST_CASE("codes decode at every QR level and module size and in Code128 sets A and C") {
    auto draw = renderer();
    for (const char level : {'L', 'M', 'Q', 'H'}) {
        for (const int module : {3, 4, 8}) {
            INFO("level " << level << ", module " << module);
            const std::string data = "https://hall.example.cn/t/A023?k=7F3Q";
            const auto page =
                print(b::align(1) + b::qr_model2() + b::qr_module(module) + b::qr_level(level) +
                      b::qr_store(data) + b::qr_print() + b::kCut);
            CHECK(escpos::decode(draw.render(page), CodeFormat::qr) == data);
        }
    }
    const auto set_c =
        print(b::align(1) + b::code128(b::of({'{', 'C', 20, 25, 1, 1, 70, 23})) + b::kCut);
    CHECK(escpos::decode(draw.render(set_c), CodeFormat::code128) == "202501017023");
    const auto set_a = print(b::align(1) + b::code128("{AHALL-01{B-ok", 100, 3, 0) + b::kCut);
    CHECK(escpos::decode(draw.render(set_a), CodeFormat::code128) == "HALL-01-ok");
}

TEST_CASE("the legacy barcode forms EAN-13 and Code39 and ITF decode") {
    auto draw = renderer();
    const auto ean = print(b::align(1) + b::of({0x1D, 'H', 2, 0x1D, 'k', 2}) + "690123456789" +
                           b::of({0}) + b::kLf + b::kCut);
    CHECK(escpos::decode(draw.render(ean), CodeFormat::ean13) == "6901234567892");
    const auto code39 = print(b::align(1) + b::of({0x1D, 'k', 69, 6}) + "HK-123" + b::kCut);
    CHECK(escpos::decode(draw.render(code39), CodeFormat::code39) == "HK-123");
    const auto itf = print(b::align(1) + b::of({0x1D, 'k', 5}) + "12345678" + b::of({0}) + b::kCut);
    CHECK(escpos::decode(draw.render(itf), CodeFormat::itf) == "12345678");
}

TEST_CASE("Chinese text becomes glyph pixels in its 24x24 character cells") {
    auto draw = renderer();
    const auto page = print(b::kKanjiOn + b::kZhengWuFuWuZhongXin + b::kLf + b::size(2, 2) +
                            b::kQuHao + "A1" + b::kLf + b::kCut);
    const auto bitmap = draw.render(page);
    CHECK(draw.missing_glyphs() == 0);
    // Line 1: six cells of 24x24 from the top left; the line takes 30 dots of paper.
    std::vector<std::set<int>> glyphs;
    for (int cell = 0; cell < 6; ++cell) {
        INFO("cell " << cell);
        const auto pixels = ink(bitmap, cell * 24, 0, 24, 24);
        CHECK(pixels.size() > 40);
        CHECK(pixels.size() < 24 * 24 / 2);
        glyphs.push_back(pixels);
    }
    CHECK(glyphs[1] == glyphs[3]);  // 务 twice
    CHECK(glyphs[0] != glyphs[1]);
    CHECK(glyphs[2] != glyphs[4]);
    CHECK(bitmap.count_black(6 * 24, 0, bitmap.width, 30) == 0);
    // Line 2, double size: 取号 in 48x48 cells, then "A1" in 24x48 cells.
    CHECK(bitmap.count_black(0, 30, 48, 78) > 4 * 40);
    CHECK(bitmap.count_black(96, 30, 120, 78) > 40);
    CHECK(bitmap.count_black(144, 30, bitmap.width, 78) == 0);
}

TEST_CASE("a character the font lacks is drawn as a box and counted") {
    auto draw = renderer();
    // U+10FFFD (plane 16 private use), in GB18030.
    const auto page = print(b::kKanjiOn + b::of({0xE3, 0x32, 0x9A, 0x33}) + b::kLf + b::kCut);
    const auto bitmap = draw.render(page);
    CHECK(draw.missing_glyphs() == 1);
    CHECK(bitmap.count_black(0, 0, 24, 24) > 40);
}

TEST_CASE("raster images are drawn dot for dot at their scale and aligned like text") {
    auto draw = renderer();
    const auto page = print(
        b::align(2) + b::of({0x1D, 'v', '0', 3, 1, 0, 2, 0, 0b1000'0001, 0b0101'0000}) + b::kCut);
    const auto bitmap = draw.render(page);
    REQUIRE(bitmap.height == 4);
    const int x0 = escpos::kWidth80mm - 16;
    CHECK(bitmap.count_black(0, 0, bitmap.width, 4) == 4 * 2 * 2);
    CHECK(bitmap.black(x0, 0));
    CHECK(bitmap.black(x0 + 1, 1));
    CHECK_FALSE(bitmap.black(x0 + 2, 0));
    CHECK(bitmap.black(x0 + 14, 0));
    CHECK(bitmap.black(x0 + 2, 2));
    CHECK(bitmap.black(x0 + 6, 3));
    CHECK_FALSE(bitmap.black(x0, 2));
}

TEST_CASE("a missing font is refused with a message naming the Debian package") {
    const auto made =
        escpos::Renderer::create(escpos::RendererOptions{.font = "/nonexistent/font.ttc"});
    REQUIRE_FALSE(made);
    CHECK(made.error().find("/nonexistent/font.ttc") != std::string::npos);
    CHECK(made.error().find("fonts-wqy-microhei") != std::string::npos);
}

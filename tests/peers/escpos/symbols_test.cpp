// The emulator's symbol encoders: the Code 128 table's shape, code sets and check characters,
// the EAN check digit, and the errors a printer refuses data with. (The round trips through a
// decoder are in render_test.cpp.)
#include "tests/peers/escpos/symbols.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/peers/escpos/test_bytes.hpp"

namespace escpos = hk::test::escpos;
using escpos::Symbology;

namespace {

std::span<const std::uint8_t> span_of(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

int modules(const escpos::BarPattern& pattern) {
    return std::accumulate(pattern.elements.begin(), pattern.elements.end(), 0);
}

// The symbol values of a Code 128 pattern, read back through the table.
std::vector<int> values_of(const escpos::BarPattern& pattern) {
    std::vector<int> out;
    for (std::size_t at = 0; at + 6 <= pattern.elements.size(); at += 6) {
        const std::size_t length = at + 7 == pattern.elements.size() ? 7 : 6;  // the stop has 7
        std::string widths;
        for (std::size_t i = at; i < at + length; ++i) {
            widths += static_cast<char>('0' + pattern.elements[i]);
        }
        const auto it = std::ranges::find(escpos::kCode128Patterns, widths);
        out.push_back(it == escpos::kCode128Patterns.end()
                          ? -1
                          : static_cast<int>(it - escpos::kCode128Patterns.begin()));
    }
    return out;
}

}  // namespace

TEST_CASE("every Code 128 pattern has 11 modules in 3 bars of even total width and the stop 13") {
    std::set<std::string_view> distinct;
    for (std::size_t value = 0; value < 106; ++value) {
        const auto pattern = escpos::kCode128Patterns.at(value);
        INFO("value " << value << " " << pattern);
        REQUIRE(pattern.size() == 6);
        int total = 0;
        int bars = 0;
        for (std::size_t i = 0; i < 6; ++i) {
            const int width = pattern[i] - '0';
            CHECK((width >= 1 && width <= 4));
            total += width;
            bars += i % 2 == 0 ? width : 0;
        }
        CHECK(total == 11);
        CHECK(bars % 2 == 0);
        distinct.insert(pattern);
    }
    CHECK(distinct.size() == 106);
    CHECK(escpos::kCode128Patterns[106] == "2331112");
}

TEST_CASE("Code128 data is encoded in its code sets with the check character") {
    SECTION("code set B") {
        const auto pattern = escpos::encode_barcode(Symbology::code128, span_of("{BPJJ123C"));
        REQUIRE(pattern);
        // Start B, P J J 1 2 3 C, the check character ((104 + 48 + 2*42 + 3*42 + 4*17 + 5*18 +
        // 6*19 + 7*35) % 103 = 55), the stop.
        CHECK(values_of(*pattern) == std::vector<int>{104, 48, 42, 42, 17, 18, 19, 35, 55, 106});
        CHECK(pattern->hri == "PJJ123C");
        CHECK(modules(*pattern) == 11 * 10 + 2);
    }
    SECTION("code set C takes one byte per digit pair, and sets switch") {
        const auto data = escpos::bytes::of({'{', 'C', 12, 34, '{', 'A', 'A', 0x09, '{', '1'});
        const auto pattern = escpos::encode_barcode(Symbology::code128, span_of(data));
        REQUIRE(pattern);
        // (105 + 12 + 2*34 + 3*101 + 4*33 + 5*73 + 6*102) % 103 = 1597 % 103 = 52
        CHECK(values_of(*pattern) == std::vector<int>{105, 12, 34, 101, 33, 73, 102, 52, 106});
        CHECK(pattern->hri == "1234A ");
    }
    SECTION("a shift and a literal brace") {
        const auto pattern = escpos::encode_barcode(Symbology::code128, span_of("{Aa{Sb{B{{"));
        REQUIRE_FALSE(pattern);  // 'a' is not in code set A
        const auto shifted = escpos::encode_barcode(Symbology::code128, span_of("{AA{Sb{B{{"));
        REQUIRE(shifted);
        CHECK(shifted->hri == "Ab{");
    }
    SECTION("refused data") {
        for (const std::string data :
             {"", "AB", "{D12", "{B", "{Bx{", "{Cx", "{C{S", "{B{Z", "{B\x80"}) {
            INFO(data);
            if (data == "{B") {
                CHECK(escpos::encode_barcode(Symbology::code128, span_of(data)));
                continue;
            }
            CHECK_FALSE(escpos::encode_barcode(Symbology::code128, span_of(data)));
        }
    }
}

TEST_CASE("EAN and UPC compute or check the check digit") {
    const auto ean = escpos::encode_barcode(Symbology::ean13, span_of("400638133393"));
    REQUIRE(ean);
    CHECK(ean->hri == "4006381333931");
    CHECK(modules(*ean) == 95);
    CHECK(escpos::encode_barcode(Symbology::ean13, span_of("4006381333931")));
    CHECK_FALSE(escpos::encode_barcode(Symbology::ean13, span_of("4006381333932")));
    CHECK_FALSE(escpos::encode_barcode(Symbology::ean13, span_of("40063813339")));
    const auto upc = escpos::encode_barcode(Symbology::upc_a, span_of("03600029145"));
    REQUIRE(upc);
    CHECK(upc->hri == "036000291452");
    const auto ean8 = escpos::encode_barcode(Symbology::ean8, span_of("9638507"));
    REQUIRE(ean8);
    CHECK(ean8->hri == "96385074");
    CHECK(modules(*ean8) == 67);
}

TEST_CASE("two-width symbologies use the printer's narrow and wide bars") {
    const auto code39 = escpos::encode_barcode(Symbology::code39, span_of("AB1"));
    REQUIRE(code39);
    CHECK(code39->two_width);
    CHECK(code39->elements.size() == 5 * 9 + 4);  // *AB1* with a gap between characters
    const auto dots = escpos::bars_in_dots(*code39, 2);
    CHECK(std::ranges::all_of(dots, [](int d) { return d == 2 || d == 5; }));
    CHECK_FALSE(escpos::encode_barcode(Symbology::code39, span_of("ab")));
    CHECK(escpos::encode_barcode(Symbology::itf, span_of("1234")));
    CHECK_FALSE(escpos::encode_barcode(Symbology::itf, span_of("123")));
    CHECK_FALSE(escpos::encode_barcode(Symbology::codabar, span_of("A123A")));
}

TEST_CASE("QR data is encoded at the chosen level and too much data is refused") {
    const auto small = escpos::encode_qr("HK-A023", escpos::QrErrorCorrection::L, 2);
    REQUIRE(small);
    CHECK(small->modules == 21);
    CHECK(small->cells.size() == std::size_t{21} * 21);
    const auto high = escpos::encode_qr(std::string(100, 'x'), escpos::QrErrorCorrection::H, 2);
    REQUIRE(high);
    CHECK(high->modules > 21);
    const auto micro = escpos::encode_qr("12345", escpos::QrErrorCorrection::L, 3);
    REQUIRE(micro);
    CHECK(micro->modules < 21);
    CHECK_FALSE(escpos::encode_qr("", escpos::QrErrorCorrection::L, 2));
    CHECK_FALSE(escpos::encode_qr(std::string(3000, 'x'), escpos::QrErrorCorrection::H, 2));
}

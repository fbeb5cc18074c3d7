// Barcode and QR encoding for the emulator: see symbols.hpp.
#include "tests/peers/escpos/symbols.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <qrencode.h>

namespace hk::test::escpos {

// ISO/IEC 15417: values 0..102 are data and functions, 103/104/105 start A/B/C, 106 the stop.
const std::array<std::string_view, 107> kCode128Patterns = {
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112"};

namespace {

constexpr int kStartA = 103;
constexpr int kStop = 106;
constexpr int kCodeA = 101;  // in sets B and C; FNC4 in set A
constexpr int kCodeB = 100;  // in sets A and C; FNC4 in set B
constexpr int kCodeC = 99;   // in sets A and B
constexpr int kShift = 98;
constexpr int kFnc1 = 102;
constexpr int kFnc2 = 97;
constexpr int kFnc3 = 96;

enum class CodeSet : std::uint8_t { a, b, c };

void append_pattern(std::vector<std::uint8_t>& out, std::string_view pattern) {
    for (const char width : pattern) {
        out.push_back(static_cast<std::uint8_t>(width - '0'));
    }
}

std::optional<int> code128_char(CodeSet set, std::uint8_t c) {
    switch (set) {
        case CodeSet::a:
            if (c < 0x20) {
                return c + 64;
            }
            if (c <= 0x5F) {
                return c - 32;
            }
            return std::nullopt;
        case CodeSet::b:
            if (c >= 0x20 && c <= 0x7F) {
                return c - 32;
            }
            return std::nullopt;
        case CodeSet::c:
            if (c <= 99) {
                return c;
            }
            return std::nullopt;
    }
    return std::nullopt;
}

void append_hri(std::string& hri, CodeSet set, std::uint8_t c) {
    if (set == CodeSet::c) {
        hri += fmt::format("{:02}", c);
    } else {
        hri += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : ' ';
    }
}

std::expected<BarPattern, std::string> encode_code128(std::span<const std::uint8_t> data) {
    if (data.size() < 2 || data[0] != '{' || data[1] < 'A' || data[1] > 'C') {
        return std::unexpected(std::string("Code128 data must start with {A, {B or {C"));
    }
    auto set = static_cast<CodeSet>(data[1] - 'A');
    std::vector<int> values{kStartA + static_cast<int>(set)};
    BarPattern out;
    bool shifted = false;
    for (std::size_t i = 2; i < data.size(); ++i) {
        const std::uint8_t c = data[i];
        if (c == '{') {
            if (i + 1 >= data.size()) {
                return std::unexpected(std::string("Code128 data ends with a lone {"));
            }
            const std::uint8_t f = data[++i];
            const bool ab = set != CodeSet::c;
            switch (f) {
                case 'A':
                case 'B':
                case 'C': {
                    const auto to = static_cast<CodeSet>(f - 'A');
                    if (to == set) {
                        return std::unexpected(fmt::format("Code128 {{{} in code set {}",
                                                           static_cast<char>(f),
                                                           static_cast<char>(f)));
                    }
                    values.push_back(to == CodeSet::a   ? kCodeA
                                     : to == CodeSet::b ? kCodeB
                                                        : kCodeC);
                    set = to;
                    continue;
                }
                case 'S':
                    if (!ab || shifted) {
                        return std::unexpected(std::string("Code128 {S outside code sets A/B"));
                    }
                    values.push_back(kShift);
                    shifted = true;
                    continue;
                case '1':
                    values.push_back(kFnc1);
                    continue;
                case '2':
                case '3':
                case '4':
                    if (!ab) {
                        return std::unexpected(
                            fmt::format("Code128 {{{} in code set C", static_cast<char>(f)));
                    }
                    values.push_back(f == '2'            ? kFnc2
                                     : f == '3'          ? kFnc3
                                     : set == CodeSet::a ? kCodeA
                                                         : kCodeB);
                    continue;
                case '{':
                    break;  // a literal '{', encoded below
                default:
                    return std::unexpected(fmt::format("Code128 unknown function {{ 0x{:02X}", f));
            }
        }
        CodeSet char_set = set;
        if (shifted) {
            char_set = set == CodeSet::a ? CodeSet::b : CodeSet::a;
            shifted = false;
        }
        const auto value = code128_char(char_set, c);
        if (!value) {
            return std::unexpected(
                fmt::format("Code128 byte 0x{:02X} is not in code set {}", c,
                            static_cast<char>('A' + static_cast<int>(char_set))));
        }
        values.push_back(*value);
        append_hri(out.hri, char_set, c);
    }
    if (shifted) {
        return std::unexpected(std::string("Code128 data ends with {S"));
    }
    int checksum = values.front();
    for (std::size_t i = 1; i < values.size(); ++i) {
        checksum += static_cast<int>(i) * values[i];
    }
    values.push_back(checksum % 103);
    values.push_back(kStop);
    for (const int value : values) {
        append_pattern(out.elements, kCode128Patterns.at(static_cast<std::size_t>(value)));
    }
    return out;
}

// EAN/UPC digit widths: the L code (space, bar, space, bar). The G code is it reversed; the R
// code has the same widths starting with a bar.
constexpr std::array<std::string_view, 10> kEanL = {"3211", "2221", "2122", "1411", "1132",
                                                    "1231", "1114", "1312", "1213", "3112"};
// Which of the six left digits of an EAN-13 use the G code, by the first digit.
constexpr std::array<std::string_view, 10> kEanParity = {"LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL",
                                                         "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG",
                                                         "LGLGGL", "LGGLGL"};

int ean_check_digit(std::string_view digits) {
    // Weights 3 and 1 from the rightmost digit.
    int sum = 0;
    int weight = 3;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        sum += (*it - '0') * weight;
        weight = weight == 3 ? 1 : 3;
    }
    return (10 - sum % 10) % 10;
}

std::expected<std::string, std::string> ean_digits(std::span<const std::uint8_t> data,
                                                   std::size_t length, std::string_view name) {
    std::string digits(data.begin(), data.end());
    if (!std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; })) {
        return std::unexpected(fmt::format("{} takes digits only", name));
    }
    if (digits.size() == length - 1) {
        digits += static_cast<char>('0' + ean_check_digit(digits));
    } else if (digits.size() == length) {
        if (digits.back() - '0' !=
            ean_check_digit(std::string_view(digits).substr(0, length - 1))) {
            return std::unexpected(fmt::format("{} check digit is wrong", name));
        }
    } else {
        return std::unexpected(fmt::format("{} takes {} or {} digits", name, length - 1, length));
    }
    return digits;
}

void append_ean_digit(std::vector<std::uint8_t>& out, char digit, char code) {
    std::string pattern(kEanL.at(static_cast<std::size_t>(digit - '0')));
    if (code == 'G') {
        std::ranges::reverse(pattern);
    }
    append_pattern(out, pattern);
}

// digits: the full number with its check digit. EAN-13 has 13 (the first one is given by the
// parity of the left half), EAN-8 has 8.
BarPattern encode_ean(const std::string& digits) {
    BarPattern out;
    out.hri = digits;
    const bool ean13 = digits.size() == 13;
    const std::string_view body = ean13 ? std::string_view(digits).substr(1) : digits;
    const std::string_view parity =
        ean13 ? kEanParity.at(static_cast<std::size_t>(digits[0] - '0')) : "LLLL";
    const std::size_t half = body.size() / 2;
    append_pattern(out.elements, "111");
    for (std::size_t i = 0; i < half; ++i) {
        append_ean_digit(out.elements, body[i], parity[i]);
    }
    append_pattern(out.elements, "11111");
    for (std::size_t i = half; i < body.size(); ++i) {
        append_ean_digit(out.elements, body[i], 'R');
    }
    append_pattern(out.elements, "111");
    return out;
}

// Code 39: nine elements per character, a 1 bit is wide, most significant bit first.
constexpr std::string_view kCode39Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%*";
constexpr std::array<std::uint16_t, 44> kCode39 = {
    0x034, 0x121, 0x061, 0x160, 0x031, 0x130, 0x070, 0x025, 0x124, 0x064, 0x109,
    0x049, 0x148, 0x019, 0x118, 0x058, 0x00D, 0x10C, 0x04C, 0x01C, 0x103, 0x043,
    0x142, 0x013, 0x112, 0x052, 0x007, 0x106, 0x046, 0x016, 0x181, 0x0C1, 0x1C0,
    0x091, 0x190, 0x0D0, 0x085, 0x184, 0x0C4, 0x0A8, 0x0A2, 0x08A, 0x02A, 0x094};

void append_code39(std::vector<std::uint8_t>& out, std::size_t index) {
    for (int bit = 8; bit >= 0; --bit) {
        out.push_back(((kCode39.at(index) >> bit) & 1) != 0 ? 2 : 1);
    }
}

std::expected<BarPattern, std::string> encode_code39(std::span<const std::uint8_t> data) {
    std::string text(data.begin(), data.end());
    if (text.size() >= 2 && text.front() == '*' && text.back() == '*') {
        text = text.substr(1, text.size() - 2);
    }
    if (text.empty()) {
        return std::unexpected(std::string("Code39 needs data"));
    }
    BarPattern out{.two_width = true, .hri = "*" + text + "*"};
    const auto star = kCode39Alphabet.size() - 1;
    append_code39(out.elements, star);
    for (const char c : text) {
        const auto index = kCode39Alphabet.find(c);
        if (index == std::string_view::npos || index == star) {
            return std::unexpected(
                fmt::format("Code39 cannot encode 0x{:02X}", static_cast<std::uint8_t>(c)));
        }
        out.elements.push_back(1);  // the gap between characters
        append_code39(out.elements, index);
    }
    out.elements.push_back(1);
    append_code39(out.elements, star);
    return out;
}

// ITF: five elements per digit, wide ones marked W; digits pair up, the first in the bars.
constexpr std::array<std::string_view, 10> kItf = {"NNWWN", "WNNNW", "NWNNW", "WWNNN", "NNWNW",
                                                   "WNWNN", "NWWNN", "NNNWW", "WNNWN", "NWNWN"};

std::expected<BarPattern, std::string> encode_itf(std::span<const std::uint8_t> data) {
    const std::string digits(data.begin(), data.end());
    if (digits.empty() || digits.size() % 2 != 0 ||
        !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; })) {
        return std::unexpected(std::string("ITF takes an even number of digits"));
    }
    BarPattern out{.elements = {1, 1, 1, 1}, .two_width = true, .hri = digits};
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        const auto bars = kItf.at(static_cast<std::size_t>(digits[i] - '0'));
        const auto spaces = kItf.at(static_cast<std::size_t>(digits[i + 1] - '0'));
        for (std::size_t k = 0; k < 5; ++k) {
            out.elements.push_back(bars[k] == 'W' ? 2 : 1);
            out.elements.push_back(spaces[k] == 'W' ? 2 : 1);
        }
    }
    out.elements.insert(out.elements.end(), {2, 1, 1});
    return out;
}

}  // namespace

std::expected<BarPattern, std::string> encode_barcode(Symbology symbology,
                                                      std::span<const std::uint8_t> data) {
    switch (symbology) {
        case Symbology::code128:
            return encode_code128(data);
        case Symbology::upc_a: {
            auto digits = ean_digits(data, 12, "UPC-A");
            if (!digits) {
                return std::unexpected(digits.error());
            }
            auto out = encode_ean("0" + *digits);
            out.hri = *digits;
            return out;
        }
        case Symbology::ean13: {
            auto digits = ean_digits(data, 13, "EAN-13");
            if (!digits) {
                return std::unexpected(digits.error());
            }
            return encode_ean(*digits);
        }
        case Symbology::ean8: {
            auto digits = ean_digits(data, 8, "EAN-8");
            if (!digits) {
                return std::unexpected(digits.error());
            }
            return encode_ean(*digits);
        }
        case Symbology::code39:
            return encode_code39(data);
        case Symbology::itf:
            return encode_itf(data);
        case Symbology::upc_e:
        case Symbology::codabar:
        case Symbology::code93:
            break;
    }
    return std::unexpected(std::string("the emulator does not draw this symbology"));
}

std::vector<int> bars_in_dots(const BarPattern& pattern, int module_width) {
    // The printer's narrow:wide widths for two-width symbologies, by module width.
    const int wide = module_width * 5 / 2;
    std::vector<int> out;
    out.reserve(pattern.elements.size());
    for (const auto element : pattern.elements) {
        if (pattern.two_width) {
            out.push_back(element == 2 ? wide : module_width);
        } else {
            out.push_back(element * module_width);
        }
    }
    return out;
}

std::expected<QrMatrix, std::string> encode_qr(std::string_view data, QrErrorCorrection level,
                                               int model) {
    if (data.empty()) {
        return std::unexpected(std::string("no QR data stored"));
    }
    const auto ec = static_cast<QRecLevel>(static_cast<int>(level));
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    const auto size = static_cast<int>(data.size());
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(nullptr, &QRcode_free);
    if (model == 3) {
        for (int version = 1; version <= 4 && !code; ++version) {
            code.reset(QRcode_encodeDataMQR(size, bytes, version, ec));
        }
    } else {
        code.reset(QRcode_encodeData(size, bytes, 0, ec));
    }
    if (!code) {
        return std::unexpected(fmt::format("the data ({} bytes) does not fit a {} symbol: {}",
                                           data.size(), model == 3 ? "Micro QR" : "QR",
                                           std::strerror(errno)));
    }
    QrMatrix out{.modules = code->width};
    const auto cells =
        static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
    out.cells.reserve(cells);
    for (std::size_t i = 0; i < cells; ++i) {
        out.cells.push_back(code->data[i] & 1U);
    }
    return out;
}

}  // namespace hk::test::escpos

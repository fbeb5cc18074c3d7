// UTF-8 decoding and display widths: see text.hpp.
#include "drivers/simulated/text.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace hk::drivers::simulated::text {
namespace {

using Range = std::pair<char32_t, char32_t>;

// Zero-width: combining marks, zero-width spaces and joiners, variation selectors.
constexpr std::array<Range, 8> kZeroWidth = {{
    {0x0300, 0x036F},
    {0x1AB0, 0x1AFF},
    {0x1DC0, 0x1DFF},
    {0x200B, 0x200F},
    {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F},
    {0xE0100, 0xE01EF},
}};

// East Asian Wide and Fullwidth (the blocks a hall's text uses), sorted.
constexpr std::array<Range, 17> kWide = {{
    {0x1100, 0x115F},    // Hangul Jamo initials
    {0x2E80, 0x303E},    // CJK radicals, Kangxi, ideographic punctuation (、。「」)
    {0x3041, 0x33FF},    // kana, bopomofo, CJK compatibility
    {0x3400, 0x4DBF},    // CJK extension A
    {0x4E00, 0x9FFF},    // CJK unified ideographs
    {0xA000, 0xA4CF},    // Yi
    {0xA960, 0xA97F},    // Hangul Jamo extended A
    {0xAC00, 0xD7A3},    // Hangul syllables
    {0xF900, 0xFAFF},    // CJK compatibility ideographs
    {0xFE10, 0xFE19},    // vertical forms
    {0xFE30, 0xFE6F},    // CJK compatibility forms, small forms
    {0xFF00, 0xFF60},    // full-width forms (，！Ａ)
    {0xFFE0, 0xFFE6},    // full-width signs (￥)
    {0x1F300, 0x1F64F},  // pictographs, emoticons
    {0x1F900, 0x1F9FF},  // supplemental pictographs
    {0x20000, 0x2FFFD},  // CJK extensions B–F
    {0x30000, 0x3FFFD},  // CJK extension G
}};

template <std::size_t N>
bool in(const std::array<Range, N>& ranges, char32_t code_point) {
    return std::ranges::any_of(ranges, [code_point](const Range& range) {
        return code_point >= range.first && code_point <= range.second;
    });
}

bool is_continuation(unsigned char byte) {
    return (byte & 0xC0U) == 0x80U;
}

}  // namespace

std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos) {
    if (pos >= text.size()) {
        return std::nullopt;
    }
    const auto lead = static_cast<unsigned char>(text[pos]);
    std::size_t length = 0;
    char32_t code_point = 0;
    char32_t minimum = 0;
    if (lead < 0x80U) {
        ++pos;
        return lead;
    }
    if ((lead & 0xE0U) == 0xC0U) {
        length = 2;
        code_point = lead & 0x1FU;
        minimum = 0x80;
    } else if ((lead & 0xF0U) == 0xE0U) {
        length = 3;
        code_point = lead & 0x0FU;
        minimum = 0x800;
    } else if ((lead & 0xF8U) == 0xF0U) {
        length = 4;
        code_point = lead & 0x07U;
        minimum = 0x10000;
    } else {
        return std::nullopt;  // a continuation byte or 0xF8..0xFF as a lead
    }
    if (text.size() - pos < length) {
        return std::nullopt;  // truncated
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto byte = static_cast<unsigned char>(text[pos + i]);
        if (!is_continuation(byte)) {
            return std::nullopt;
        }
        code_point = (code_point << 6U) | (byte & 0x3FU);
    }
    if (code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        return std::nullopt;  // overlong, beyond Unicode, or a surrogate
    }
    pos += length;
    return code_point;
}

bool is_valid_utf8(std::string_view text) {
    return code_points(text).has_value();
}

std::optional<std::size_t> code_points(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t pos = 0; pos < text.size(); ++count) {
        if (!next_code_point(text, pos)) {
            return std::nullopt;
        }
    }
    return count;
}

bool is_control(char32_t code_point) {
    return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

bool has_control(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) {
        const auto code_point = next_code_point(text, pos);
        if (!code_point) {
            return false;
        }
        if (is_control(*code_point)) {
            return true;
        }
    }
    return false;
}

int columns_of(char32_t code_point) {
    if (in(kZeroWidth, code_point)) {
        return 0;
    }
    return in(kWide, code_point) ? 2 : 1;
}

std::optional<int> display_columns(std::string_view text) {
    int columns = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const auto code_point = next_code_point(text, pos);
        if (!code_point) {
            return std::nullopt;
        }
        columns += columns_of(*code_point);
    }
    return columns;
}

std::optional<std::string> cut_to_columns(std::string_view line, int columns) {
    if (!is_valid_utf8(line)) {
        return std::nullopt;
    }
    int used = 0;
    std::size_t end = 0;
    for (std::size_t pos = 0; pos < line.size();) {
        const auto code_point = next_code_point(line, pos);
        if (!code_point) {
            break;  // cannot happen: checked above
        }
        used += columns_of(*code_point);
        if (used > columns) {
            break;
        }
        end = pos;
    }
    return std::string(line.substr(0, end));
}

}  // namespace hk::drivers::simulated::text

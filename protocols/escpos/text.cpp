// Text for thermal printers: see text.hpp.
#include "protocols/escpos/text.hpp"

#include <array>
#include <cerrno>
#include <cstddef>

#include <iconv.h>

namespace hk::proto::escpos {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

struct Range {
    char32_t first;
    char32_t last;
};

// East Asian Width W and F (Unicode 15, the blocks a hall's text uses), merged into ranges.
constexpr std::array kWide{
    Range{0x1100, 0x115F},   Range{0x231A, 0x231B},   Range{0x2329, 0x232A},
    Range{0x2E80, 0x303E},   Range{0x3041, 0x33FF},   Range{0x3400, 0x4DBF},
    Range{0x4E00, 0x9FFF},   Range{0xA000, 0xA4CF},   Range{0xA960, 0xA97F},
    Range{0xAC00, 0xD7A3},   Range{0xF900, 0xFAFF},   Range{0xFE10, 0xFE19},
    Range{0xFE30, 0xFE6F},   Range{0xFF00, 0xFF60},   Range{0xFFE0, 0xFFE6},
    Range{0x1F300, 0x1F64F}, Range{0x1F900, 0x1F9FF}, Range{0x20000, 0x2FFFD},
    Range{0x30000, 0x3FFFD},
};

constexpr std::array kZeroWidth{
    Range{0x0300, 0x036F}, Range{0x200B, 0x200F}, Range{0x20D0, 0x20FF},
    Range{0xFE00, 0xFE0F}, Range{0xFE20, 0xFE2F},
};

bool in(const auto& ranges, char32_t c) {
    for (const auto& range : ranges) {
        if (c >= range.first && c <= range.last) {
            return true;
        }
    }
    return false;
}

// Converts with iconv; a descriptor per call keeps it thread-safe. Returns "" on failure.
std::string convert(const char* to, const char* from, std::string_view input) {
    iconv_t cd = ::iconv_open(to, from);
    // iconv_open's failure value is (iconv_t)-1.
    if (cd == reinterpret_cast<iconv_t>(-1)) {  // NOLINT(performance-no-int-to-ptr)
        return {};
    }
    std::string out(input.size() * 4 + 8, '\0');
    // iconv's interface is not const-correct.
    auto* in_ptr =
        const_cast<char*>(input.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    std::size_t in_left = input.size();
    char* out_ptr = out.data();
    std::size_t out_left = out.size();
    const auto done = ::iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
    ::iconv_close(cd);
    if (done == static_cast<std::size_t>(-1) || in_left != 0) {
        return {};
    }
    out.resize(out.size() - out_left);
    return out;
}

}  // namespace

std::vector<char32_t> code_points(std::string_view utf8) {
    std::vector<char32_t> out;
    out.reserve(utf8.size());
    std::size_t i = 0;
    while (i < utf8.size()) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        int length = 0;
        char32_t c = 0;
        if (lead < 0x80) {
            out.push_back(lead);
            ++i;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            c = lead & 0x1FU;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            c = lead & 0x0FU;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            c = lead & 0x07U;
        } else {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        bool valid = i + static_cast<std::size_t>(length) <= utf8.size();
        for (int k = 1; valid && k < length; ++k) {
            const auto next = static_cast<unsigned char>(utf8[i + static_cast<std::size_t>(k)]);
            valid = (next & 0xC0U) == 0x80U;
            c = (c << 6U) | (next & 0x3FU);
        }
        // Overlong forms, surrogates and code points above U+10FFFF are invalid too.
        const char32_t minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
        if (!valid || c < minimum || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        out.push_back(c);
        i += static_cast<std::size_t>(length);
    }
    return out;
}

std::string to_utf8(char32_t c) {
    std::string out;
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0U | (c >> 6U)));
        out.push_back(static_cast<char>(0x80U | (c & 0x3FU)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0U | (c >> 12U)));
        out.push_back(static_cast<char>(0x80U | ((c >> 6U) & 0x3FU)));
        out.push_back(static_cast<char>(0x80U | (c & 0x3FU)));
    } else {
        out.push_back(static_cast<char>(0xF0U | (c >> 18U)));
        out.push_back(static_cast<char>(0x80U | ((c >> 12U) & 0x3FU)));
        out.push_back(static_cast<char>(0x80U | ((c >> 6U) & 0x3FU)));
        out.push_back(static_cast<char>(0x80U | (c & 0x3FU)));
    }
    return out;
}

int columns_of(char32_t c) {
    if (c < 0x20 || (c >= 0x7F && c < 0xA0) || in(kZeroWidth, c)) {
        return 0;
    }
    return in(kWide, c) ? 2 : 1;
}

int display_columns(std::string_view utf8) {
    int total = 0;
    for (const auto c : code_points(utf8)) {
        total += columns_of(c);
    }
    return total;
}

std::vector<std::string> wrap(std::string_view utf8, int columns) {
    std::vector<std::string> lines;
    const auto points = code_points(utf8);
    std::vector<char32_t> line;
    int width = 0;
    std::size_t last_break = 0;  // in `line`: where it may be cut (0: nowhere)
    const auto emit = [&](std::size_t end) {
        std::size_t stop = end;
        while (stop > 0 && line[stop - 1] == U' ') {
            --stop;
        }
        std::string text;
        for (std::size_t k = 0; k < stop; ++k) {
            text += to_utf8(line[k]);
        }
        lines.push_back(std::move(text));
        std::size_t start = end;
        while (start < line.size() && line[start] == U' ') {
            ++start;
        }
        line.erase(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(start));
        width = 0;
        for (const auto c : line) {
            width += columns_of(c);
        }
        last_break = 0;
    };
    for (const auto c : points) {
        if (c == U'\n') {
            emit(line.size());
            continue;
        }
        const int w = columns_of(c);
        if (width + w > columns && !line.empty()) {
            // Break at the last opportunity, or before this character when there is none, or
            // when this character may start a line by itself.
            const bool wide = w == 2 || columns_of(line.back()) == 2;
            emit(last_break > 0 && !wide ? last_break : line.size());
        }
        if (c == U' ' && line.empty()) {
            continue;  // no line starts with a space
        }
        line.push_back(c);
        width += w;
        if (c == U' ' || w == 2) {
            last_break = line.size();
        }
    }
    if (!line.empty() || lines.empty()) {
        emit(line.size());
    }
    return lines;
}

std::string gb18030_of(char32_t c) {
    if (c == kReplacement) {
        return {};
    }
    return convert("GB18030", "UTF-8", to_utf8(c));
}

std::string to_gb18030(std::string_view utf8) {
    // The whole text in one conversion when it is valid and GB18030 carries all of it (the
    // usual case); else character by character, with '?' for what cannot be carried.
    bool ascii_only = true;
    for (const char c : utf8) {
        ascii_only = ascii_only && static_cast<unsigned char>(c) < 0x80;
    }
    if (ascii_only) {
        return std::string(utf8);
    }
    if (auto whole = convert("GB18030", "UTF-8", utf8); !whole.empty()) {
        return whole;
    }
    std::string out;
    for (const auto c : code_points(utf8)) {
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            continue;
        }
        const auto encoded = gb18030_of(c);
        out += encoded.empty() ? std::string("?") : encoded;
    }
    return out;
}

std::string from_gb18030(std::string_view gb18030) {
    std::string out;
    std::size_t i = 0;
    while (i < gb18030.size()) {
        const auto lead = static_cast<unsigned char>(gb18030[i]);
        if (lead < 0x80) {
            out.push_back(static_cast<char>(lead));
            ++i;
            continue;
        }
        // Two bytes (81-FE, 40-7E/80-FE) or four (81-FE, 30-39, 81-FE, 30-39).
        std::size_t length = 2;
        if (i + 1 < gb18030.size()) {
            const auto second = static_cast<unsigned char>(gb18030[i + 1]);
            if (second >= 0x30 && second <= 0x39) {
                length = 4;
            }
        }
        auto decoded = i + length <= gb18030.size()
                           ? convert("UTF-8", "GB18030", gb18030.substr(i, length))
                           : std::string();
        if (decoded.empty()) {
            out += to_utf8(kReplacement);
            ++i;
            continue;
        }
        out += decoded;
        i += length;
    }
    return out;
}

}  // namespace hk::proto::escpos

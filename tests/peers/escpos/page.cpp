// The page model's helpers: see page.hpp.
#include "tests/peers/escpos/page.hpp"

#include <numeric>

namespace hk::test::escpos {

int Barcode::width() const {
    return std::accumulate(bars.begin(), bars.end(), 0);
}

int block_height(const Block& block) {
    struct Height {
        int operator()(const TextLine& line) const { return line.advance; }
        int operator()(const QrSymbol& qr) const { return qr.modules * qr.module_size; }
        int operator()(const Barcode& code) const {
            const int hri = code.hri_font_b ? 17 : 24;
            const int sides = (code.hri_position & 1) + ((code.hri_position >> 1) & 1);
            return code.height + sides * hri;
        }
        int operator()(const RasterImage& image) const { return image.height * image.scale_y; }
        int operator()(const Feed& feed) const { return feed.dots; }
    };
    return std::visit(Height{}, block);
}

std::string Page::text() const {
    std::string out;
    for (const auto& block : blocks) {
        if (const auto* line = std::get_if<TextLine>(&block)) {
            for (const auto& run : line->runs) {
                out += to_utf8(run.text);
            }
            out += '\n';
        }
    }
    return out;
}

std::vector<const QrSymbol*> Page::qr_symbols() const {
    std::vector<const QrSymbol*> out;
    for (const auto& block : blocks) {
        if (const auto* qr = std::get_if<QrSymbol>(&block)) {
            out.push_back(qr);
        }
    }
    return out;
}

std::vector<const Barcode*> Page::barcodes() const {
    std::vector<const Barcode*> out;
    for (const auto& block : blocks) {
        if (const auto* code = std::get_if<Barcode>(&block)) {
            out.push_back(code);
        }
    }
    return out;
}

std::string to_utf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t c : text) {
        if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            c = 0xFFFD;
        }
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

}  // namespace hk::test::escpos

// The page renderer: see renderer.hpp.
#include "tests/peers/escpos/renderer.hpp"

#include <algorithm>
#include <map>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <png.h>

namespace hk::test::escpos {
namespace {

constexpr std::size_t kMaxCachedGlyphs = 4096;

struct Glyph {
    bool missing = false;
    int left = 0;     // from the pen position to the bitmap's left edge
    int top = 0;      // from the baseline up to the bitmap's top edge
    int advance = 0;  // pen advance in pixels
    int ascent = 0;   // the font's ascender at this size
    int descent = 0;  // and descender (positive)
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> ink;  // width x height, 1 = black
};

int aligned_x(Align align, int page_width, int width) {
    switch (align) {
        case Align::center:
            return std::max(0, (page_width - width) / 2);
        case Align::right:
            return std::max(0, page_width - width);
        case Align::left:
            break;
    }
    return 0;
}

class Canvas {
public:
    Canvas(int width, int height)
        : bitmap_{width, height,
                  std::vector<std::uint8_t>(
                      static_cast<std::size_t>(width) * static_cast<std::size_t>(height), 255)} {}

    void fill(int x0, int y0, int x1, int y1) {
        x0 = std::max(x0, 0);
        y0 = std::max(y0, 0);
        x1 = std::min(x1, bitmap_.width);
        y1 = std::min(y1, bitmap_.height);
        for (int y = y0; y < y1; ++y) {
            auto* row = bitmap_.pixels.data() + static_cast<std::ptrdiff_t>(y) * bitmap_.width;
            std::fill(row + x0, row + std::max(x0, x1), std::uint8_t{0});
        }
    }
    void dot(int x, int y) { fill(x, y, x + 1, y + 1); }
    [[nodiscard]] int height() const { return bitmap_.height; }
    Bitmap take() { return std::move(bitmap_); }

private:
    Bitmap bitmap_;
};

}  // namespace

int Bitmap::count_black(int x0, int y0, int x1, int y1) const {
    int count = 0;
    for (int y = std::max(y0, 0); y < std::min(y1, height); ++y) {
        for (int x = std::max(x0, 0); x < std::min(x1, width); ++x) {
            count += black(x, y) ? 1 : 0;
        }
    }
    return count;
}

struct Renderer::Impl {
    RendererOptions options;
    FT_Library library = nullptr;
    FT_Face face = nullptr;
    std::uint64_t missing = 0;
    std::map<std::tuple<char32_t, int, int>, Glyph> glyphs;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() {
        if (face != nullptr) {
            FT_Done_Face(face);
        }
        if (library != nullptr) {
            FT_Done_FreeType(library);
        }
    }

    // The glyph of `c` in an em of em_width x em_height pixels.
    const Glyph& glyph(char32_t c, int em_width, int em_height) {
        const auto key = std::tuple{c, em_width, em_height};
        if (const auto it = glyphs.find(key); it != glyphs.end()) {
            return it->second;
        }
        if (glyphs.size() >= kMaxCachedGlyphs) {
            glyphs.clear();
        }
        Glyph out;
        const auto index = FT_Get_Char_Index(face, c);
        if (index == 0 ||
            FT_Set_Pixel_Sizes(face, static_cast<FT_UInt>(em_width),
                               static_cast<FT_UInt>(em_height)) != 0 ||
            FT_Load_Glyph(face, index, FT_LOAD_RENDER) != 0) {
            out.missing = true;
            return glyphs.emplace(key, std::move(out)).first->second;
        }
        const auto* slot = face->glyph;
        out.left = slot->bitmap_left;
        out.top = slot->bitmap_top;
        out.advance = static_cast<int>(slot->advance.x >> 6);
        out.ascent = static_cast<int>(face->size->metrics.ascender >> 6);
        out.descent = static_cast<int>(-(face->size->metrics.descender >> 6));
        out.width = static_cast<int>(slot->bitmap.width);
        out.height = static_cast<int>(slot->bitmap.rows);
        out.ink.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height));
        for (int y = 0; y < out.height; ++y) {
            const auto* row =
                slot->bitmap.buffer + static_cast<std::ptrdiff_t>(y) * slot->bitmap.pitch;
            for (int x = 0; x < out.width; ++x) {
                const bool ink = slot->bitmap.pixel_mode == FT_PIXEL_MODE_MONO
                                     ? ((row[x / 8] >> (7 - x % 8)) & 1U) != 0
                                     : row[x] >= 128;
                out.ink[static_cast<std::size_t>(y) * static_cast<std::size_t>(out.width) +
                        static_cast<std::size_t>(x)] = ink ? 1 : 0;
            }
        }
        return glyphs.emplace(key, std::move(out)).first->second;
    }

    // Draws `c` in the cell at (x, y) of cell_width x cell_height dots.
    void character(Canvas& canvas, char32_t c, int x, int y, int cell_width, int cell_height,
                   bool wide, bool bold) {
        if (c == U' ' || c == U'\u3000') {
            return;
        }
        // The mono face's Latin glyphs are half an em wide, its CJK glyphs a whole em.
        const int em_width = wide ? cell_width : 2 * cell_width;
        const Glyph& g = glyph(c, em_width, cell_height);
        if (g.missing) {
            ++missing;
            // A box, as printers print a character they have no pattern for.
            canvas.fill(x + 2, y + 2, x + cell_width - 2, y + 3);
            canvas.fill(x + 2, y + cell_height - 3, x + cell_width - 2, y + cell_height - 2);
            canvas.fill(x + 2, y + 2, x + 3, y + cell_height - 2);
            canvas.fill(x + cell_width - 3, y + 2, x + cell_width - 2, y + cell_height - 2);
            return;
        }
        const int span = std::max(1, g.ascent + g.descent);
        const int baseline = y + cell_height * g.ascent / span;
        const int pen = x + (cell_width - g.advance) / 2;
        for (int gy = 0; gy < g.height; ++gy) {
            for (int gx = 0; gx < g.width; ++gx) {
                if (g.ink[static_cast<std::size_t>(gy) * static_cast<std::size_t>(g.width) +
                          static_cast<std::size_t>(gx)] == 0) {
                    continue;
                }
                const int px = pen + g.left + gx;
                const int py = baseline - g.top + gy;
                canvas.dot(px, py);
                if (bold) {
                    canvas.dot(px + 1, py);
                }
            }
        }
    }

    void text_line(Canvas& canvas, const TextLine& line, int top) {
        int x = aligned_x(line.align, options.width, line.width);
        for (const auto& run : line.runs) {
            const auto& style = run.style;
            const int cell_width = (style.wide ? 24 : (style.font_b ? 9 : 12)) * style.width;
            const int cell_height = (style.wide ? 24 : (style.font_b ? 17 : 24)) * style.height;
            const int cell_top = top + line.height - cell_height;
            for (const char32_t c : run.text) {
                character(canvas, c, x, cell_top, cell_width, cell_height, style.wide, style.bold);
                if (style.underline > 0) {
                    canvas.fill(x, top + line.height - style.underline, x + cell_width,
                                top + line.height);
                }
                x += cell_width;
            }
        }
    }

    void qr(Canvas& canvas, const QrSymbol& symbol, int top) const {
        const int size = symbol.module_size;
        const int x0 = aligned_x(symbol.align, options.width, symbol.modules * size);
        for (int row = 0; row < symbol.modules; ++row) {
            for (int col = 0; col < symbol.modules; ++col) {
                if (symbol.cells[static_cast<std::size_t>(row) *
                                     static_cast<std::size_t>(symbol.modules) +
                                 static_cast<std::size_t>(col)] != 0) {
                    canvas.fill(x0 + col * size, top + row * size, x0 + (col + 1) * size,
                                top + (row + 1) * size);
                }
            }
        }
    }

    void hri(Canvas& canvas, const Barcode& code, int top) {
        const int cell_width = code.hri_font_b ? 9 : 12;
        const int cell_height = code.hri_font_b ? 17 : 24;
        const int width = static_cast<int>(code.hri.size()) * cell_width;
        const int bars_x = aligned_x(code.align, options.width, code.width());
        int x = std::max(0, bars_x + (code.width() - width) / 2);
        for (const char c : code.hri) {
            character(canvas, static_cast<unsigned char>(c), x, top, cell_width, cell_height, false,
                      false);
            x += cell_width;
        }
    }

    void barcode(Canvas& canvas, const Barcode& code, int top) {
        const int hri_height = code.hri_font_b ? 17 : 24;
        int y = top;
        if ((code.hri_position & 1) != 0) {
            hri(canvas, code, y);
            y += hri_height;
        }
        int x = aligned_x(code.align, options.width, code.width());
        bool bar = true;
        for (const int width : code.bars) {
            if (bar) {
                canvas.fill(x, y, x + width, y + code.height);
            }
            x += width;
            bar = !bar;
        }
        y += code.height;
        if ((code.hri_position & 2) != 0) {
            hri(canvas, code, y);
        }
    }

    void raster(Canvas& canvas, const RasterImage& image, int top) const {
        const int bytes_per_row = image.width / 8;
        const int x0 = aligned_x(image.align, options.width, image.width * image.scale_x);
        for (int row = 0; row < image.height; ++row) {
            for (int col = 0; col < image.width; ++col) {
                const auto byte = image.bits[static_cast<std::size_t>(row) *
                                                 static_cast<std::size_t>(bytes_per_row) +
                                             static_cast<std::size_t>(col / 8)];
                if (((byte >> (7 - col % 8)) & 1U) != 0) {
                    canvas.fill(x0 + col * image.scale_x, top + row * image.scale_y,
                                x0 + (col + 1) * image.scale_x, top + (row + 1) * image.scale_y);
                }
            }
        }
    }

    Bitmap render(const Page& page) {
        Canvas canvas(options.width, std::clamp(page.height, 1, options.max_height));
        int top = 0;
        for (const auto& block : page.blocks) {
            if (top >= canvas.height()) {
                break;
            }
            if (const auto* line = std::get_if<TextLine>(&block)) {
                text_line(canvas, *line, top);
            } else if (const auto* symbol = std::get_if<QrSymbol>(&block)) {
                qr(canvas, *symbol, top);
            } else if (const auto* code = std::get_if<Barcode>(&block)) {
                barcode(canvas, *code, top);
            } else if (const auto* image = std::get_if<RasterImage>(&block)) {
                raster(canvas, *image, top);
            }
            top += block_height(block);
        }
        return canvas.take();
    }
};

Renderer::Renderer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Renderer::Renderer(Renderer&&) noexcept = default;
Renderer& Renderer::operator=(Renderer&&) noexcept = default;
Renderer::~Renderer() = default;

std::expected<Renderer, std::string> Renderer::create(RendererOptions options) {
    if (options.width <= 0 || options.max_height <= 0) {
        return std::unexpected(std::string("the page width and height limit must be positive"));
    }
    std::error_code error;
    if (!std::filesystem::is_regular_file(options.font, error)) {
        return std::unexpected(fmt::format(
            "font {} not found: install the Debian package fonts-wqy-microhei or give another "
            "CJK font",
            options.font.string()));
    }
    auto impl = std::make_unique<Impl>();
    if (FT_Init_FreeType(&impl->library) != 0) {
        impl->library = nullptr;
        return std::unexpected(std::string("FreeType failed to start"));
    }
    if (FT_New_Face(impl->library, options.font.c_str(), options.font_face, &impl->face) != 0 &&
        FT_New_Face(impl->library, options.font.c_str(), 0, &impl->face) != 0) {
        impl->face = nullptr;
        return std::unexpected(
            fmt::format("font {} cannot be read by FreeType", options.font.string()));
    }
    impl->options = std::move(options);
    return Renderer(std::move(impl));
}

Bitmap Renderer::render(const Page& page) {
    return impl_->render(page);
}
std::uint64_t Renderer::missing_glyphs() const {
    return impl_->missing;
}

std::expected<void, std::string> write_png(const Bitmap& bitmap,
                                           const std::filesystem::path& file) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(bitmap.width);
    image.height = static_cast<png_uint_32>(bitmap.height);
    image.format = PNG_FORMAT_GRAY;
    auto partial = file;
    partial += ".part";
    if (png_image_write_to_file(&image, partial.c_str(), 0, bitmap.pixels.data(), 0, nullptr) ==
        0) {
        return std::unexpected(fmt::format("{}: {}", file.string(), image.message));
    }
    std::error_code error;
    std::filesystem::rename(partial, file, error);
    if (error) {
        return std::unexpected(fmt::format("{}: {}", file.string(), error.message()));
    }
    return {};
}

std::expected<Bitmap, std::string> read_png(const std::filesystem::path& file) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (png_image_begin_read_from_file(&image, file.c_str()) == 0) {
        return std::unexpected(fmt::format("{}: {}", file.string(), image.message));
    }
    image.format = PNG_FORMAT_GRAY;
    Bitmap out{static_cast<int>(image.width), static_cast<int>(image.height), {}};
    out.pixels.resize(PNG_IMAGE_SIZE(image));
    if (png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr) == 0) {
        png_image_free(&image);
        return std::unexpected(fmt::format("{}: {}", file.string(), image.message));
    }
    return out;
}

}  // namespace hk::test::escpos

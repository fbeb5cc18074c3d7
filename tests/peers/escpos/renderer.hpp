// Draws the emulator's pages as a thermal printer prints them: one dot per pixel, black on
// white, at the print area's width (576 dots for 80 mm paper, 384 for 58 mm). Text is drawn
// with FreeType from a CJK font in the printer's character cells (12x24 dots for font A
// one-byte characters, 24x24 for double-byte ones, 9x17 for font B, scaled by GS !), QR codes
// and barcodes from their encoded modules, raster images as sent. PNG files in and out
// (libpng) for tests and the emulator's page output.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/peers/escpos/interpreter.hpp"
#include "tests/peers/escpos/page.hpp"

namespace hk::test::escpos {

// Debian's fonts-wqy-microhei; its second face (WenQuanYi Micro Hei Mono) has half-width
// Latin, as a printer's font A has.
inline constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
inline constexpr int kDefaultFontFace = 1;

struct Bitmap {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;  // row-major, 0 = black (printed), 255 = white

    [[nodiscard]] bool black(int x, int y) const {
        return pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                      static_cast<std::size_t>(x)] < 128;
    }
    // Black pixels in the rectangle [x0, x1) x [y0, y1), clipped to the bitmap.
    [[nodiscard]] int count_black(int x0, int y0, int x1, int y1) const;
};

struct RendererOptions {
    int width = kWidth80mm;
    std::filesystem::path font = kDefaultFont;
    int font_face = kDefaultFontFace;  // index in a font collection; 0 when the file has one
    int max_height = 20000;            // longer pages are cut off (a limit, not a printer trait)
};

class Renderer {
public:
    // Fails when the font is missing or unreadable; the message names the file and the Debian
    // package to install.
    static std::expected<Renderer, std::string> create(RendererOptions options = {});
    Renderer(Renderer&&) noexcept;
    Renderer& operator=(Renderer&&) noexcept;
    Renderer(const Renderer&) = delete;
    Renderer& operator=(const Renderer&) = delete;
    ~Renderer();

    [[nodiscard]] Bitmap render(const Page& page);
    // Characters the font has no glyph for, drawn as boxes, since the renderer was made.
    [[nodiscard]] std::uint64_t missing_glyphs() const;

private:
    struct Impl;
    explicit Renderer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// 8-bit grey PNG files.
[[nodiscard]] std::expected<void, std::string> write_png(const Bitmap& bitmap,
                                                         const std::filesystem::path& file);
// Reads any PNG as 8-bit grey.
[[nodiscard]] std::expected<Bitmap, std::string> read_png(const std::filesystem::path& file);

}  // namespace hk::test::escpos

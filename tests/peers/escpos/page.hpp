// The ESC/POS emulator's model of what a printer put on paper: a page is everything printed
// between two cuts, as a list of blocks from top to bottom (text lines, QR symbols, barcodes,
// raster images, blank feeds). Symbols are kept already encoded (QR modules, bar widths in
// dots), as the printer computed them, so the renderer only draws. The printer's own state
// (paper, cover, cutter, online) and its counters live here too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hk::test::escpos {

enum class Align : std::uint8_t { left, center, right };

// How characters of a run are printed. `wide`: a double-byte (Kanji mode) character, 24 dots
// wide in font A; otherwise a one-byte character (12 dots in font A, 9 in font B).
struct TextStyle {
    int width = 1;   // GS ! / ESC ! magnification, 1..8
    int height = 1;  // 1..8
    bool bold = false;
    int underline = 0;  // dots: 0, 1 or 2
    bool font_b = false;
    bool wide = false;
    bool operator==(const TextStyle&) const = default;
};

struct TextRun {
    TextStyle style;
    std::u32string text;
    bool operator==(const TextRun&) const = default;
};

// One printed line of text. `height` is the tallest character cell; `advance` is how far the
// paper moved for the line (the line spacing, or the height when taller).
struct TextLine {
    Align align = Align::left;
    std::vector<TextRun> runs;
    int width = 0;  // dots taken by the characters
    int height = 0;
    int advance = 0;
    bool operator==(const TextLine&) const = default;
};

enum class QrErrorCorrection : std::uint8_t { L, M, Q, H };

// A QR code (or Micro QR) as printed: `modules` x `modules` cells of `module_size` dots.
struct QrSymbol {
    Align align = Align::left;
    std::string data;  // the bytes stored with GS ( k fn 80
    int model = 2;     // 1, 2, or 3 for Micro QR (ESC/POS n1 = 49, 50, 51)
    QrErrorCorrection error_correction = QrErrorCorrection::L;
    int module_size = 3;
    int modules = 0;
    std::vector<std::uint8_t> cells;  // row-major, 1 = dark
    bool operator==(const QrSymbol&) const = default;
};

enum class Symbology : std::uint8_t {
    upc_a,
    upc_e,
    ean13,
    ean8,
    code39,
    itf,
    codabar,
    code93,
    code128
};

// A 1D barcode as printed: `bars` are alternating bar and space widths in dots, bar first.
struct Barcode {
    Align align = Align::left;
    Symbology symbology = Symbology::code128;
    std::string data;      // the data bytes as sent with GS k
    std::string hri;       // the human readable interpretation
    int height = 162;      // dots
    int hri_position = 0;  // GS H: 0 none, 1 above, 2 below, 3 both
    bool hri_font_b = false;
    std::vector<int> bars;
    [[nodiscard]] int width() const;
    bool operator==(const Barcode&) const = default;
};

// A GS v 0 raster image: rows of ceil(width / 8) bytes, most significant bit leftmost, 1 =
// black; printed `scale_x` x `scale_y` times larger.
struct RasterImage {
    Align align = Align::left;
    int width = 0;  // dots of the source image
    int height = 0;
    int scale_x = 1;
    int scale_y = 1;
    std::vector<std::uint8_t> bits;
    bool operator==(const RasterImage&) const = default;
};

// Paper fed without printing.
struct Feed {
    int dots = 0;
    bool operator==(const Feed&) const = default;
};

using Block = std::variant<TextLine, QrSymbol, Barcode, RasterImage, Feed>;

// How far a block moves the paper.
[[nodiscard]] int block_height(const Block& block);

enum class Cut : std::uint8_t { none, full, partial };

struct Page {
    std::vector<Block> blocks;
    int height = 0;            // dots of paper used: the sum of the blocks' heights
    Cut cut = Cut::none;       // how the page ended; none while it is being printed
    bool truncated = false;    // content beyond the page length limit was dropped
    bool interrupted = false;  // printing stopped (paper out, cover, error) inside this page
    bool operator==(const Page&) const = default;

    // The text lines in UTF-8, one per line, '\n' after each.
    [[nodiscard]] std::string text() const;
    [[nodiscard]] std::vector<const QrSymbol*> qr_symbols() const;
    [[nodiscard]] std::vector<const Barcode*> barcodes() const;
};

enum class Paper : std::uint8_t { ok, near_end, out };

// What a technician, the roll or the mechanism does to the printer; scripted by tests.
struct PrinterState {
    Paper paper = Paper::ok;
    bool cover_open = false;
    bool cutter_error = false;  // a recoverable error: DLE ENQ 1/2 or "cutter ok" clears it
    bool online_switch = true;  // false: offline by request (as with a panel's online key)
    bool operator==(const PrinterState&) const = default;
};

struct Counters {
    std::uint64_t bytes_received = 0;
    std::uint64_t commands = 0;        // commands and characters executed
    std::uint64_t pages = 0;           // cuts
    std::uint64_t lines = 0;           // text lines printed
    std::uint64_t symbols = 0;         // QR codes and barcodes printed
    std::uint64_t images = 0;          // raster images printed
    std::uint64_t status_replies = 0;  // DLE EOT, GS r, GS I answers
    std::uint64_t asb_frames = 0;      // automatic status back frames sent
    std::uint64_t unknown = 0;         // commands the emulator does not know: skipped, logged
    std::uint64_t ignored = 0;         // known commands it does not emulate: skipped whole
    std::uint64_t errors = 0;          // commands refused: bad parameters, symbols that do not fit
    std::uint64_t dropped_bytes = 0;   // receive buffer overflow while printing was held
    std::uint64_t skipped_bytes = 0;   // data of commands larger than the emulator keeps
    std::uint64_t truncated_blocks = 0;
    std::uint64_t discarded_pages = 0;  // cut pages not kept (the kept list is bounded)
    bool operator==(const Counters&) const = default;
};

// UTF-32 to UTF-8.
[[nodiscard]] std::string to_utf8(std::u32string_view text);

}  // namespace hk::test::escpos

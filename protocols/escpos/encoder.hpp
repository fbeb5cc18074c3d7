// ESC/POS commands for thermal ticket printers (docs/escpos.md), as a builder of bytes: no I/O.
// The commands are Epson's ESC/POS as Chinese ticket printers implement it: text in GB18030
// inside Kanji mode (FS & … FS .), character sizes and emphasis, alignment, native QR (GS ( k)
// and Code128 (GS k), raster images (GS v 0), feed and cut, and the real-time status queries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hk::proto::escpos {

// What differs between printer models.
struct Profile {
    int dots_per_line = 576;  // 80 mm paper at 203 dpi; 58 mm: 384
    int columns = 48;         // font A (12 × 24 dots): 48 on 80 mm, 32 on 58 mm
    // FS & / FS . around Chinese text. Most Chinese printers want it; some print GB18030 by
    // default and take FS & as garbage.
    bool kanji_mode_commands = true;
    std::optional<std::uint8_t> code_page;  // ESC t n after ESC @, for models that need it
};

[[nodiscard]] Profile profile_80mm();
[[nodiscard]] Profile profile_58mm();

enum class Align : std::uint8_t { left = 0, center = 1, right = 2 };

// A 1-bit image: rows packed MSB first, each row (width + 7) / 8 bytes; 1 is black.
struct Bitmap {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> bits;
};

class Encoder {
public:
    explicit Encoder(Profile profile = profile_80mm()) : profile_(profile) {}

    Encoder& init();                       // ESC @, then ESC t n when the profile has a code page
    Encoder& align(Align align);           // ESC a n
    Encoder& size(int width, int height);  // GS ! n, each 1..8 (clamped)
    Encoder& bold(bool on);                // ESC E n
    Encoder& underline(int dots);          // ESC - n, 0..2 (clamped)
    // UTF-8 text in GB18030; runs of non-ASCII characters inside FS & … FS . when the profile
    // says so. Control characters and what GB18030 cannot carry become '?'.
    Encoder& text(std::string_view utf8);
    Encoder& line(std::string_view utf8);  // text, then LF
    Encoder& feed(int lines);              // ESC d n, 0..255 (clamped)
    // A QR code, model 2: module size 1..16 dots, error correction 'L', 'M', 'Q' or 'H'.
    // Data over 7089 bytes is refused (error()).
    Encoder& qr(std::string_view data, int module = 6, char error_correction = 'M');
    // A Code128 barcode in code set B (printable ASCII; '{' is escaped as "{{"): bar height in
    // dots 1..255, module width 2..6, human-readable text below when asked. Anything else than
    // printable ASCII, or over 253 bytes, is refused: nothing is added and error() says why.
    Encoder& code128(std::string_view data, int height = 80, int module_width = 2,
                     bool human_readable = true);
    // A raster image, normal density (GS v 0 m=0). An image whose bits do not match its size,
    // or wider than the paper, is refused.
    Encoder& raster(const Bitmap& image);
    Encoder& cut(bool partial = true, int feed_dots = 0);  // GS V 65/66 n: feed, then cut
    Encoder& enable_status_back(std::uint8_t mask);        // GS a n: Automatic Status Back
    Encoder& query_status(int n);                          // DLE EOT n, 1..4
    Encoder& query_paper_sensor();                         // GS r 1
    Encoder& recover();  // DLE ENQ 2: recover and clear the buffer
    // Brings a printer that may be in the middle of a command back to a known state: NULs that
    // complete any command still waiting for fixed-length parameters, then CAN to drop the line
    // not yet printed (docs/escpos.md says why this and not more).
    Encoder& flush_partial();

    [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }
    [[nodiscard]] std::vector<std::uint8_t> take() { return std::move(bytes_); }
    // Why the last refused command was refused ("" when none was).
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] const Profile& profile() const { return profile_; }

private:
    void put(std::initializer_list<std::uint8_t> bytes);
    void put(std::string_view bytes);

    Profile profile_;
    std::vector<std::uint8_t> bytes_;
    std::string error_;
};

}  // namespace hk::proto::escpos

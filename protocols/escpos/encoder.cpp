// ESC/POS commands: see encoder.hpp.
#include "protocols/escpos/encoder.hpp"

#include <algorithm>

#include "protocols/escpos/text.hpp"

namespace hk::proto::escpos {
namespace {

constexpr std::uint8_t kEsc = 0x1B;
constexpr std::uint8_t kGs = 0x1D;
constexpr std::uint8_t kFs = 0x1C;
constexpr std::uint8_t kDle = 0x10;
constexpr std::uint8_t kLf = 0x0A;
constexpr std::uint8_t kCan = 0x18;
constexpr std::size_t kMaxQrBytes = 7089;
constexpr std::size_t kMaxCode128Bytes = 253;  // GS k n: the length byte counts "{B" too
// The longest fixed-length parameter list of any command a printer may be stuck in (GS ( k's
// function header is 5 bytes, GS v 0's 5, GS ( L's up to 8): NULs to complete it.
constexpr std::size_t kFlushNuls = 8;

std::uint8_t clamp_byte(int value, int low, int high) {
    return static_cast<std::uint8_t>(std::clamp(value, low, high));
}

std::uint8_t low(std::size_t value) {
    return static_cast<std::uint8_t>(value & 0xFFU);
}

std::uint8_t high(std::size_t value) {
    return static_cast<std::uint8_t>((value >> 8U) & 0xFFU);
}

}  // namespace

Profile profile_80mm() {
    return Profile{};
}

Profile profile_58mm() {
    return Profile{.dots_per_line = 384, .columns = 32};
}

void Encoder::put(std::initializer_list<std::uint8_t> bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
}

void Encoder::put(std::string_view bytes) {
    for (const char c : bytes) {
        bytes_.push_back(static_cast<std::uint8_t>(c));
    }
}

Encoder& Encoder::init() {
    put({kEsc, '@'});
    if (profile_.code_page) {
        put({kEsc, 't', *profile_.code_page});
    }
    return *this;
}

Encoder& Encoder::align(Align align) {
    put({kEsc, 'a', static_cast<std::uint8_t>(align)});
    return *this;
}

Encoder& Encoder::size(int width, int height) {
    const auto w = clamp_byte(width, 1, 8);
    const auto h = clamp_byte(height, 1, 8);
    put({kGs, '!', static_cast<std::uint8_t>(((w - 1U) << 4U) | (h - 1U))});
    return *this;
}

Encoder& Encoder::bold(bool on) {
    put({kEsc, 'E', static_cast<std::uint8_t>(on ? 1 : 0)});
    return *this;
}

Encoder& Encoder::underline(int dots) {
    put({kEsc, '-', clamp_byte(dots, 0, 2)});
    return *this;
}

Encoder& Encoder::text(std::string_view utf8) {
    // Runs of non-ASCII characters are converted in one go (one iconv call a run, not a
    // character); a run GB18030 cannot carry whole is done character by character.
    std::string run;
    const auto flush_run = [&] {
        if (run.empty()) {
            return;
        }
        auto encoded = to_gb18030(run);
        if (profile_.kanji_mode_commands) {
            put({kFs, '&'});
        }
        put(encoded);
        if (profile_.kanji_mode_commands) {
            put({kFs, '.'});
        }
        run.clear();
    };
    for (const auto c : code_points(utf8)) {
        if (c < 0x80) {
            flush_run();
            bytes_.push_back(c < 0x20 || c == 0x7F ? '?' : static_cast<std::uint8_t>(c));
            continue;
        }
        if (columns_of(c) == 0 || c == 0xFFFD) {
            flush_run();
            bytes_.push_back('?');
            continue;
        }
        run += to_utf8(c);
    }
    flush_run();
    return *this;
}

Encoder& Encoder::line(std::string_view utf8) {
    text(utf8);
    bytes_.push_back(kLf);
    return *this;
}

Encoder& Encoder::feed(int lines) {
    put({kEsc, 'd', clamp_byte(lines, 0, 255)});
    return *this;
}

Encoder& Encoder::qr(std::string_view data, int module, char error_correction) {
    if (data.empty() || data.size() > kMaxQrBytes) {
        error_ = "a QR code holds 1 to 7089 bytes";
        return *this;
    }
    std::uint8_t level = '1';  // M
    switch (error_correction) {
        case 'L':
            level = '0';
            break;
        case 'Q':
            level = '2';
            break;
        case 'H':
            level = '3';
            break;
        default:
            break;
    }
    put({kGs, '(', 'k', 4, 0, '1', 'A', '2', 0});                     // model 2
    put({kGs, '(', 'k', 3, 0, '1', 'C', clamp_byte(module, 1, 16)});  // module size
    put({kGs, '(', 'k', 3, 0, '1', 'E', level});                      // error correction
    const auto stored = data.size() + 3;
    put({kGs, '(', 'k', low(stored), high(stored), '1', 'P', '0'});  // store the data
    put(data);
    put({kGs, '(', 'k', 3, 0, '1', 'Q', '0'});  // print it
    return *this;
}

Encoder& Encoder::code128(std::string_view data, int height, int module_width,
                          bool human_readable) {
    std::string body = "{B";
    for (const char c : data) {
        if (c < 0x20 || c > 0x7E) {
            error_ = "Code128 here takes printable ASCII only";
            return *this;
        }
        body += c == '{' ? std::string("{{") : std::string(1, c);
    }
    if (data.empty() || body.size() > kMaxCode128Bytes) {
        error_ = "a Code128 barcode holds 1 to 251 characters";
        return *this;
    }
    put({kGs, 'h', clamp_byte(height, 1, 255)});
    put({kGs, 'w', clamp_byte(module_width, 2, 6)});
    put({kGs, 'H', static_cast<std::uint8_t>(human_readable ? 2 : 0)});
    put({kGs, 'k', 73, static_cast<std::uint8_t>(body.size())});
    put(body);
    return *this;
}

Encoder& Encoder::raster(const Bitmap& image) {
    const auto row_bytes = static_cast<std::size_t>((image.width + 7) / 8);
    if (image.width <= 0 || image.height <= 0 || image.width > profile_.dots_per_line ||
        image.height > 0xFFFF ||
        image.bits.size() != row_bytes * static_cast<std::size_t>(image.height)) {
        error_ = "a raster image must match its size and fit the paper";
        return *this;
    }
    const auto rows = static_cast<std::size_t>(image.height);
    put({kGs, 'v', '0', 0, low(row_bytes), high(row_bytes), low(rows), high(rows)});
    bytes_.insert(bytes_.end(), image.bits.begin(), image.bits.end());
    return *this;
}

Encoder& Encoder::cut(bool partial, int feed_dots) {
    put({kGs, 'V', static_cast<std::uint8_t>(partial ? 66 : 65), clamp_byte(feed_dots, 0, 255)});
    return *this;
}

Encoder& Encoder::enable_status_back(std::uint8_t mask) {
    put({kGs, 'a', mask});
    return *this;
}

Encoder& Encoder::query_status(int n) {
    put({kDle, 0x04, clamp_byte(n, 1, 4)});
    return *this;
}

Encoder& Encoder::query_paper_sensor() {
    put({kGs, 'r', 1});
    return *this;
}

Encoder& Encoder::recover() {
    put({kDle, 0x05, 2});
    return *this;
}

Encoder& Encoder::flush_partial() {
    bytes_.insert(bytes_.end(), kFlushNuls, 0);
    bytes_.push_back(kCan);
    return *this;
}

}  // namespace hk::proto::escpos

// JPEG frame-header parsing and the generated test page: see image.hpp.
#include "drivers/simulated/image.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include <fmt/format.h>

namespace hk::drivers::simulated::image {
namespace {

constexpr std::uint8_t kMarker = 0xFF;
constexpr std::uint8_t kSoi = 0xD8;
constexpr std::uint8_t kEoi = 0xD9;
constexpr std::uint8_t kSos = 0xDA;
constexpr std::uint8_t kTem = 0x01;

// SOF0..SOF15 are C0..CF, except DHT (C4), JPG (C8) and DAC (CC).
bool is_frame_header(std::uint8_t marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Markers without a length: TEM and RST0..RST7.
bool is_standalone(std::uint8_t marker) {
    return marker == kTem || (marker >= 0xD0 && marker <= 0xD7);
}

int big_endian16(std::span<const std::uint8_t> data, std::size_t pos) {
    return (data[pos] << 8) | data[pos + 1];
}

constexpr std::uint8_t kPlate = 0x8C;  // the grey base plate
constexpr std::uint8_t kPaper = 0xFF;
constexpr std::uint8_t kBorder = 0x28;
constexpr std::uint8_t kInk = 0x46;

struct Span {
    int begin = 0;
    int end = 0;  // exclusive
};

// One row of the frame: plate, then the page from `page` (its border `border` wide), with a
// bar of ink over `bar` when it is not empty.
std::vector<std::uint8_t> make_row(int width, Span page, int border, bool page_row, bool border_row,
                                   Span bar) {
    std::vector<std::uint8_t> row(static_cast<std::size_t>(width) * 3, kPlate);
    if (!page_row) {
        return row;
    }
    for (int x = page.begin; x < page.end; ++x) {
        std::uint8_t value = kPaper;
        if (border_row || x < page.begin + border || x >= page.end - border) {
            value = kBorder;
        } else if (x >= bar.begin && x < bar.end) {
            value = kInk;
        }
        const auto at = static_cast<std::size_t>(x) * 3;
        row[at] = value;
        row[at + 1] = value;
        row[at + 2] = value;
    }
    return row;
}

}  // namespace

std::expected<Size, std::string> jpeg_size(std::span<const std::uint8_t> data) {
    if (data.size() < 4 || data[0] != kMarker || data[1] != kSoi) {
        return std::unexpected(std::string("not a JPEG file (no SOI marker)"));
    }
    std::size_t pos = 2;
    while (true) {
        if (pos >= data.size()) {
            return std::unexpected(std::string("truncated: the file ends before a frame header"));
        }
        if (data[pos] != kMarker) {
            return std::unexpected(fmt::format("corrupt: no marker at byte {}", pos));
        }
        while (pos < data.size() && data[pos] == kMarker) {
            ++pos;  // fill bytes
        }
        if (pos >= data.size()) {
            return std::unexpected(std::string("truncated: the file ends inside a marker"));
        }
        const std::uint8_t marker = data[pos++];
        if (is_standalone(marker)) {
            continue;
        }
        if (marker == 0x00 || marker == kSoi) {
            return std::unexpected(
                fmt::format("corrupt: unexpected byte 0x{:02X} after 0xFF "
                            "at byte {}",
                            marker, pos - 1));
        }
        if (marker == kEoi) {
            return std::unexpected(std::string("no frame header (SOF marker) before the end"));
        }
        if (data.size() - pos < 2) {
            return std::unexpected(std::string("truncated: the file ends inside a segment"));
        }
        const auto length = static_cast<std::size_t>(big_endian16(data, pos));
        if (length < 2) {
            return std::unexpected(
                fmt::format("corrupt: segment length {} at byte {}", length, pos));
        }
        if (data.size() - pos < length) {
            return std::unexpected(fmt::format(
                "truncated: the segment at byte {} runs past the end of the file", pos));
        }
        if (marker == kSos) {
            return std::unexpected(
                std::string("no frame header (SOF marker) before the scan "
                            "data"));
        }
        if (is_frame_header(marker)) {
            // length(2) precision(1) height(2) width(2) components(1), 3 bytes per component
            if (length < 8) {
                return std::unexpected(std::string("corrupt: frame header too short"));
            }
            const int height = big_endian16(data, pos + 3);
            const int width = big_endian16(data, pos + 5);
            const std::size_t components = data[pos + 7];
            if (components == 0 || length < 8 + 3 * components) {
                return std::unexpected(std::string("corrupt: frame header components"));
            }
            if (width == 0 || height == 0) {
                return std::unexpected(
                    std::string("unsupported: the frame header gives no image size"));
            }
            return Size{width, height};
        }
        pos += length;
    }
}

Image test_page(int width, int height) {
    width = std::clamp(width, 16, 8192);
    height = std::clamp(height, 16, 8192);
    // An A4 page standing on the plate, 88% of the frame's height, centred.
    const int page_height = height * 88 / 100;
    const int page_width = std::min(page_height * 210 / 297, width * 9 / 10);
    const Span page{(width - page_width) / 2, (width - page_width) / 2 + page_width};
    const Span rows{(height - page_height) / 2, (height - page_height) / 2 + page_height};
    const int border = std::max(2, height / 240);
    const int margin = page_width / 10;
    const int line_pitch = std::max(4, page_height / 30);
    const int text_top = rows.begin + page_height / 10;
    const int text_bottom = rows.end - page_height / 10;

    const auto plate = make_row(width, page, border, false, false, {});
    const auto edge = make_row(width, page, border, true, true, {});
    const auto blank = make_row(width, page, border, true, false, {});
    const auto long_line =
        make_row(width, page, border, true, false, {page.begin + margin, page.end - margin});
    const auto short_line = make_row(width, page, border, true, false,
                                     {page.begin + margin, page.begin + page_width / 2});

    const std::string header = fmt::format("P6\n{} {}\n255\n", width, height);
    Image image{.width = width, .height = height, .format = "ppm", .bytes = {}};
    image.bytes.reserve(header.size() + static_cast<std::size_t>(width) * height * 3);
    image.bytes.insert(image.bytes.end(), header.begin(), header.end());
    for (int y = 0; y < height; ++y) {
        const std::vector<std::uint8_t>* row = &blank;
        if (y < rows.begin || y >= rows.end) {
            row = &plate;
        } else if (y < rows.begin + border || y >= rows.end - border) {
            row = &edge;
        } else if (y >= text_top && y < text_bottom &&
                   (y - text_top) % line_pitch < line_pitch / 2) {
            // every fifth line ends a paragraph: shorter
            row = ((y - text_top) / line_pitch) % 5 == 4 ? &short_line : &long_line;
        }
        image.bytes.insert(image.bytes.end(), row->begin(), row->end());
    }
    return image;
}

}  // namespace hk::drivers::simulated::image

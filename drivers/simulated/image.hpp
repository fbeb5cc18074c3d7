// Images of the simulated document camera: the size of a JPEG file read from its frame header
// (SOF marker) by a small parser that checks every length against the data and never reads
// past it, and the generated test page (a binary PPM) the camera returns without image_dir.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>

#include "drivers/sdk/device_classes.hpp"

namespace hk::drivers::simulated::image {

struct Size {
    int width = 0;
    int height = 0;
    friend bool operator==(const Size&, const Size&) = default;
};

// The width and height of a baseline, extended, progressive or lossless JPEG, or why `data` is
// not one: "not a JPEG file (no SOI marker)", "truncated: …", "no frame header (SOF marker)
// before the scan data"…
[[nodiscard]] std::expected<Size, std::string> jpeg_size(std::span<const std::uint8_t> data);

// A binary PPM (P6) of `width` × `height` (both 16..8192): a grey base plate with a white A4
// page on it, a dark border round the page and dark bars for lines of text.
[[nodiscard]] Image test_page(int width, int height);

}  // namespace hk::drivers::simulated::image

// Decoding the emulator's rendered pages with zxing-cpp, as a scanner at the counter would:
// one symbol of a given format per call, on the page with a paper margin around it.
#pragma once

#include <expected>
#include <string>

#include "tests/peers/escpos/renderer.hpp"

namespace hk::test::escpos {

enum class CodeFormat : std::uint8_t { qr, micro_qr, code128, ean13, code39, itf };

// The bytes the symbol holds, or why nothing was decoded.
[[nodiscard]] std::expected<std::string, std::string> decode(const Bitmap& bitmap,
                                                             CodeFormat format);

}  // namespace hk::test::escpos

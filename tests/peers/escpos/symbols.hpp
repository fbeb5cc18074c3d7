// Symbols as an ESC/POS printer draws them from their data: 1D barcodes from the bytes of
// GS k (Code128 with its {A/{B/{C code set selectors, EAN-13/UPC-A, EAN-8, Code39, ITF) and
// QR codes from the bytes stored with GS ( k (libqrencode, byte mode). Written from the
// symbology specifications, independently of any encoder in the tree.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/peers/escpos/page.hpp"

namespace hk::test::escpos {

// Bar and space widths, bar first. Single-width symbologies (Code128, EAN, UPC) give widths in
// modules; two-width ones (Code39, ITF) give 1 for narrow and 2 for wide.
struct BarPattern {
    std::vector<std::uint8_t> elements;
    bool two_width = false;
    std::string hri;
};

// The Code 128 patterns of symbol values 0..105 (six widths each) and the stop pattern
// (seven widths), as digit strings.
extern const std::array<std::string_view, 107> kCode128Patterns;

// Encodes GS k data. Code128 data starts with a code set selector ({A, {B or {C); in code set
// C each byte is a value 0..99. Errors say why the printer would refuse the symbol.
[[nodiscard]] std::expected<BarPattern, std::string> encode_barcode(
    Symbology symbology, std::span<const std::uint8_t> data);

// The pattern in dots for a GS w module width (two-width symbologies use the printer's
// narrow:wide table, 2:5 at module width 2).
[[nodiscard]] std::vector<int> bars_in_dots(const BarPattern& pattern, int module_width);

struct QrMatrix {
    int modules = 0;
    std::vector<std::uint8_t> cells;  // row-major, 1 = dark
};

// model: 1 and 2 give a QR code (model 1 is drawn as model 2), 3 a Micro QR code.
[[nodiscard]] std::expected<QrMatrix, std::string> encode_qr(std::string_view data,
                                                             QrErrorCorrection level, int model);

}  // namespace hk::test::escpos

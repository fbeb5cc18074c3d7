// zxing-cpp decoding for the emulator's tests: see zxing_decode.hpp. The single-result
// ReadBarcode with one format hint is used: zxing-cpp 1.4's multi-result path can assert on
// some 1D images.
#include "tests/peers/escpos/zxing_decode.hpp"

#include <ZXing/ReadBarcode.h>

namespace hk::test::escpos {
namespace {

constexpr int kMargin = 32;  // the paper beside the print area: the symbols' quiet zone

ZXing::BarcodeFormat zxing_format(CodeFormat format) {
    switch (format) {
        case CodeFormat::qr:
            return ZXing::BarcodeFormat::QRCode;
        case CodeFormat::micro_qr:
            return ZXing::BarcodeFormat::MicroQRCode;
        case CodeFormat::code128:
            return ZXing::BarcodeFormat::Code128;
        case CodeFormat::ean13:
            return ZXing::BarcodeFormat::EAN13;
        case CodeFormat::code39:
            return ZXing::BarcodeFormat::Code39;
        case CodeFormat::itf:
            return ZXing::BarcodeFormat::ITF;
    }
    return ZXing::BarcodeFormat::None;
}

}  // namespace

std::expected<std::string, std::string> decode(const Bitmap& bitmap, CodeFormat format) {
    const int width = bitmap.width + 2 * kMargin;
    const int height = bitmap.height + 2 * kMargin;
    std::vector<std::uint8_t> paper(
        static_cast<std::size_t>(width) * static_cast<std::size_t>(height), 255);
    for (int y = 0; y < bitmap.height; ++y) {
        std::copy_n(bitmap.pixels.begin() + static_cast<std::ptrdiff_t>(y) * bitmap.width,
                    bitmap.width,
                    paper.begin() + static_cast<std::ptrdiff_t>(y + kMargin) * width + kMargin);
    }
    ZXing::DecodeHints hints;
    hints.setFormats(zxing_format(format));
    hints.setTryHarder(true);
    hints.setTryRotate(false);
    const ZXing::ImageView view(paper.data(), width, height, ZXing::ImageFormat::Lum);
    const auto result = ZXing::ReadBarcode(view, hints);
    if (!result.isValid()) {
        return std::unexpected(std::string("no symbol decoded: ") + ToString(result.error()));
    }
    const auto& bytes = result.bytes();
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace hk::test::escpos

// Fuzz target for the ESC/POS emulator (tests/peers/escpos), a decoder of whatever a host
// sends: any bytes, fed in chunks the input chooses, give the same pages, replies and counters
// as feeding them whole; with printer states scripted between the chunks, the page model stays
// within its limits; and every page it keeps renders to a bitmap of the page's size.
//
// Input: byte 0 picks the chunk size, byte 1 the state changes, the rest is the byte stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "tests/peers/escpos/interpreter.hpp"
#include "tests/peers/escpos/renderer.hpp"

namespace {

namespace escpos = hk::test::escpos;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

constexpr int kMaxPageHeight = 2000;
constexpr std::size_t kMaxImageBytes = std::size_t{16} * 1024;
constexpr std::size_t kMaxBuffered = std::size_t{64} * 1024;
constexpr std::size_t kMaxKeptPages = 4;
constexpr std::size_t kMaxLogLines = 8;

escpos::InterpreterOptions limits() {
    return {.max_page_height = kMaxPageHeight,
            .max_image_bytes = kMaxImageBytes,
            .max_buffered_bytes = kMaxBuffered,
            .max_kept_pages = kMaxKeptPages,
            .max_log_lines = kMaxLogLines};
}

struct Run {
    std::vector<escpos::Page> pages;
    escpos::Page current;
    std::vector<std::uint8_t> output;
    escpos::Counters counters;
    bool operator==(const Run&) const = default;
};

Run finish(escpos::Interpreter& printer) {
    return {printer.take_pages(), printer.current_page(), printer.take_output(),
            printer.counters()};
}

void check_page(const escpos::Page& page) {
    require(page.height <= kMaxPageHeight);
    int height = 0;
    for (const auto& block : page.blocks) {
        height += escpos::block_height(block);
        if (const auto* image = std::get_if<escpos::RasterImage>(&block)) {
            require(image->bits.size() == static_cast<std::size_t>(image->width / 8) *
                                              static_cast<std::size_t>(image->height));
            require(image->bits.size() <= kMaxImageBytes);
        } else if (const auto* qr = std::get_if<escpos::QrSymbol>(&block)) {
            require(qr->cells.size() ==
                    static_cast<std::size_t>(qr->modules) * static_cast<std::size_t>(qr->modules));
        }
    }
    require(height == page.height);
}

void script(escpos::Interpreter& printer, std::uint8_t choice) {
    switch (choice % 8) {
        case 0:
            printer.set_paper(escpos::Paper::out);
            break;
        case 1:
            printer.set_paper(escpos::Paper::ok);
            break;
        case 2:
            printer.set_paper(escpos::Paper::near_end);
            break;
        case 3:
            printer.set_cover_open(choice >= 128);
            break;
        case 4:
            printer.set_cutter_error(choice >= 128);
            break;
        case 5:
            printer.set_online(choice >= 128);
            break;
        case 6:
            printer.set_roll_remaining(choice);
            break;
        default:
            break;  // no change
    }
}

escpos::Renderer* renderer() {
    static std::optional<escpos::Renderer> made = [] {
        auto r = escpos::Renderer::create(escpos::RendererOptions{.max_height = kMaxPageHeight});
        return r ? std::optional<escpos::Renderer>(std::move(*r)) : std::nullopt;
    }();
    return made ? &*made : nullptr;
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::size_t chunk = 1 + data[0] % 16;
    const std::uint8_t states = data[1];
    const std::span<const std::uint8_t> bytes(data + 2, size - 2);

    // Chunking changes nothing.
    escpos::Interpreter whole(limits());
    whole.feed(bytes);
    escpos::Interpreter chunked(limits());
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        chunked.feed(bytes.subspan(at, std::min(chunk, bytes.size() - at)));
    }
    require(whole.buffered_bytes() <= kMaxBuffered);
    const auto reference = finish(whole);
    require(finish(chunked) == reference);
    require(reference.pages.size() <= kMaxKeptPages);

    // States changing between chunks: the limits hold and what is kept renders.
    escpos::Interpreter scripted(limits());
    std::size_t step = 0;
    for (std::size_t at = 0; at < bytes.size(); at += chunk, ++step) {
        scripted.feed(bytes.subspan(at, std::min(chunk, bytes.size() - at)));
        script(scripted, static_cast<std::uint8_t>(states + step * 37));
        require(scripted.buffered_bytes() <= kMaxBuffered);
        require(scripted.log().size() <= kMaxLogLines);
    }
    scripted.set_roll_remaining(std::nullopt);
    scripted.set_paper(escpos::Paper::ok);
    scripted.set_cover_open(false);
    scripted.set_cutter_error(false);
    scripted.set_online(true);
    require(!scripted.offline());
    require(scripted.buffered_bytes() == 0);
    auto pages = scripted.take_pages();
    pages.push_back(scripted.current_page());
    for (const auto& page : pages) {
        check_page(page);
    }
    if (auto* draw = renderer()) {
        for (const auto& page : pages) {
            const auto bitmap = draw->render(page);
            require(bitmap.width == escpos::kWidth80mm);
            require(bitmap.height == std::max(page.height, 1));
            require(bitmap.pixels.size() == static_cast<std::size_t>(bitmap.width) *
                                                static_cast<std::size_t>(bitmap.height));
        }
    }
    return 0;
}

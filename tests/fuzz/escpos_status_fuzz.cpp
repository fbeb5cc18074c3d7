// Fuzz target for the ESC/POS status reader and text layout: the first byte picks the queries
// expected, the rest is what a printer sent back. Never crash; every event is a reply to a query
// asked, a status back frame or noise with a reason; the same bytes in one piece or one at a
// time give the same events. The input as text wraps into lines that fit their columns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <variant>

#include "protocols/escpos/status.hpp"
#include "protocols/escpos/text.hpp"

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    namespace escpos = hk::proto::escpos;
    const auto plan = data[0];
    const std::span<const std::uint8_t> bytes(data + 1, size - 1);
    escpos::StatusReader whole;
    escpos::StatusReader split;
    for (unsigned i = 0; i < 4; ++i) {
        const auto query = static_cast<escpos::Query>(((plan >> (2U * i)) & 3U) + 1U);
        whole.expect(query);
        split.expect(query);
    }
    const auto events = whole.feed(bytes);
    std::size_t count = 0;
    for (const auto byte : bytes) {
        count += split.feed(std::span<const std::uint8_t>(&byte, 1)).size();
    }
    require(count == events.size());
    std::size_t replies = 0;
    for (const auto& event : events) {
        if (const auto* noise = std::get_if<escpos::StatusNoise>(&event)) {
            require(!noise->why.empty());
        }
        replies += std::holds_alternative<escpos::StatusReply>(event) ? 1 : 0;
    }
    require(replies + whole.pending() == 4);

    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const int columns = 2 + (plan % 47);
    for (const auto& line : escpos::wrap(text, columns)) {
        require(escpos::display_columns(line) <= columns);
    }
    static_cast<void>(escpos::to_gb18030(text));
    return 0;
}

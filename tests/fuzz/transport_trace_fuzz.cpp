// Fuzz target for the transport trace parser: any input either parses, and then formats and
// parses back to the same records with non-decreasing times, or is refused with a line number
// inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "drivers/transport/trace.hpp"

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
    using namespace hk::drivers::transport;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_trace(text);
    if (!parsed) {
        std::size_t lines = 1;
        for (const char c : text) {
            lines += c == '\n' ? 1 : 0;
        }
        require(parsed.error().line >= 1 && parsed.error().line <= lines);
        require(!parsed.error().message.empty());
        return 0;
    }
    std::string formatted;
    for (std::size_t i = 0; i < parsed->size(); ++i) {
        require(i == 0 || (*parsed)[i].t_ms >= (*parsed)[i - 1].t_ms);
        formatted += format_record((*parsed)[i]);
        formatted += '\n';
    }
    const auto again = parse_trace(formatted);
    require(again.has_value() && *again == *parsed);
    return 0;
}

// Fuzz target for LineFramer: random input fed in random chunk sizes must give exactly the
// lines a simple model of the format predicts, none over the limit or holding a newline.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/framing/line_framer.hpp"

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

struct Expected {
    std::vector<std::string> lines;  // complete lines before the first overlong one
    bool overflow = false;
    std::size_t tail = 0;  // unterminated bytes at the end, if no overflow
};

// Content length of a line as the limit sees it: a final "\r" belongs to the terminator.
std::size_t content_length(std::string_view line) {
    return line.size() - (!line.empty() && line.back() == '\r' ? 1 : 0);
}

Expected model(std::string_view payload, std::size_t max_line) {
    Expected expected;
    std::size_t start = 0;
    for (auto newline = payload.find('\n'); newline != std::string_view::npos;
         newline = payload.find('\n', start)) {
        const auto line = payload.substr(start, newline - start);
        if (content_length(line) > max_line) {
            expected.overflow = true;
            return expected;
        }
        expected.lines.emplace_back(line.substr(0, content_length(line)));
        start = newline + 1;
    }
    expected.tail = payload.size() - start;
    expected.overflow = content_length(payload.substr(start)) > max_line;
    return expected;
}

// Chunk sizes from a small generator seeded by the input, so that the same bytes are tried
// with many different splits.
class Chunks {
public:
    explicit Chunks(std::uint32_t seed) : state_(seed | 1U) {}
    std::size_t next() {
        state_ ^= state_ << 13U;
        state_ ^= state_ >> 17U;
        state_ ^= state_ << 5U;
        return 1 + state_ % 37U;
    }

private:
    std::uint32_t state_;
};

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::size_t max_line = data[0] % 48U;
    Chunks chunks(data[1]);
    const std::string_view payload(reinterpret_cast<const char*>(data) + 2, size - 2);

    hk::proto::LineFramer framer(max_line);
    std::vector<std::string> lines;
    for (std::size_t offset = 0; offset < payload.size();) {
        const auto chunk = payload.substr(offset, chunks.next());
        offset += chunk.size();
        framer.feed(chunk);
        while (auto line = framer.next_line()) {
            require(line->size() <= max_line);
            require(line->find('\n') == std::string::npos);
            lines.push_back(std::move(*line));
        }
    }

    const auto expected = model(payload, max_line);
    require(lines == expected.lines);
    require(framer.overflowed() == expected.overflow);
    require(expected.overflow ? framer.buffered() == 0 : framer.buffered() == expected.tail);
    return 0;
}

// Fuzz target for the serial scanner's CodeDecoder: any bytes, fed in chunks the input decides,
// must give only codes that are non-empty, within the limit, free of control characters and
// terminators, and the same codes as feeding everything at once.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "protocols/scanner/code_decoder.hpp"

namespace {

using hk::proto::scanner::CodeDecoder;
using hk::proto::scanner::CodeDecoderOptions;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

constexpr std::size_t kMaxLength = 32;

std::vector<std::string> all_at_once(std::span<const std::uint8_t> bytes) {
    CodeDecoder decoder(
        CodeDecoderOptions{.prefix = "P", .tab_terminates = true, .max_length = kMaxLength});
    std::vector<std::string> out;
    for (auto& item : decoder.feed(bytes)) {
        out.push_back(item ? *item : "!");
    }
    return out;
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t chunk = 1 + data[0] % 7;
    const std::span<const std::uint8_t> bytes(data + 1, size - 1);
    CodeDecoder decoder(
        CodeDecoderOptions{.prefix = "P", .tab_terminates = true, .max_length = kMaxLength});
    std::vector<std::string> chunked;
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        for (auto& item : decoder.feed(bytes.subspan(at, std::min(chunk, bytes.size() - at)))) {
            if (item) {
                require(item->size() <= kMaxLength);
                for (const char c : *item) {
                    const auto byte = static_cast<std::uint8_t>(c);
                    require(byte >= 0x20 && byte != 0x7f);
                }
            }
            chunked.push_back(item ? *item : "!");
        }
        require(decoder.buffered() <= kMaxLength);
    }
    require(chunked == all_at_once(bytes));
    return 0;
}

// Fuzz target for the evdev record decoder: any bytes, fed in two pieces split at a point the
// input chooses, decode to exactly the whole records in them, keep the rest for the next read,
// and each decoded event encodes back to the bytes of its record.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "drivers/transport/evdev_link.hpp"

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
    const std::span<const std::uint8_t> bytes(data, size);
    const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
    InputEventDecoder decoder;
    auto events = decoder.feed(bytes.first(split));
    require(events.size() == split / kInputEventSize);
    require(decoder.pending() == split % kInputEventSize);
    const auto rest = decoder.feed(bytes.subspan(split));
    events.insert(events.end(), rest.begin(), rest.end());
    require(events.size() == size / kInputEventSize);
    require(decoder.pending() == size % kInputEventSize);
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto record = encode_input_event(events[i]);
        const auto original = bytes.subspan(i * kInputEventSize, kInputEventSize);
        require(record.size() == kInputEventSize);
        require(std::equal(record.begin(), record.end(), original.begin()));
    }
    return 0;
}

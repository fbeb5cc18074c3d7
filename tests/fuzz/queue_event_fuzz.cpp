// Fuzz target for the queue event codec: decoding arbitrary stored events never crashes, and
// whatever decodes re-encodes to a fixed point, so replaying or re-uploading a log never
// changes it. The first byte picks the event type (one past the known types: a foreign type),
// the rest is the payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/queue/event_codec.hpp"

namespace {

using namespace hk::queue;

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
    const auto types = queue_event_types();
    const std::size_t pick = data[0] % (types.size() + 1);
    const std::string_view type = pick < types.size() ? types[pick] : "node.started";
    const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
    constexpr std::int64_t kAt = 1'795'400'000'000;

    const auto decoded = decode_event(type, kAt, payload);
    if (!decoded) {
        require(decoded.error().starts_with(std::string(type) + ": ") || pick == types.size());
        return 0;
    }
    require(pick < types.size());
    require(decoded->at == kAt);
    const auto encoded = encode_event(*decoded);
    require(encoded.type == type);
    require(encoded.payload.size() <= kMaxEventPayloadBytes);

    const auto again = decode_event(encoded.type, kAt, encoded.payload);
    require(again.has_value());
    require(again->actor == decoded->actor);
    require(encode_event(*again) == encoded);
    return 0;
}

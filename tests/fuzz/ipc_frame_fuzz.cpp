// Fuzz target for the IPC FrameDecoder: random input fed in random chunk sizes must give the
// frames a simple model of the format predicts, and each frame must encode back to its bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/ipc/frame.hpp"

namespace {

namespace ipc = hk::proto::ipc;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

struct Expected {
    std::vector<std::string> frames;  // the bytes of each complete frame before any error
    std::optional<ipc::FrameError> error;
    std::size_t tail = 0;  // bytes of an incomplete last frame, if no error
};

Expected model(std::string_view stream, std::size_t max_payload) {
    Expected expected;
    while (stream.size() >= 4) {
        std::size_t length = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            length = (length << 8U) | static_cast<std::uint8_t>(stream[i]);
        }
        if (length < 5) {
            expected.error = ipc::FrameError::bad_length;
            return expected;
        }
        if (length - 5 > max_payload) {
            expected.error = ipc::FrameError::oversize;
            return expected;
        }
        if (stream.size() > 4 && !ipc::is_frame_type(static_cast<std::uint8_t>(stream[4]))) {
            expected.error = ipc::FrameError::bad_type;
            return expected;
        }
        if (stream.size() < 4 + length) {
            break;
        }
        expected.frames.emplace_back(stream.substr(0, 4 + length));
        stream.remove_prefix(4 + length);
    }
    expected.tail = stream.size();
    return expected;
}

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
    const std::size_t max_payload = data[0] % 64U;
    Chunks chunks(data[1]);
    const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

    ipc::FrameDecoder decoder(max_payload);
    std::vector<std::string> frames;
    std::optional<ipc::FrameError> error;
    for (std::size_t offset = 0; offset < stream.size() && !error;) {
        const auto chunk = stream.substr(offset, chunks.next());
        offset += chunk.size();
        decoder.feed(chunk);
        for (;;) {
            auto next = decoder.next();
            if (!next) {
                error = next.error();
                break;
            }
            if (!next->has_value()) {
                break;
            }
            const auto& frame = **next;
            require(frame.payload.size() <= max_payload);
            auto bytes = ipc::encode(frame, max_payload);
            require(bytes.has_value());
            frames.push_back(std::move(*bytes));
        }
    }

    const auto expected = model(stream, max_payload);
    require(frames == expected.frames);
    require(error == expected.error);
    require(decoder.error() == expected.error);
    if (!expected.error) {
        require(decoder.buffered() == expected.tail);
        require(decoder.finish().has_value() == (expected.tail == 0));
    }
    return 0;
}

// The framed messages on the socket between the daemon and a driver's helper process
// (docs/drivers.md, "Drivers in a helper process"). Pure: no I/O.
//
// A frame is a 9-byte header and a payload:
//   u32 big-endian  length of the rest (type + id + payload), 5 .. 5 + max payload
//   u8              type (FrameType)
//   u32 big-endian  request id (0 for hello and events)
//   payload         bytes, usually JSON text
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace hk::proto::ipc {

enum class FrameType : std::uint8_t {
    hello = 1,    // helper → daemon, once, when it is ready for requests
    request = 2,  // daemon → helper
    reply = 3,    // helper → daemon, answers the request with the same id
    error = 4,    // helper → daemon, the request with the same id failed (payload: why)
    event = 5,    // helper → daemon, unsolicited (a card was read, a key was pressed)
};

struct Frame {
    FrameType type = FrameType::event;
    std::uint32_t id = 0;
    std::string payload;
    friend bool operator==(const Frame&, const Frame&) = default;
};

inline constexpr std::size_t kHeaderSize = 9;
inline constexpr std::size_t kMaxPayload = std::size_t{64} * 1024;

enum class FrameError : std::uint8_t {
    oversize,    // the length field announces more than the maximum payload
    bad_length,  // the length field is too small to hold type and id
    bad_type,    // an unknown frame type
    truncated,   // the stream ended inside a frame
};
[[nodiscard]] std::string_view to_string(FrameError error);

[[nodiscard]] bool is_frame_type(std::uint8_t value);

// The bytes of `frame`; oversize if its payload is longer than `max_payload`.
[[nodiscard]] std::expected<std::string, FrameError> encode(const Frame& frame,
                                                            std::size_t max_payload = kMaxPayload);

// Splits a byte stream, received in chunks of any size, into frames. After an error the
// stream cannot be resynchronised: the error stays and further input is ignored.
class FrameDecoder {
public:
    explicit FrameDecoder(std::size_t max_payload = kMaxPayload) : max_payload_(max_payload) {}

    void feed(std::string_view bytes);
    // The next complete frame, nullopt while none is complete, or the stream's error.
    [[nodiscard]] std::expected<std::optional<Frame>, FrameError> next();
    // At the end of the stream: truncated if part of a frame is still buffered.
    [[nodiscard]] std::expected<void, FrameError> finish() const;

    [[nodiscard]] std::size_t buffered() const { return buffer_.size() - consumed_; }
    [[nodiscard]] std::optional<FrameError> error() const { return error_; }

private:
    std::size_t max_payload_;
    std::string buffer_;
    std::size_t consumed_ = 0;  // bytes of buffer_ already returned as frames
    std::optional<FrameError> error_;
};

}  // namespace hk::proto::ipc

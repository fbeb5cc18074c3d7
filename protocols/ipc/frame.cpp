// IPC frames: see frame.hpp.
#include "protocols/ipc/frame.hpp"

namespace hk::proto::ipc {
namespace {

constexpr std::size_t kTypeAndId = 5;

void put_u32(std::string& out, std::uint32_t value) {
    out.push_back(static_cast<char>((value >> 24U) & 0xFFU));
    out.push_back(static_cast<char>((value >> 16U) & 0xFFU));
    out.push_back(static_cast<char>((value >> 8U) & 0xFFU));
    out.push_back(static_cast<char>(value & 0xFFU));
}

std::uint32_t get_u32(std::string_view bytes) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        value = (value << 8U) | static_cast<std::uint8_t>(bytes[i]);
    }
    return value;
}

}  // namespace

std::string_view to_string(FrameError error) {
    switch (error) {
        case FrameError::oversize:
            return "oversize";
        case FrameError::bad_length:
            return "bad_length";
        case FrameError::bad_type:
            return "bad_type";
        case FrameError::truncated:
            return "truncated";
    }
    return "unknown";
}

bool is_frame_type(std::uint8_t value) {
    return value >= static_cast<std::uint8_t>(FrameType::hello) &&
           value <= static_cast<std::uint8_t>(FrameType::event);
}

std::expected<std::string, FrameError> encode(const Frame& frame, std::size_t max_payload) {
    if (frame.payload.size() > max_payload ||
        frame.payload.size() > std::size_t{0xFFFFFFFFU} - kTypeAndId) {
        return std::unexpected(FrameError::oversize);
    }
    if (!is_frame_type(static_cast<std::uint8_t>(frame.type))) {
        return std::unexpected(FrameError::bad_type);
    }
    std::string out;
    out.reserve(kHeaderSize + frame.payload.size());
    put_u32(out, static_cast<std::uint32_t>(kTypeAndId + frame.payload.size()));
    out.push_back(static_cast<char>(frame.type));
    put_u32(out, frame.id);
    out.append(frame.payload);
    return out;
}

void FrameDecoder::feed(std::string_view bytes) {
    if (error_) {
        return;
    }
    // Dropping returned frames first keeps the buffer bounded by one frame plus one read.
    if (consumed_ > 0) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    buffer_.append(bytes);
}

std::expected<std::optional<Frame>, FrameError> FrameDecoder::next() {
    if (error_) {
        return std::unexpected(*error_);
    }
    const std::string_view rest = std::string_view(buffer_).substr(consumed_);
    if (rest.size() < 4) {
        return std::optional<Frame>{};
    }
    // The header is checked as soon as it is here, without waiting for a payload that a
    // misbehaving peer may never send.
    const std::size_t length = get_u32(rest);
    if (length < kTypeAndId) {
        error_ = FrameError::bad_length;
    } else if (length - kTypeAndId > max_payload_) {
        error_ = FrameError::oversize;
    } else if (rest.size() > 4 && !is_frame_type(static_cast<std::uint8_t>(rest[4]))) {
        error_ = FrameError::bad_type;
    }
    if (error_) {
        buffer_.clear();
        consumed_ = 0;
        return std::unexpected(*error_);
    }
    if (rest.size() < 4 + length) {
        return std::optional<Frame>{};
    }
    Frame frame;
    frame.type = static_cast<FrameType>(static_cast<std::uint8_t>(rest[4]));
    frame.id = get_u32(rest.substr(5));
    frame.payload = std::string(rest.substr(kHeaderSize, length - kTypeAndId));
    consumed_ += 4 + length;
    return frame;
}

std::expected<void, FrameError> FrameDecoder::finish() const {
    if (error_) {
        return std::unexpected(*error_);
    }
    if (buffered() > 0) {
        return std::unexpected(FrameError::truncated);
    }
    return {};
}

}  // namespace hk::proto::ipc

// Splits a byte stream into newline-terminated lines with a hard length limit.
// Used for the control socket (one JSON message per line). Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hk::proto {

class LineFramer {
public:
    // Lines longer than `max_line` bytes (excluding the "\n" or "\r\n" terminator) are an
    // overflow.
    explicit LineFramer(std::size_t max_line) : max_line_(max_line) {}

    // Appends received bytes. After an overflow further input is ignored.
    void feed(std::string_view bytes);

    // Next complete line, without its "\n" (a trailing "\r" is removed too).
    // Empty optional: no complete line buffered yet, or the stream overflowed. Lines that
    // arrived before an overflowing one are still returned.
    [[nodiscard]] std::optional<std::string> next_line();

    // True once a line exceeded the limit; the stream cannot be resynchronised safely, so the
    // caller reports an error and closes the connection.
    [[nodiscard]] bool overflowed() const { return overflowed_; }

    [[nodiscard]] std::size_t buffered() const { return buffer_.size() - consumed_; }

private:
    void compact();
    void check_current_line();

    std::size_t max_line_;
    std::string buffer_;
    std::size_t consumed_ = 0;  // bytes of buffer_ already returned as lines
    std::size_t scanned_ = 0;   // buffer_[consumed_, scanned_) is known to hold no '\n'
    bool overflowed_ = false;
};

}  // namespace hk::proto

// LineFramer: see line_framer.hpp.
#include "protocols/framing/line_framer.hpp"

#include <algorithm>

namespace hk::proto {

void LineFramer::feed(std::string_view bytes) {
    if (overflowed_) {
        return;
    }
    if (consumed_ > 0 && consumed_ == buffer_.size()) {
        buffer_.clear();
        consumed_ = scanned_ = 0;
    }
    buffer_.append(bytes);
    // Overflow is known as soon as the partial line is longer than allowed, without waiting
    // for a terminator that a misbehaving peer may never send.
    const auto newline = buffer_.find('\n', scanned_);
    const auto line_end = newline == std::string::npos ? buffer_.size() : newline;
    if (line_end - consumed_ > max_line_) {
        overflowed_ = true;
        buffer_.clear();
        consumed_ = scanned_ = 0;
    }
}

std::optional<std::string> LineFramer::next_line() {
    if (overflowed_) {
        return std::nullopt;
    }
    const auto newline = buffer_.find('\n', std::max(scanned_, consumed_));
    if (newline == std::string::npos) {
        scanned_ = buffer_.size();
        return std::nullopt;
    }
    std::string_view line(buffer_.data() + consumed_, newline - consumed_);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    std::string out(line);
    consumed_ = newline + 1;
    scanned_ = consumed_;
    // A later line in the buffer may already be too long.
    const auto next = buffer_.find('\n', consumed_);
    const auto next_end = next == std::string::npos ? buffer_.size() : next;
    if (next_end - consumed_ > max_line_) {
        overflowed_ = true;
    }
    if (consumed_ == buffer_.size() || overflowed_) {
        buffer_.erase(0, consumed_);
        consumed_ = scanned_ = 0;
        if (overflowed_) {
            buffer_.clear();
        }
    }
    return out;
}

}  // namespace hk::proto

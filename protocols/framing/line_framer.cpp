// LineFramer: see line_framer.hpp.
#include "protocols/framing/line_framer.hpp"

namespace hk::proto {

void LineFramer::feed(std::string_view bytes) {
    if (overflowed_) {
        return;
    }
    // Dropping returned lines on every feed keeps the buffer bounded by one partial line plus
    // one read, even on a long-lived connection whose reads never end on a line boundary.
    compact();
    buffer_.append(bytes);
    check_current_line();
}

std::optional<std::string> LineFramer::next_line() {
    if (overflowed_) {
        return std::nullopt;
    }
    const auto newline = buffer_.find('\n', scanned_);
    if (newline == std::string::npos) {
        scanned_ = buffer_.size();
        return std::nullopt;
    }
    std::string_view line(buffer_.data() + consumed_, newline - consumed_);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    std::string out(line);
    consumed_ = scanned_ = newline + 1;
    // One feed may carry several lines; the one now at the front was never checked.
    check_current_line();
    return out;
}

void LineFramer::compact() {
    if (consumed_ == 0) {
        return;
    }
    buffer_.erase(0, consumed_);
    scanned_ -= consumed_;
    consumed_ = 0;
}

// Overflow is known as soon as the partial line is longer than allowed, without waiting for a
// terminator that a misbehaving peer may never send.
void LineFramer::check_current_line() {
    const auto newline = buffer_.find('\n', scanned_);
    const auto end = newline == std::string::npos ? buffer_.size() : newline;
    if (newline == std::string::npos) {
        scanned_ = end;
    }
    auto length = end - consumed_;
    // A final "\r" is not content if the "\n" follows (or may still follow).
    if (length > 0 && buffer_[end - 1] == '\r') {
        --length;
    }
    if (length > max_line_) {
        overflowed_ = true;
        std::string().swap(buffer_);
        consumed_ = scanned_ = 0;
    }
}

}  // namespace hk::proto

// Codes from a serial barcode scanner (RS-232 or USB CDC): each scan arrives as the code's
// characters and a terminator (CR, LF or CR LF; TAB on some models), optionally after a
// prefix the scanner is configured to send. Pure: no I/O (docs/protocols.md, "Serial scanner").
//
// A code is accepted when it is valid UTF-8 without control characters, at most max_length
// bytes long; anything else is reported and dropped, and the stream carries on at the next
// terminator, so one garbled scan never poisons the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hk::proto::scanner {

enum class CodeError : std::uint8_t {
    too_long,           // no terminator within max_length bytes: dropped up to the next one
    control_character,  // a control byte inside the code (line noise, wrong baud rate)
    invalid_utf8,       // not UTF-8 (wrong baud rate, or a scanner in another code page)
};
[[nodiscard]] std::string_view to_string(CodeError error);

struct CodeDecoderOptions {
    std::string prefix;          // removed from the front of each code when present
    bool tab_terminates = true;  // TAB ends a code (keyboard-style suffix)
    std::size_t max_length = 512;
};

class CodeDecoder {
public:
    explicit CodeDecoder(CodeDecoderOptions options) : options_(std::move(options)) {}

    // Feeds received bytes; returns the codes (or errors) they completed, in order.
    [[nodiscard]] std::vector<std::expected<std::string, CodeError>> feed(
        std::span<const std::uint8_t> bytes);

    // Bytes of an unfinished code, waiting for its terminator.
    [[nodiscard]] std::size_t buffered() const { return current_.size(); }
    // Drops an unfinished code (the link went down mid-scan).
    void reset();

private:
    [[nodiscard]] bool is_terminator(std::uint8_t byte) const;
    std::expected<std::string, CodeError> finish();

    CodeDecoderOptions options_;
    std::string current_;
    bool overflowed_ = false;
};

}  // namespace hk::proto::scanner

// Codes from a serial barcode scanner: see code_decoder.hpp.
#include "protocols/scanner/code_decoder.hpp"

#include <algorithm>

namespace hk::proto::scanner {
namespace {

constexpr std::uint8_t kTab = 0x09;
constexpr std::uint8_t kLf = 0x0a;
constexpr std::uint8_t kCr = 0x0d;
constexpr std::uint8_t kDel = 0x7f;
constexpr std::uint8_t kSpace = 0x20;

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<std::uint8_t>(text[i]);
        std::size_t length = 0;
        char32_t code = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if ((lead & 0xe0) == 0xc0) {
            length = 2;
            code = lead & 0x1fU;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3;
            code = lead & 0x0fU;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4;
            code = lead & 0x07U;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<std::uint8_t>(text[i + k]);
            if ((next & 0xc0) != 0x80) {
                return false;
            }
            code = (code << 6U) | (next & 0x3fU);
        }
        const bool overlong = (length == 2 && code < 0x80) || (length == 3 && code < 0x800) ||
                              (length == 4 && code < 0x10000);
        if (overlong || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
            return false;
        }
        i += length;
    }
    return true;
}

}  // namespace

std::string_view to_string(CodeError error) {
    switch (error) {
        case CodeError::too_long:
            return "too_long";
        case CodeError::control_character:
            return "control_character";
        case CodeError::invalid_utf8:
            return "invalid_utf8";
    }
    return "unknown";
}

bool CodeDecoder::is_terminator(std::uint8_t byte) const {
    return byte == kCr || byte == kLf || (options_.tab_terminates && byte == kTab);
}

std::expected<std::string, CodeError> CodeDecoder::finish() {
    std::string code;
    code.swap(current_);
    if (overflowed_) {
        overflowed_ = false;
        return std::unexpected(CodeError::too_long);
    }
    if (!options_.prefix.empty() && code.starts_with(options_.prefix)) {
        code.erase(0, options_.prefix.size());
    }
    if (std::ranges::any_of(code, [](char c) {
            const auto byte = static_cast<std::uint8_t>(c);
            return byte < kSpace || byte == kDel;
        })) {
        return std::unexpected(CodeError::control_character);
    }
    if (!is_utf8(code)) {
        return std::unexpected(CodeError::invalid_utf8);
    }
    return code;
}

std::vector<std::expected<std::string, CodeError>> CodeDecoder::feed(
    std::span<const std::uint8_t> bytes) {
    std::vector<std::expected<std::string, CodeError>> out;
    for (const auto byte : bytes) {
        if (is_terminator(byte)) {
            // CR LF, or a terminator on its own: an empty code is no scan.
            if (current_.empty() && !overflowed_) {
                continue;
            }
            out.push_back(finish());
            continue;
        }
        if (overflowed_) {
            continue;
        }
        if (current_.size() == options_.max_length) {
            overflowed_ = true;
            current_.clear();
            continue;
        }
        current_.push_back(static_cast<char>(byte));
    }
    return out;
}

void CodeDecoder::reset() {
    current_.clear();
    overflowed_ = false;
}

}  // namespace hk::proto::scanner

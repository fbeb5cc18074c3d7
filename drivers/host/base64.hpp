// Base64 (RFC 4648, standard alphabet, with padding) for binary fields inside the JSON that
// helper processes send: the photo of an ID card. Header-only, so that a helper program uses it
// without linking the driver host.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hk::drivers::host {

inline constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

[[nodiscard]] inline std::string base64_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group =
            (std::uint32_t{bytes[i]} << 16U) | (std::uint32_t{bytes[i + 1]} << 8U) | bytes[i + 2];
        out += kBase64Alphabet[(group >> 18U) & 0x3FU];
        out += kBase64Alphabet[(group >> 12U) & 0x3FU];
        out += kBase64Alphabet[(group >> 6U) & 0x3FU];
        out += kBase64Alphabet[group & 0x3FU];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t group = std::uint32_t{bytes[i]} << 16U;
        if (rest == 2) {
            group |= std::uint32_t{bytes[i + 1]} << 8U;
        }
        out += kBase64Alphabet[(group >> 18U) & 0x3FU];
        out += kBase64Alphabet[(group >> 12U) & 0x3FU];
        out += rest == 2 ? kBase64Alphabet[(group >> 6U) & 0x3FU] : '=';
        out += '=';
    }
    return out;
}

// The bytes of `text`, or nullopt unless it is canonical padded base64 (length a multiple of
// 4, only alphabet characters, at most two '=' at the end, no stray bits).
[[nodiscard]] inline std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
    static constexpr std::array<std::int8_t, 256> kValues = [] {
        std::array<std::int8_t, 256> values{};
        values.fill(-1);
        for (std::size_t i = 0; i < kBase64Alphabet.size(); ++i) {
            values[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
        }
        return values;
    }();
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') {
        padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    }
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        std::uint32_t group = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            std::int8_t value = kValues[static_cast<unsigned char>(c)];
            if (c == '=' && last && k >= 4 - padding) {
                value = 0;
            }
            if (value < 0) {
                return std::nullopt;
            }
            group = (group << 6U) | static_cast<std::uint32_t>(value);
        }
        out.push_back(static_cast<std::uint8_t>(group >> 16U));
        if (!last || padding < 2) {
            out.push_back(static_cast<std::uint8_t>((group >> 8U) & 0xFFU));
        } else if ((group & 0xFFFFU) != 0) {
            return std::nullopt;
        }
        if (!last || padding < 1) {
            out.push_back(static_cast<std::uint8_t>(group & 0xFFU));
        } else if (padding == 1 && (group & 0xFFU) != 0) {
            return std::nullopt;
        }
    }
    return out;
}

}  // namespace hk::drivers::host

// Request-target decoding: see target.hpp.
#include "daemon/api/target.hpp"

#include <cstdint>
#include <optional>

namespace hk::api {
namespace {

std::optional<unsigned> hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return static_cast<unsigned>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return static_cast<unsigned>(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return static_cast<unsigned>(c - 'A' + 10);
    }
    return std::nullopt;
}

bool is_continuation(unsigned char c) {
    return (c & 0xC0U) == 0x80U;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80U) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t code = 0;
        std::uint32_t minimum = 0;
        if ((lead & 0xE0U) == 0xC0U) {
            length = 2;
            code = lead & 0x1FU;
            minimum = 0x80;
        } else if ((lead & 0xF0U) == 0xE0U) {
            length = 3;
            code = lead & 0x0FU;
            minimum = 0x800;
        } else if ((lead & 0xF8U) == 0xF0U) {
            length = 4;
            code = lead & 0x07U;
            minimum = 0x10000;
        } else {
            return false;
        }
        if (text.size() - i < length) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if (!is_continuation(c)) {
                return false;
            }
            code = (code << 6U) | (c & 0x3FU);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

std::expected<std::string, std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (text.size() - i < 3) {
                return std::unexpected(std::string("truncated percent escape"));
            }
            const auto high = hex_value(text[i + 1]);
            const auto low = hex_value(text[i + 2]);
            if (!high || !low) {
                return std::unexpected(std::string("invalid percent escape \"") +
                                       std::string(text.substr(i, 3)) + "\"");
            }
            out.push_back(static_cast<char>((*high << 4U) | *low));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    if (out.find('\0') != std::string::npos) {
        return std::unexpected(std::string("NUL character in the target"));
    }
    if (!is_valid_utf8(out)) {
        return std::unexpected(std::string("the target is not UTF-8 once decoded"));
    }
    return out;
}

std::expected<Target, std::string> parse_target(std::string_view target) {
    if (target.empty() || target.front() != '/') {
        return std::unexpected(std::string("the request target must start with '/'"));
    }
    const auto question = target.find('?');
    const auto raw_path = target.substr(0, question);
    auto raw_query =
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

    Target result;
    result.path = "/";
    auto rest = raw_path.substr(1);
    if (!rest.empty()) {
        bool first = true;
        while (true) {
            const auto slash = rest.find('/');
            auto segment = percent_decode(rest.substr(0, slash), false);
            if (!segment) {
                return std::unexpected(std::move(segment.error()));
            }
            if (!first) {
                result.path += '/';
            }
            first = false;
            result.path += *segment;
            result.segments.push_back(std::move(*segment));
            if (slash == std::string_view::npos) {
                break;
            }
            rest = rest.substr(slash + 1);
        }
    }

    while (!raw_query.empty()) {
        const auto amp = raw_query.find('&');
        const auto pair = raw_query.substr(0, amp);
        raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto equals = pair.find('=');
        auto key = percent_decode(pair.substr(0, equals), true);
        if (!key) {
            return std::unexpected(std::move(key.error()));
        }
        auto value = percent_decode(
            equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
        if (!value) {
            return std::unexpected(std::move(value.error()));
        }
        result.query.try_emplace(std::move(*key), std::move(*value));
    }
    return result;
}

}  // namespace hk::api

// Fuzz target for the Local API's request-target decoder: any bytes must decode or be refused
// without crashing; a decoded target is UTF-8 without NUL, its path is "/" plus its segments,
// and re-encoding its query gives the same query back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/api/target.hpp"

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

std::string encode(std::string_view text) {
    static constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
            (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' || byte == '.') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4U]);
            out.push_back(kHex[byte & 0xFU]);
        }
    }
    return out;
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto target = hk::api::parse_target(input);
    if (!target) {
        require(!target.error().empty());
        return 0;
    }
    require(hk::api::is_valid_utf8(target->path));
    require(target->path.find('\0') == std::string::npos);
    std::string joined = "/";
    for (std::size_t i = 0; i < target->segments.size(); ++i) {
        joined += (i == 0 ? "" : "/") + target->segments[i];
    }
    require(joined == target->path);

    std::string again = "/q?";
    for (const auto& [key, value] : target->query) {
        require(hk::api::is_valid_utf8(key) && hk::api::is_valid_utf8(value));
        again += encode(key) + "=" + encode(value) + "&";
    }
    const auto reparsed = hk::api::parse_target(again);
    require(reparsed.has_value());
    require(reparsed->query == target->query);
    return 0;
}

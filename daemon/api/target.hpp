// Decoding of HTTP request targets for the Local API: percent-decoding, '+' as space in the
// query, UTF-8 validation and splitting the path into segments. Pure functions on outside
// input (fuzzed by tests/fuzz/api_target_fuzz.cpp); no I/O.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hk::api {

struct Target {
    std::string path;                                       // decoded, starts with '/', no query
    std::vector<std::string> segments;                      // decoded path segments; "/" has none
    std::map<std::string, std::string, std::less<>> query;  // a repeated key keeps its first value
};

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points over
// U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// Decodes %XX escapes (and '+' as a space if `plus_is_space`). Errors: a truncated or non-hex
// escape, a decoded NUL, or a result that is not UTF-8. The error is one line for the client.
[[nodiscard]] std::expected<std::string, std::string> percent_decode(std::string_view text,
                                                                     bool plus_is_space);

// Splits an origin-form target ("/a/b?x=1") into its decoded path, segments and query.
// Each segment is decoded on its own, so "%2F" stays inside its segment.
[[nodiscard]] std::expected<Target, std::string> parse_target(std::string_view target);

}  // namespace hk::api

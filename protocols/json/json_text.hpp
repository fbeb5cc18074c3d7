// Checks on JSON text made before (or instead of) handing it to a JSON parser: how deeply it
// nests, and a parser's error message without its internal prefix. Pure: no I/O, no library.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

namespace hk::proto {

// Whether arrays/objects in `text` nest deeper than `max_depth`. Counted on the raw text, so a
// decoder can refuse before anything deep is ever built (parsers and comparisons recurse).
[[nodiscard]] bool json_nested_deeper_than(std::string_view text, std::size_t max_depth);

// A JSON parser's exception message without a "[json.exception.…] " prefix, which means
// nothing to the people who read our error messages.
[[nodiscard]] std::string json_error_text(const std::exception& error);

}  // namespace hk::proto

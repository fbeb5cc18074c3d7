// UTF-8 text as simulated displays and speakers see it: strict decoding (no overlong forms,
// surrogates or truncated sequences), display columns where CJK and full-width characters
// take two and combining marks none, and cutting a line to a display's width.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hk::drivers::simulated::text {

// The code point starting at `pos`, advancing `pos` past it; nothing (and `pos` unchanged)
// when the bytes there are not valid UTF-8.
[[nodiscard]] std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos);

[[nodiscard]] bool is_valid_utf8(std::string_view text);

// The number of code points of valid UTF-8, or nothing.
[[nodiscard]] std::optional<std::size_t> code_points(std::string_view text);

// C0 controls, DEL and C1 controls.
[[nodiscard]] bool is_control(char32_t code_point);
// Whether valid UTF-8 `text` holds a control character (false for invalid UTF-8).
[[nodiscard]] bool has_control(std::string_view text);

// Display columns of one code point: 0 (combining marks, zero-width), 2 (East Asian wide and
// full-width: CJK, kana, hangul, full-width forms), else 1.
[[nodiscard]] int columns_of(char32_t code_point);
// Display columns of valid UTF-8 `text`, or nothing.
[[nodiscard]] std::optional<int> display_columns(std::string_view text);

// The longest prefix of `line` (whole characters) that fits in `columns` display columns, or
// nothing when `line` is not valid UTF-8.
[[nodiscard]] std::optional<std::string> cut_to_columns(std::string_view line, int columns);

}  // namespace hk::drivers::simulated::text

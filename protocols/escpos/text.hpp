// Text for thermal printers: UTF-8 to GB18030 (what Chinese ESC/POS printers print), and laying
// text out in a paper's columns, where a Chinese character takes two columns and a Latin letter
// one. Pure functions; GB18030 conversion through the C library's iconv.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hk::proto::escpos {

// The Unicode code points of UTF-8 text; each invalid byte becomes U+FFFD.
[[nodiscard]] std::vector<char32_t> code_points(std::string_view utf8);
// One code point as UTF-8.
[[nodiscard]] std::string to_utf8(char32_t code_point);

// How many columns a code point takes: 2 for East Asian wide and fullwidth characters (CJK,
// Hangul, fullwidth forms), 0 for combining marks and controls, 1 otherwise.
[[nodiscard]] int columns_of(char32_t code_point);
// The columns of a whole text.
[[nodiscard]] int display_columns(std::string_view utf8);

// Lines of at most `columns` columns each (a character wider than `columns` alone on its line).
// Breaks at spaces in Latin text where it can, anywhere between wide characters, at '\n'
// always; never inside a UTF-8 sequence. Spaces at a break are dropped.
[[nodiscard]] std::vector<std::string> wrap(std::string_view utf8, int columns);

// One code point in GB18030 (1, 2 or 4 bytes), or "" when GB18030 cannot carry it.
[[nodiscard]] std::string gb18030_of(char32_t code_point);
// UTF-8 to GB18030; code points GB18030 cannot carry and invalid bytes become '?'.
[[nodiscard]] std::string to_gb18030(std::string_view utf8);
// GB18030 back to UTF-8 (for tests and emulators); invalid sequences become U+FFFD.
[[nodiscard]] std::string from_gb18030(std::string_view gb18030);

}  // namespace hk::proto::escpos

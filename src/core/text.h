// Small text checks shared by every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kanri {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);
// `s` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(std::string_view s, std::size_t max_bytes);
// Number of Unicode code points in well-formed UTF-8 `s`.
std::size_t utf8_length(std::string_view s);
// True for a name usable as a type, field, state or relation identifier: [a-z][a-z0-9_]{0,62}.
bool is_identifier(std::string_view s);
// A whole decimal integer ("42", "-7"), or nullopt for anything else (empty, "4x", overflow).
std::optional<std::int64_t> parse_int(std::string_view s);

}  // namespace kanri

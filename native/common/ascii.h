// Case-insensitive comparison in ASCII only, as HTTP names and IIS's paths need (no locale, and
// the same on every platform, unlike strncasecmp/_strnicmp). Shared by the host, the extension and
// the reference extension.
#pragma once
#include <cstddef>
#include <string_view>

namespace ascii {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace ascii

// Bytes as lowercase hexadecimal: the worker's secret on its standard input, the random part of a
// worker pipe's name, and the frame vectors' bytes. One copy for the extension and its tools.
#pragma once
#include <string>
#include <string_view>

namespace hex {

inline std::string encode(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) out += digits[c >> 4], out += digits[c & 15];
  return out;
}

}  // namespace hex

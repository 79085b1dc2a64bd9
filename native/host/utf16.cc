#include "host/utf16.h"

namespace host {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;

void put_unit(std::string& out, uint16_t unit) {
  out.push_back(static_cast<char>(unit & 0xFF));
  out.push_back(static_cast<char>(unit >> 8));
}

}  // namespace

uint32_t next_code_point(std::string_view in, size_t& i) {
  const auto b0 = static_cast<unsigned char>(in[i]);
  uint32_t cp;
  size_t len;
  if (b0 < 0x80) { cp = b0; len = 1; }
  else if ((b0 & 0xE0) == 0xC0) { cp = b0 & 0x1F; len = 2; }
  else if ((b0 & 0xF0) == 0xE0) { cp = b0 & 0x0F; len = 3; }
  else if ((b0 & 0xF8) == 0xF0) { cp = b0 & 0x07; len = 4; }
  else { ++i; return kReplacement; }
  bool ok = i + len <= in.size();
  for (size_t k = 1; ok && k < len; ++k) {
    const auto b = static_cast<unsigned char>(in[i + k]);
    if ((b & 0xC0) != 0x80) ok = false;
    else cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are ill-formed too.
  static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (ok && (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
  if (!ok) { ++i; return kReplacement; }
  i += len;
  return cp;
}

std::string utf8_to_utf16le(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 2);
  size_t i = 0;
  while (i < in.size()) {
    uint32_t cp = next_code_point(in, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put_unit(out, static_cast<uint16_t>(0xD800 + (cp >> 10)));
      put_unit(out, static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      put_unit(out, static_cast<uint16_t>(cp));
    }
  }
  return out;
}

}  // namespace host

// The UTF-16LE form IIS gives for UNICODE_ server variables, and the UTF-8 decoding it and the
// ANSI code page conversion (code_page.h) share.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace host {

// The code point that starts at in[i], advancing i past it. An ill-formed sequence (a stray
// continuation byte, a truncated or overlong form, a surrogate, a value past U+10FFFF) yields
// U+FFFD and advances one byte, as Windows' MultiByteToWideChar does without MB_ERR_INVALID_CHARS.
uint32_t next_code_point(std::string_view in, size_t& i);

// UTF-8 in, UTF-16LE bytes out (no terminator).
std::string utf8_to_utf16le(std::string_view utf8);

}  // namespace host

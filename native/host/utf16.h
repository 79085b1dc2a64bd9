// The UTF-16LE form IIS gives for UNICODE_ server variables.
#pragma once
#include <string>
#include <string_view>

namespace host {

// UTF-8 in, UTF-16LE bytes out (no terminator). Ill-formed input becomes U+FFFD, as Windows'
// MultiByteToWideChar does without MB_ERR_INVALID_CHARS.
std::string utf8_to_utf16le(std::string_view utf8);

}  // namespace host

#include "extension/response_framing.h"

#include <cctype>
#include <cstdio>

#include "common/ascii.h"

namespace isapi_node {

unsigned status_code_of(const std::string& status) {
  if (status.size() < 3) return 0;
  unsigned code = 0;
  for (size_t i = 0; i < 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(status[i]))) return 0;
    code = code * 10 + static_cast<unsigned>(status[i] - '0');
  }
  return code;
}

namespace {

bool splits_lines(const std::string& text) { return text.find_first_of(std::string("\r\n\0", 3)) != std::string::npos; }

}  // namespace

std::string unsafe_head(const ResponseHead& head) {
  if (splits_lines(head.status)) return "the status line contains CR, LF or NUL";
  for (const auto& [name, value] : head.headers) {
    if (name.empty() || splits_lines(name) || name.find(':') != std::string::npos)
      return "a header name is empty or contains CR, LF, NUL or ':'";
    if (splits_lines(value)) return "the value of header '" + name + "' contains CR, LF or NUL";
  }
  return {};
}

Framing frame_head(const ResponseHead& head, const std::string& method, const std::string& protocol,
                   std::optional<uint64_t> one_shot_length) {
  Framing f;
  const unsigned code = status_code_of(head.status);
  f.body_allowed = method != "HEAD" && code >= 200 && code != 204 && code != 304;
  bool has_length = false;
  size_t size = 2;
  for (const auto& [name, value] : head.headers) {
    has_length = has_length || ascii::equals_ignoring_case(name, "Content-Length");
    size += name.size() + value.size() + 4;
  }
  f.header_block.reserve(size + 40);
  for (const auto& [name, value] : head.headers) f.header_block.append(name).append(": ").append(value).append("\r\n");
  if (f.body_allowed && !has_length) {
    if (one_shot_length) {
      f.header_block.append("Content-Length: ").append(std::to_string(*one_shot_length)).append("\r\n");
    } else if (protocol == "HTTP/1.0") {
      f.close_delimited = true;
    } else {
      f.chunked = true;
      f.header_block.append("Transfer-Encoding: chunked\r\n");
    }
  }
  f.header_block.append("\r\n");
  return f;
}

std::string chunk_prefix(uint64_t size) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx\r\n", static_cast<unsigned long long>(size));
  return buf;
}

}  // namespace isapi_node

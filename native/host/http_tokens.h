// Comma-separated header lists (Connection, Transfer-Encoding), compared as HTTP compares them:
// case-insensitively, with optional whitespace around each item.
#pragma once
#include <boost/beast/core/string.hpp>
#include <string_view>

namespace host {

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline bool has_token(std::string_view list, std::string_view token) {
  while (true) {
    const size_t comma = list.find(',');
    if (boost::beast::iequals(trim_ows(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace host

// The conversions both sides of the C seam make (native/extension/backend_library.cc and
// native/runtime/backend_export.cc), in one place: strings to and from isapi_node_bytes, and
// name/value lists to and from isapi_node_pair arrays. The configuration's fields are copied by
// the lists beside BackendConfig (backend.h).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "backend/backend_abi.h"

namespace isapi_node::abi {

// A view of `s`, valid while `s` lives unchanged.
inline isapi_node_bytes bytes(const std::string& s) { return {s.data(), s.size()}; }
inline isapi_node_bytes bytes(const char* s) { return {s, std::char_traits<char>::length(s)}; }
inline std::string text(isapi_node_bytes b) { return b.data ? std::string(b.data, b.size) : std::string(); }

// Views of each name and value of `pairs` (any range of string pairs), valid while they live.
template <class Pairs>
std::vector<isapi_node_pair> pairs_of(const Pairs& pairs) {
  std::vector<isapi_node_pair> out;
  out.reserve(pairs.size());
  for (const auto& [name, value] : pairs) out.push_back({bytes(name), bytes(value)});
  return out;
}

// Copies of `count` pairs.
inline std::vector<std::pair<std::string, std::string>> copy_pairs(const isapi_node_pair* pairs, size_t count) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.emplace_back(text(pairs[i].name), text(pairs[i].value));
  return out;
}

}  // namespace isapi_node::abi

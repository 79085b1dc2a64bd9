// Reading a server variable the way every extension must: grow the buffer when IIS says
// ERROR_INSUFFICIENT_BUFFER, at least twofold each time (old IIS versions under-reported the size
// they needed), and tell an unknown variable from an empty one. Shared by the isapi-node extension
// and the reference extension.
#ifndef ISAPI_NODE_SERVER_VARIABLE_H
#define ISAPI_NODE_SERVER_VARIABLE_H

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isapi/isapi.h"

namespace isapi {

// The value without its terminator, or nullopt when IIS has no such variable (or keeps asking for
// more room after a few tries). Most values fit the first buffer, which is on the stack: a request
// reads a dozen variables, and a heap buffer zero-filled for each was a tenth of the work.
inline std::optional<std::string> server_variable(EXTENSION_CONTROL_BLOCK* ecb, const char* name) {
  constexpr int kAttempts = 8;
  auto value = [](const char* data, size_t size, size_t room) {
    size_t len = std::min(size, room);
    if (len > 0 && data[len - 1] == '\0') --len;
    return std::string(data, len);
  };
  char first[512];
  DWORD size = sizeof first;
  if (ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name), first, &size)) return value(first, size, sizeof first);
  if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) return std::nullopt;
  std::vector<char> buf(std::max<size_t>(size, 2 * sizeof first));
  for (int attempt = 1; attempt < kAttempts; ++attempt) {
    size = static_cast<DWORD>(buf.size());
    if (ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name), buf.data(), &size))
      return value(buf.data(), size, buf.size());
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) return std::nullopt;
    buf.resize(std::max<size_t>(size, buf.size() * 2));
  }
  return std::nullopt;
}

// UTF-16LE bytes (as IIS gives UNICODE_ variables) as UTF-8; an unpaired surrogate becomes U+FFFD.
inline std::string utf8_from_utf16le(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size());
  auto put = [&out](uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  };
  const size_t units = bytes.size() / 2;
  auto unit = [&bytes](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[2 * i])) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[2 * i + 1])) << 8;
  };
  for (size_t i = 0; i < units; ++i) {
    const uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units && unit(i + 1) >= 0xDC00 && unit(i + 1) <= 0xDFFF) {
      put(0x10000 + ((u - 0xD800) << 10) + (unit(i + 1) - 0xDC00));
      ++i;
    } else {
      put(u >= 0xD800 && u <= 0xDFFF ? 0xFFFD : u);
    }
  }
  return out;
}

// The variables IIS keeps in the system's ANSI code page and therefore also gives as UNICODE_<name>
// (paths and identities); headers and the query string are bytes as received and have no such form.
inline bool has_unicode_form(std::string_view name) {
  static const char* const kNames[] = {
      "URL", "PATH_INFO", "SCRIPT_NAME", "PATH_TRANSLATED", "SCRIPT_TRANSLATED", "APP_POOL_ID",
      "APPL_MD_PATH", "APPL_PHYSICAL_PATH", "AUTH_USER", "LOGON_USER", "REMOTE_USER", "UNMAPPED_REMOTE_USER",
  };
  for (const char* known : kNames) {
    size_t i = 0;
    while (known[i] && i < name.size() && std::toupper(static_cast<unsigned char>(name[i])) == known[i]) ++i;
    if (!known[i] && i == name.size()) return true;
  }
  return false;
}

// A variable IIS also gives in UTF-16 (URL, PATH_INFO, SCRIPT_NAME, REMOTE_USER, APPL_MD_PATH...),
// as UTF-8. Its plain form is in the system's ANSI code page, with '?' for every character the code
// page lacks; the plain form is used only when IIS has no UNICODE_ form (IIS before 6).
inline std::optional<std::string> unicode_server_variable(EXTENSION_CONTROL_BLOCK* ecb, std::string_view name) {
  if (auto wide = server_variable(ecb, ("UNICODE_" + std::string(name)).c_str())) {
    // The terminator is two bytes; server_variable() trimmed one of them.
    if (wide->size() % 2 == 1 && wide->back() == '\0') wide->pop_back();
    return utf8_from_utf16le(*wide);
  }
  return server_variable(ecb, std::string(name).c_str());
}

// Any variable as UTF-8: from its UNICODE_ form for the path and identity variables that have one,
// else as IIS gives it (headers and the query string are bytes as received).
inline std::optional<std::string> server_variable_as_utf8(EXTENSION_CONTROL_BLOCK* ecb, const char* name) {
  return has_unicode_form(name) ? unicode_server_variable(ecb, name) : server_variable(ecb, name);
}

}  // namespace isapi

#endif

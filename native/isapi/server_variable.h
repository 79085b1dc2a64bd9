// Reading a server variable the way every extension must: grow the buffer when IIS says
// ERROR_INSUFFICIENT_BUFFER, at least twofold each time (old IIS versions under-reported the size
// they needed), and tell an unknown variable from an empty one. Shared by the isapi-node extension
// and the reference extension.
#ifndef ISAPI_NODE_SERVER_VARIABLE_H
#define ISAPI_NODE_SERVER_VARIABLE_H

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "isapi/isapi.h"

namespace isapi {

// The value without its terminator, or nullopt when IIS has no such variable (or keeps asking for
// more room after a few tries).
inline std::optional<std::string> server_variable(EXTENSION_CONTROL_BLOCK* ecb, const char* name) {
  constexpr int kAttempts = 8;
  std::vector<char> buf(512);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    DWORD size = static_cast<DWORD>(buf.size());
    if (ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name), buf.data(), &size)) {
      size_t len = std::min<size_t>(size, buf.size());
      if (len > 0 && buf[len - 1] == '\0') --len;
      return std::string(buf.data(), len);
    }
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) return std::nullopt;
    buf.resize(std::max<size_t>(size, buf.size() * 2));
  }
  return std::nullopt;
}

}  // namespace isapi

#endif

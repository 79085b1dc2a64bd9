// The ISAPI entry points of isapi_node.{so,dll}, and nothing else: the work lives in
// ExtensionState (extension_state.cc) and IsapiRequest (isapi_request.cc).
#include <cstring>
#include <memory>
#include <mutex>

#include "extension/extension_state.h"
#include "extension/no_throw.h"

namespace {
std::mutex g_lifecycle;
isapi_node::ExtensionState* g_state = nullptr;
}  // namespace

// Each entry point stops every C++ exception (no_throw.h): one reaching IIS would end w3wp.exe.

ISAPI_NODE_EXPORT BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* info) {
  return isapi_node::no_throw("GetExtensionVersion", FALSE, [&]() -> BOOL {
    info->dwExtensionVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
    std::strncpy(info->lpszExtensionDesc, "isapi-node: Node.js apps in IIS", HSE_MAX_EXT_DLL_NAME_LEN - 1);
    info->lpszExtensionDesc[HSE_MAX_EXT_DLL_NAME_LEN - 1] = '\0';
    std::lock_guard<std::mutex> lock(g_lifecycle);
    if (!g_state) {
      auto state = std::make_unique<isapi_node::ExtensionState>();
      state->start();
      g_state = state.release();
    }
    return TRUE;
  });
}

ISAPI_NODE_EXPORT DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* ecb) {
  // IIS calls this only between GetExtensionVersion and TerminateExtension.
  return isapi_node::no_throw("HttpExtensionProc", DWORD{HSE_STATUS_ERROR},
                              [&] { return g_state ? g_state->handle(ecb) : DWORD{HSE_STATUS_ERROR}; });
}

ISAPI_NODE_EXPORT BOOL WINAPI TerminateExtension(DWORD) {
  return isapi_node::no_throw("TerminateExtension", FALSE, [&]() -> BOOL {
    std::lock_guard<std::mutex> lock(g_lifecycle);
    if (g_state) {
      // A state whose requests still await IIS completions is kept: freeing it would let those
      // completions run into freed memory.
      if (g_state->stop()) delete g_state;
      g_state = nullptr;
    }
    return TRUE;
  });
}

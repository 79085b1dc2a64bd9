// The ISAPI entry points of isapi_node.{so,dll}, and nothing else: the work lives in
// ExtensionState (extension_state.cc) and IsapiRequest (isapi_request.cc).
#include <cstring>
#include <mutex>

#include "extension/extension_state.h"

#ifdef _WIN32
#define ISAPI_NODE_EXPORT extern "C"  // exported undecorated through isapi_node.def
#else
#define ISAPI_NODE_EXPORT extern "C" __attribute__((visibility("default")))
#endif

namespace {
std::mutex g_lifecycle;
isapi_node::ExtensionState* g_state = nullptr;
}  // namespace

ISAPI_NODE_EXPORT BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* info) {
  info->dwExtensionVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
  std::strncpy(info->lpszExtensionDesc, "isapi-node: Node.js apps in IIS", HSE_MAX_EXT_DLL_NAME_LEN - 1);
  info->lpszExtensionDesc[HSE_MAX_EXT_DLL_NAME_LEN - 1] = '\0';
  std::lock_guard<std::mutex> lock(g_lifecycle);
  if (!g_state) {
    g_state = new isapi_node::ExtensionState();
    g_state->start();
  }
  return TRUE;
}

ISAPI_NODE_EXPORT DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* ecb) {
  // IIS calls this only between GetExtensionVersion and TerminateExtension.
  return g_state ? g_state->handle(ecb) : HSE_STATUS_ERROR;
}

ISAPI_NODE_EXPORT BOOL WINAPI TerminateExtension(DWORD) {
  std::lock_guard<std::mutex> lock(g_lifecycle);
  if (g_state) {
    g_state->stop();
    delete g_state;
    g_state = nullptr;
  }
  return TRUE;
}

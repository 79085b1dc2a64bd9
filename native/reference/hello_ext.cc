// Entry points of the reference extension, and the route table.
#include <cstring>
#include <string>

#include "reference/reference.h"


namespace {

struct Route {
  const char* path;
  DWORD (*handler)(ref::Ecb*);
};

const Route kRoutes[] = {
    {"/hello", ref::hello},           {"/hello-vector", ref::hello_vector}, {"/echo", ref::echo},
    {"/echo-async", ref::echo_async}, {"/vars", ref::vars},                 {"/var", ref::var},
    {"/buffer-rules", ref::buffer_rules}, {"/map", ref::map_url},           {"/support", ref::support_misc},
    {"/stream", ref::stream},         {"/file", ref::transmit},             {"/slow", ref::slow},
    {"/breach", ref::breach},         {"/plaintext", ref::plaintext},       {"/bytes", ref::bytes},
    {"/where", ref::where},           {"/read-end", ref::read_end},
};

}  // namespace

ISAPI_NODE_EXPORT BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* info) {
  info->dwExtensionVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
  std::strncpy(info->lpszExtensionDesc, "hello_ext reference extension", HSE_MAX_EXT_DLL_NAME_LEN - 1);
  return TRUE;
}

ISAPI_NODE_EXPORT DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* ecb) {
  const std::string path = ref::relative_path(ecb);
  for (const auto& route : kRoutes)
    if (path == route.path) return route.handler(ecb);
  if (path.rfind("/var/", 0) == 0) return ref::var(ecb);  // the variables of any path
  if (path == "/error") return HSE_STATUS_ERROR;  // nothing sent: the host answers 500
  return ref::respond(ecb, "404 Not Found", "text/plain", "no route for " + path + "\n");
}

ISAPI_NODE_EXPORT BOOL WINAPI TerminateExtension(DWORD) { return TRUE; }

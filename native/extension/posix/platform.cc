#include "extension/platform.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <limits.h>
#include <stdlib.h>

namespace isapi_node::platform {

std::string own_module_path() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void*>(&own_module_path), &info) || !info.dli_fname) return "";
  // dladdr reports the path as the host passed it to dlopen, maybe relative: make it absolute.
  char resolved[PATH_MAX];
  return realpath(info.dli_fname, resolved) ? std::string(resolved) : std::string(info.dli_fname);
}

void* load_library(const std::string& path, bool global, std::string& error) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
  if (!handle) {
    const char* why = dlerror();
    error = why ? why : "unknown loader error";
  }
  return handle;
}

void* find_symbol(void* library, const char* name, std::string& error) {
  void* symbol = dlsym(library, name);
  if (!symbol) {
    const char* why = dlerror();
    error = why ? why : std::string("no symbol ") + name;
  }
  return symbol;
}

// At least 3: with the Linux convention of a descriptor as the HANDLE, 0 would be a NULL handle.
FileCopy::FileCopy(int fd) {
  if (fd >= 0) handle_ = fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

FileCopy::~FileCopy() {
  if (valid()) close(static_cast<int>(handle_));
}

HANDLE FileCopy::handle() const { return ISAPI_FD_TO_HANDLE(static_cast<int>(handle_)); }

}  // namespace isapi_node::platform

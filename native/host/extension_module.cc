#include "host/extension_module.h"

#include "isapi/posix/layout_check.h"  // the ABI is checked wherever the host is built

#include <dlfcn.h>

#include <cstring>
#include <stdexcept>

namespace host {

ExtensionModule::ExtensionModule(const std::string& path) {
  // RTLD_LOCAL: an extension's own symbols must not leak into the next one loaded (IIS isolates
  // DLLs the same way). RTLD_NOW: a missing dependency fails here, not on the first request.
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = dlerror();
    throw std::runtime_error("cannot load the extension '" + path + "': " + (why ? why : "unknown error") +
                             " (check the path, and that its shared-library dependencies are installed)");
  }
  get_extension_version_ = reinterpret_cast<PFN_GETEXTENSIONVERSION>(dlsym(handle_, "GetExtensionVersion"));
  http_extension_proc_ = reinterpret_cast<PFN_HTTPEXTENSIONPROC>(dlsym(handle_, "HttpExtensionProc"));
  terminate_extension_ = reinterpret_cast<PFN_TERMINATEEXTENSION>(dlsym(handle_, "TerminateExtension"));
  if (!get_extension_version_ || !http_extension_proc_) {
    dlclose(handle_);
    handle_ = nullptr;
    throw std::runtime_error("'" + path +
                             "' is not an ISAPI extension: it must export GetExtensionVersion and HttpExtensionProc");
  }
}

ExtensionModule::~ExtensionModule() {
  // The module stays mapped: threads the extension started may still be running its code, and
  // unmapping it under them would crash the host at exit. The process is ending anyway.
}

bool ExtensionModule::initialize() {
  HSE_VERSION_INFO info;
  std::memset(&info, 0, sizeof info);
  if (!get_extension_version_(&info)) return false;
  reported_version_ = info.dwExtensionVersion;
  // The description is a fixed buffer; an extension that forgot the NUL must not make us overrun it.
  description_.assign(info.lpszExtensionDesc, strnlen(info.lpszExtensionDesc, HSE_MAX_EXT_DLL_NAME_LEN));
  return true;
}

bool ExtensionModule::terminate(DWORD flags) const {
  return terminate_extension_ ? terminate_extension_(flags) != FALSE : true;
}

}  // namespace host

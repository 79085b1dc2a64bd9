#include "host/extension_module.h"

#include "isapi/posix/layout_check.h"  // the ABI is checked wherever the host is built

#include <cstring>
#include <stdexcept>

#include "host/platform.h"

namespace host {

ExtensionModule::ExtensionModule(const std::string& path) {
  std::string why;
  handle_ = platform::load_extension(path, why);
  if (!handle_) {
    throw std::runtime_error("cannot load the extension '" + path + "': " + why +
                             " (check the path, and that its shared-library dependencies are installed)");
  }
  get_extension_version_ =
      reinterpret_cast<PFN_GETEXTENSIONVERSION>(platform::extension_symbol(handle_, "GetExtensionVersion"));
  http_extension_proc_ = reinterpret_cast<PFN_HTTPEXTENSIONPROC>(platform::extension_symbol(handle_, "HttpExtensionProc"));
  terminate_extension_ =
      reinterpret_cast<PFN_TERMINATEEXTENSION>(platform::extension_symbol(handle_, "TerminateExtension"));
  if (!get_extension_version_ || !http_extension_proc_) {
    platform::unload_extension(handle_);
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

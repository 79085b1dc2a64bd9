// One loaded ISAPI extension: its three entry points, resolved the way IIS resolves them.
#pragma once
#include <string>

#include "isapi/isapi.h"

namespace host {

class ExtensionModule {
 public:
  // Loads the file and resolves the entry points. Throws std::runtime_error naming the file and
  // the cause when it cannot be loaded or lacks GetExtensionVersion / HttpExtensionProc.
  explicit ExtensionModule(const std::string& path);
  ~ExtensionModule();
  ExtensionModule(const ExtensionModule&) = delete;
  ExtensionModule& operator=(const ExtensionModule&) = delete;

  // GetExtensionVersion; on TRUE, description() holds the extension's own description.
  bool initialize();
  const std::string& description() const { return description_; }
  DWORD reported_version() const { return reported_version_; }

  DWORD handle_request(EXTENSION_CONTROL_BLOCK* ecb) const { return http_extension_proc_(ecb); }

  // TerminateExtension is optional: without it there is nothing to tell, and unloading proceeds.
  bool terminate(DWORD flags) const;
  bool has_terminate() const { return terminate_extension_ != nullptr; }

 private:
  void* handle_ = nullptr;
  PFN_GETEXTENSIONVERSION get_extension_version_ = nullptr;
  PFN_HTTPEXTENSIONPROC http_extension_proc_ = nullptr;
  PFN_TERMINATEEXTENSION terminate_extension_ = nullptr;
  std::string description_;
  DWORD reported_version_ = 0;
};

}  // namespace host

// What differs between Windows and POSIX for the extension, implemented by twins with the same
// file names in posix/ and (later) win/.
#pragma once
#include <cstdint>
#include <string>

#include "isapi/isapi.h"

namespace isapi_node::platform {

// The full path of the loaded extension library (this code's own module).
std::string own_module_path();

// Loads a library and resolves one symbol. On failure returns null and sets `error` to the
// loader's message.
void* load_library(const std::string& path, bool global, std::string& error);
void* find_symbol(void* library, const char* name, std::string& error);

// A private copy of an open file's handle, for IIS to read while the caller may close its own (an
// app's fd closed mid-send could otherwise be reused for another file). Closed with the object.
class FileCopy {
 public:
  // Not valid() when the handle could not be duplicated.
  explicit FileCopy(int fd);
  ~FileCopy();
  FileCopy(const FileCopy&) = delete;
  FileCopy& operator=(const FileCopy&) = delete;
  bool valid() const { return handle_ != kNone; }
  // The handle in the form ISAPI takes (HSE_TF_INFO.hFile, a file vector element).
  HANDLE handle() const;

 private:
  static constexpr intptr_t kNone = -1;
  intptr_t handle_ = kNone;
};

}  // namespace isapi_node::platform

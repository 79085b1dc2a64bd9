// What differs between Windows and POSIX for the extension, implemented by twins with the same
// file names in posix/ and win/. Every path crossing this header is UTF-8; the Windows twin
// converts to UTF-16 at the OS call (an install folder named C:\Sites\Café\ must work).
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>

#include "isapi/isapi.h"

namespace isapi_node::platform {

// The in-process runtime library's file name, loaded from the extension's own folder.
extern const char* const kInprocessLibrary;

// Where the in-process runtime's libnode comes from on this platform: the fix a libnode_missing
// failure names.
extern const char* const kLibnodeHint;
// Before the runtime is loaded, when no libnode was named: why libnode is plainly missing (it is
// not where this platform's loader will look), or "" when the loader must be tried.
std::string missing_libnode(const std::string& extension_dir);
// Whether the loader's message for the runtime library says it failed for want of libnode.
bool failed_for_libnode(const std::string& loader_error);

// The full path of the loaded extension library (this code's own module).
std::string own_module_path();

// The trace channel when the configuration at `config_file` has no "trace" key: "stderr" on POSIX;
// on Windows the file isapi_node.log beside the configuration, since w3wp.exe has no console and
// its standard error goes nowhere (lib/iis/names.ts TRACE_FILE names the same file).
std::string default_trace(const std::string& config_file);

// `dir` and `name` joined with the platform's separator ("" dir: `name` alone).
std::string join_path(const std::string& dir, const std::string& name);
// True for an existing regular file (not a folder).
bool is_regular_file(const std::string& path);
// `t` as UTC calendar time.
std::tm utc_time(std::time_t t);

// Loads a library and resolves one symbol. On failure returns null and sets `error` to the
// loader's message.
void* load_library(const std::string& path, bool global, std::string& error);
void* find_symbol(void* library, const char* name, std::string& error);

// A private copy of an open file's handle, for IIS to read while the caller may close its own (an
// app's fd closed mid-send could otherwise be reused for another file). Closed with the object.
class FileCopy {
 public:
  // Not valid() when the handle could not be duplicated.
  explicit FileCopy(intptr_t os_file);
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

// A file records are appended to, each by one OS call: no C runtime buffer to flush, and records
// appended from several threads at once never interleave (O_APPEND; FILE_APPEND_DATA on Windows).
class AppendFile {
 public:
  // Opens or creates `path`; null with `error` set when it cannot.
  static std::unique_ptr<AppendFile> open(const std::string& path, std::string& error);
  // The process's standard error, never closed.
  static std::unique_ptr<AppendFile> standard_error();
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  // Its size when opened (0 for standard error).
  uint64_t initial_size() const { return initial_size_; }
  // Writes all of `data` (retrying short writes); false when the OS refused.
  bool append(const std::string& data);

 private:
  AppendFile(intptr_t handle, bool owned, uint64_t size) : handle_(handle), owned_(owned), initial_size_(size) {}
  intptr_t handle_;
  bool owned_;
  uint64_t initial_size_;
};

// Renames `from` to `to`, replacing `to` if it exists.
bool replace_file(const std::string& from, const std::string& to);

}  // namespace isapi_node::platform

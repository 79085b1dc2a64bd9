// The Windows twin of posix/platform.cc. Paths are UTF-8 on our side and UTF-16 at every Win32
// call, so a site folder with any name works; errors come from FormatMessageW.
#include "extension/platform.h"

#include <windows.h>

#include <algorithm>
#include <vector>

#include "win/utf8.h"

namespace isapi_node::platform {

const char* const kInprocessLibrary = "isapi_node_inproc.dll";

const char* const kLibnodeHint =
    "the in-process runtime needs Node's shared library beside the extension: libnode.dll from the NuGet package "
    "Microsoft.JavaScript.LibNode.win-x64 (Microsoft.JavaScript.LibNode.win-x86 for a 32-bit application pool), "
    "or name one with \"libnode\" in the configuration or the ISAPI_NODE_LIBNODE environment variable";

// The runtime is loaded with the altered search path: libnode.dll must be in the extension's folder.
std::string missing_libnode(const std::string& extension_dir) {
  const std::string expected = join_path(extension_dir, "libnode.dll");
  return is_regular_file(expected) ? "" : "libnode.dll is not in '" + extension_dir + "'";
}

// Windows names no module in ERROR_MOD_NOT_FOUND; missing_libnode() has looked before the load.
bool failed_for_libnode(const std::string&) { return false; }

std::string own_module_path() {
  HMODULE self = nullptr;
  if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                          reinterpret_cast<LPCWSTR>(&own_module_path), &self))
    return "";
  std::vector<wchar_t> buffer(MAX_PATH);
  for (;;) {
    const DWORD n = GetModuleFileNameW(self, buffer.data(), static_cast<DWORD>(buffer.size()));
    if (n == 0) return "";
    if (n < buffer.size()) return win::to_utf8(std::wstring(buffer.data(), n));
    buffer.resize(buffer.size() * 2);  // a long path: try again with room for it
  }
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  const char last = dir.back();
  return last == '\\' || last == '/' ? dir + name : dir + "\\" + name;
}

// The trace file of a configuration without "trace" (lib/iis/names.ts TRACE_FILE): w3wp.exe has no
// console, so standard error would lose every record.
constexpr const char* kDefaultTraceFile = "isapi_node.log";

std::string default_trace(const std::string& config_file) {
  const size_t slash = config_file.find_last_of("/\\");
  return join_path(slash == std::string::npos ? "" : config_file.substr(0, slash), kDefaultTraceFile);
}

bool is_regular_file(const std::string& path) {
  const DWORD attributes = GetFileAttributesW(win::to_win_path(path).c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
}

std::tm utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_s(&tm, &t);
  return tm;
}

// w3wp.exe's search path is inetsrv, not the extension's folder: the library's own folder must be
// searched for what it needs (libnode.dll beside the runtime), hence the altered search path.
void* load_library(const std::string& path, bool /*global: every DLL's exports are global*/, std::string& error) {
  HMODULE module = LoadLibraryExW(win::to_win_path(path).c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
  if (!module) error = win::error_text(GetLastError());
  return reinterpret_cast<void*>(module);
}

void* find_symbol(void* library, const char* name, std::string& error) {
  FARPROC symbol = GetProcAddress(static_cast<HMODULE>(library), name);
  if (!symbol) error = std::string("no symbol ") + name + ": " + win::error_text(GetLastError());
  return reinterpret_cast<void*>(symbol);
}

FileCopy::FileCopy(intptr_t os_file) {
  HANDLE copy = nullptr;
  const HANDLE process = GetCurrentProcess();
  if (os_file != -1 && os_file != 0 &&
      DuplicateHandle(process, reinterpret_cast<HANDLE>(os_file), process, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
    handle_ = reinterpret_cast<intptr_t>(copy);
}

FileCopy::~FileCopy() {
  if (valid()) CloseHandle(reinterpret_cast<HANDLE>(handle_));
}

HANDLE FileCopy::handle() const { return reinterpret_cast<HANDLE>(handle_); }

std::unique_ptr<AppendFile> AppendFile::open(const std::string& path, std::string& error) {
  // FILE_APPEND_DATA alone: every write lands at the end, whoever else appends (as O_APPEND).
  HANDLE file = CreateFileW(win::to_win_path(path).c_str(), FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                            nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    error = win::error_text(GetLastError());
    return nullptr;
  }
  LARGE_INTEGER size{};
  const uint64_t initial = GetFileSizeEx(file, &size) ? static_cast<uint64_t>(size.QuadPart) : 0;
  return std::unique_ptr<AppendFile>(new AppendFile(reinterpret_cast<intptr_t>(file), true, initial));
}

std::unique_ptr<AppendFile> AppendFile::standard_error() {
  return std::unique_ptr<AppendFile>(
      new AppendFile(reinterpret_cast<intptr_t>(GetStdHandle(STD_ERROR_HANDLE)), false, 0));
}

AppendFile::~AppendFile() {
  if (owned_) CloseHandle(reinterpret_cast<HANDLE>(handle_));
}

bool AppendFile::append(const std::string& data) {
  const HANDLE file = reinterpret_cast<HANDLE>(handle_);
  if (file == nullptr || file == INVALID_HANDLE_VALUE) return false;  // a service has no standard error
  size_t done = 0;
  while (done < data.size()) {
    DWORD written = 0;
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(data.size() - done, 1u << 30));
    if (!WriteFile(file, data.data() + done, chunk, &written, nullptr) || written == 0) return false;
    done += written;
  }
  return true;
}

bool replace_file(const std::string& from, const std::string& to) {
  return MoveFileExW(win::to_win_path(from).c_str(), win::to_win_path(to).c_str(), MOVEFILE_REPLACE_EXISTING) != 0;
}

}  // namespace isapi_node::platform

// The Windows twin of posix/platform.cc.
#include "host/platform.h"

#include <winsock2.h>
#include <windows.h>
#include <shellapi.h>

#include <boost/asio/error.hpp>

#include "win/utf8.h"

namespace host::platform {

std::vector<std::string> command_line(int argc, char** argv) {
  int count = 0;
  wchar_t** wide_args = CommandLineToArgvW(GetCommandLineW(), &count);
  if (!wide_args) return std::vector<std::string>(argv, argv + argc);
  std::vector<std::string> args;
  for (int i = 0; i < count; ++i) args.push_back(win::to_utf8(wide_args[i]));
  LocalFree(wide_args);
  return args;
}

std::tm utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_s(&tm, &t);
  return tm;
}

// SetThreadDescription exists from Windows 10 1607 on: looked up, not linked, so older systems run.
void name_this_thread(const std::string& name) {
  using SetDescription = HRESULT(WINAPI*)(HANDLE, PCWSTR);
  static const auto set = reinterpret_cast<SetDescription>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "SetThreadDescription")));
  if (set) set(GetCurrentThread(), win::to_utf16(name).c_str());
}

// Winsock reports a closed peer as a failed send; there is no signal to ignore.
void ignore_broken_pipes() {}

// Winsock does not tell how much of the send buffer is in use: no inline completion is claimed.
bool socket_can_take(Socket, uint64_t) { return false; }

bool peer_connected(Socket socket) {
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(socket, &readable);
  timeval now{0, 0};
  if (select(0, &readable, nullptr, nullptr, &now) != 1) return true;  // nothing to read: still there
  char probe;
  return recv(socket, &probe, 1, MSG_PEEK) != 0;  // readable with nothing to read: the peer closed
}

int64_t regular_file_size(HANDLE file) {
  LARGE_INTEGER size{};
  if (file == nullptr || file == INVALID_HANDLE_VALUE || GetFileType(file) != FILE_TYPE_DISK ||
      !GetFileSizeEx(file, &size))
    return -1;
  return size.QuadPart;
}

// Positional reads through an OVERLAPPED offset, whether the handle was opened for overlapped
// I/O or not (then the read waits for its own completion).
boost::system::error_code read_file_at(HANDLE file, uint64_t offset, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    OVERLAPPED at{};
    const uint64_t position = offset + got;
    at.Offset = static_cast<DWORD>(position);
    at.OffsetHigh = static_cast<DWORD>(position >> 32);
    DWORD read = 0;
    const DWORD want = static_cast<DWORD>(n - got);
    if (!ReadFile(file, buf + got, want, &read, &at)) {
      const DWORD error = GetLastError();
      if (error == ERROR_HANDLE_EOF) return boost::asio::error::eof;
      if (error != ERROR_IO_PENDING || !GetOverlappedResult(file, &at, &read, TRUE))
        return boost::system::error_code(static_cast<int>(GetLastError()), boost::system::system_category());
    }
    if (read == 0) return boost::asio::error::eof;
    got += read;
  }
  return {};
}

// As IIS loads an extension: its own folder searched for the DLLs it needs.
void* load_extension(const std::string& path, std::string& error) {
  HMODULE module = LoadLibraryExW(win::to_win_path(path).c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
  if (!module) error = win::error_text(GetLastError());
  return reinterpret_cast<void*>(module);
}

void* extension_symbol(void* library, const char* name) {
  return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(library), name));
}

void unload_extension(void* library) { FreeLibrary(static_cast<HMODULE>(library)); }

}  // namespace host::platform

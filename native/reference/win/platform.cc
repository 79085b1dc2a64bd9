// The Windows twin of posix/platform.cc.
#include "reference/platform.h"

#include <windows.h>

#include "win/utf8.h"

namespace ref::platform {

namespace {
DWORD slot_index() {
  static const DWORD index = TlsAlloc();
  return index;
}
}  // namespace

void* thread_slot() { return TlsGetValue(slot_index()); }
void set_thread_slot(void* value) { TlsSetValue(slot_index(), value); }

std::string thread_name() {
  using GetDescription = HRESULT(WINAPI*)(HANDLE, PWSTR*);
  static const auto get = reinterpret_cast<GetDescription>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "GetThreadDescription")));
  PWSTR name = nullptr;
  if (!get || FAILED(get(GetCurrentThread(), &name)) || !name) return "";
  std::string out = win::to_utf8(name);
  LocalFree(name);
  return out;
}

OpenFile open_for_transmit(const std::string& path) {
  HANDLE file = CreateFileW(win::to_win_path(path).c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                            FILE_ATTRIBUTE_NORMAL, nullptr);
  LARGE_INTEGER size{};
  if (file == INVALID_HANDLE_VALUE) return {};
  if (!GetFileSizeEx(file, &size)) {
    CloseHandle(file);
    return {};
  }
  return {file, static_cast<uint64_t>(size.QuadPart)};
}

void close_file(HANDLE file) { CloseHandle(file); }

}  // namespace ref::platform

// UTF-8 ⇄ UTF-16 and error texts at the Win32 boundary, shared by the Windows twins (native/extension/win,
// native/host/win): the project's strings are UTF-8, Win32's wide calls take UTF-16.
#pragma once
#include <windows.h>

#include <string>

namespace win {

inline std::wstring to_utf16(const std::string& utf8) {
  if (utf8.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

inline std::string to_utf8(const std::wstring& utf16) {
  if (utf16.empty()) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), out.data(), n, nullptr, nullptr);
  return out;
}

// A path for Win32's wide calls: UTF-16, with backslashes (LoadLibraryExW's altered search path needs them).
inline std::wstring to_win_path(const std::string& utf8) {
  std::wstring path = to_utf16(utf8);
  for (auto& c : path)
    if (c == L'/') c = L'\\';
  return path;
}

// The system's text for a Win32 error code, without the trailing line break, with the code.
inline std::string error_text(DWORD code) {
  wchar_t* buffer = nullptr;
  const DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, code, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::wstring text = n ? std::wstring(buffer, n) : L"";
  if (buffer) LocalFree(buffer);
  while (!text.empty() && (text.back() == L'\r' || text.back() == L'\n' || text.back() == L' ')) text.pop_back();
  return to_utf8(text) + " (error " + std::to_string(code) + ")";
}

}  // namespace win

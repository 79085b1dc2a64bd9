// The system's ANSI code page, as IIS applies it to the path and identity server variables (URL,
// PATH_INFO, PATH_TRANSLATED, AUTH_USER, ...) and to the ECB's lpszPathInfo and
// lpszPathTranslated. The host keeps those values as UTF-8 (what the client sent, decoded) and
// gives their non-Unicode forms in the code page, with '?' for every character it cannot
// represent, as WideCharToMultiByte does; the UNICODE_ forms stay exact. On a server whose code
// page is Windows-1252, "/héllo/日本" reaches an extension as "/h\xE9llo/??".
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace host {

class CodePage {
 public:
  // "utf8" (also "utf-8", "65001": values stay as they are) or "1252" (also "windows-1252",
  // "cp1252"); nullptr for a name the host does not know.
  static const CodePage* named(std::string_view name);
  // The names named() accepts, for the usage message.
  static const char* known_names();

  const std::string& name() const { return name_; }
  // UTF-8 in, this code page out.
  std::string encode(std::string_view utf8) const;

  // What a single-byte code page is made of (code_page.cc holds the tables).
  struct SingleByteTable;

 private:
  CodePage(std::string name, const SingleByteTable* table);

  std::string name_;
  const SingleByteTable* table_;                         // null for UTF-8
  std::unordered_map<uint32_t, char> byte_for_code_point_;  // the table reversed (0x80-0xFF)
};

}  // namespace host

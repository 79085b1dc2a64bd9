#include "host/code_page.h"

#include <array>

#include "common/ascii.h"
#include "host/utf16.h"

namespace host {

// A single-byte Windows code page: 0x00-0x7F are ASCII, and each byte of 0x80-0xFF stands for one
// code point (0: the byte is unassigned). Another single-byte code page is another table.
struct CodePage::SingleByteTable {
  std::array<uint16_t, 128> upper_half;
};

namespace {

// Windows-1252: 0x80-0x9F hold typographic characters; 0xA0-0xFF are Latin-1 (U+00A0-U+00FF).
// Windows maps the five bytes Microsoft left unassigned (0x81, 0x8D, 0x8F, 0x90, 0x9D) to the C1
// controls of the same value, and so does this table.
constexpr std::array<uint16_t, 32> kWindows1252From80 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80-87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,  // 88-8F
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90-97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,  // 98-9F
};

CodePage::SingleByteTable windows_1252_table() {
  CodePage::SingleByteTable table{};
  for (size_t i = 0; i < 32; ++i) table.upper_half[i] = kWindows1252From80[i];
  for (size_t i = 32; i < 128; ++i) table.upper_half[i] = static_cast<uint16_t>(0x80 + i);
  return table;
}

bool any_of(std::string_view name, std::initializer_list<const char*> aliases) {
  for (const char* alias : aliases)
    if (ascii::equals_ignoring_case(name, alias)) return true;
  return false;
}

}  // namespace

CodePage::CodePage(std::string name, const SingleByteTable* table) : name_(std::move(name)), table_(table) {
  if (!table_) return;
  for (size_t i = 0; i < table_->upper_half.size(); ++i)
    if (table_->upper_half[i]) byte_for_code_point_.emplace(table_->upper_half[i], static_cast<char>(0x80 + i));
}

const CodePage* CodePage::named(std::string_view name) {
  static const CodePage utf8("utf8", nullptr);
  static const SingleByteTable table_1252 = windows_1252_table();
  static const CodePage windows_1252("1252", &table_1252);
  if (any_of(name, {"utf8", "utf-8", "65001"})) return &utf8;
  if (any_of(name, {"1252", "windows-1252", "cp1252"})) return &windows_1252;
  return nullptr;
}

const char* CodePage::known_names() { return "utf8, 1252"; }

std::string CodePage::encode(std::string_view utf8) const {
  if (!table_) return std::string(utf8);
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    const uint32_t cp = next_code_point(utf8, i);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
      continue;
    }
    auto it = byte_for_code_point_.find(cp);
    out.push_back(it == byte_for_code_point_.end() ? '?' : it->second);
  }
  return out;
}

}  // namespace host

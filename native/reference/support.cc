// Helpers every route uses: variables, query parameters, the relative path, synchronous output.

#include <cstring>
#include <vector>

#include "common/ascii.h"
#include "isapi/server_variable.h"
#include "reference/reference.h"

namespace ref {

std::optional<std::string> variable(Ecb* ecb, const char* name) { return isapi::server_variable(ecb, name); }

namespace {

// A path or identity value IIS gave in the system's ANSI code page, as UTF-8. Plain ASCII without
// '?' reads the same in every code page (the common case, which costs no call); anything else may
// be damaged ('?' stands for every character the code page lacks), so the UNICODE_ form is asked.
std::string exact_form(Ecb* ecb, const char* name, std::string ansi) {
  for (unsigned char c : ansi) {
    if (c < 0x80 && c != '?') continue;
    // A server without UNICODE_ forms gives back the ANSI one: it is all there is.
    return isapi::unicode_server_variable(ecb, name).value_or(ansi);
  }
  return ansi;
}

}  // namespace

std::string query_param(Ecb* ecb, const std::string& name) {
  std::string q = ecb->lpszQueryString ? ecb->lpszQueryString : "";
  size_t pos = 0;
  while (pos <= q.size()) {
    size_t amp = q.find('&', pos);
    std::string item = q.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = item.find('=');
    if (item.substr(0, eq) == name) return eq == std::string::npos ? "" : item.substr(eq + 1);
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

std::string relative_path(Ecb* ecb) {
  std::string path = exact_form(ecb, "PATH_INFO", ecb->lpszPathInfo ? ecb->lpszPathInfo : "/");
  std::string md = exact_form(ecb, "APPL_MD_PATH", variable(ecb, "APPL_MD_PATH").value_or(""));
  // "/LM/W3SVC/<site>/ROOT[/vdir]": what follows ROOT is the application's URL prefix.
  size_t root = 0;
  for (size_t i = 0; i + 5 <= md.size(); ++i)
    if (ascii::equals_ignoring_case(std::string_view(md).substr(i, 5), "/ROOT") && (i + 5 == md.size() || md[i + 5] == '/'))
      root = i + 5;
  std::string vdir = root ? md.substr(root) : "";
  if (!vdir.empty() && ascii::equals_ignoring_case(std::string_view(path).substr(0, vdir.size()), vdir))
    path = path.substr(vdir.size());
  return path.empty() ? "/" : path;
}

bool send_head(Ecb* ecb, const std::string& status, const std::string& headers, bool keep_conn) {
  std::string block = headers + "\r\n";
  HSE_SEND_HEADER_EX_INFO info;
  info.pszStatus = status.c_str();
  info.cchStatus = static_cast<DWORD>(status.size());
  info.pszHeader = block.c_str();
  info.cchHeader = static_cast<DWORD>(block.size());
  info.fKeepConn = keep_conn ? TRUE : FALSE;
  return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, nullptr, nullptr) != FALSE;
}

bool write_all(Ecb* ecb, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    DWORD n = static_cast<DWORD>(std::min<size_t>(size, 1u << 30));
    if (!ecb->WriteClient(ecb->ConnID, const_cast<char*>(p), &n, HSE_IO_SYNC)) return false;
    p += n;
    size -= n;
  }
  return true;
}

DWORD respond(Ecb* ecb, const std::string& status, const std::string& content_type, const std::string& body) {
  const std::string headers =
      "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!send_head(ecb, status, headers) || !write_all(ecb, body.data(), body.size())) return HSE_STATUS_ERROR;
  return HSE_STATUS_SUCCESS;
}

void done(Ecb* ecb, DWORD status) {
  ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, nullptr, nullptr);
}

}  // namespace ref

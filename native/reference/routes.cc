// Synchronous routes: each answers inside HttpExtensionProc and returns HSE_STATUS_SUCCESS,
// except /breach, which breaks the contract on purpose so the host's checker can be tested.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reference/reference.h"

namespace ref {
namespace {

using nlohmann::json;

constexpr size_t kEchoChunk = 64 * 1024;

// JSON as text; bytes that are not UTF-8 (an ANSI path or user name, a Latin-1 header) become
// U+FFFD instead of an exception thrown through HttpExtensionProc.
std::string json_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

json variable_or_null(Ecb* ecb, const char* name) {
  auto v = variable(ecb, name);
  return v ? json(*v) : json(nullptr);
}

// One attempt at GetServerVariable with a given buffer size, reported as the tests read it.
json probe_variable(Ecb* ecb, const char* name, DWORD size, bool null_buffer) {
  std::vector<char> buf(size + 1);
  DWORD inout = size;
  SetLastError(0);
  BOOL ok = ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name), null_buffer ? nullptr : buf.data(), &inout);
  return {{"ok", ok != FALSE}, {"error", ok ? 0 : GetLastError()}, {"size", inout}};
}

std::string chunk_frame(size_t n) {
  char head[32];
  std::snprintf(head, sizeof head, "%zx\r\n", n);
  return head;
}

}  // namespace

DWORD hello(Ecb* ecb) { return respond(ecb, "200 OK", "text/plain", "Hello from hello_ext\n"); }

DWORD send_whole(Ecb* ecb, const char* status, const char* content_type, const char* body, size_t size) {
  HSE_VECTOR_ELEMENT element = {};
  element.ElementType = HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER;
  element.pvContext = const_cast<char*>(body);
  element.cbSize = size;
  const std::string headers =
      std::string("Content-Type: ") + content_type + "\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
  HSE_RESPONSE_VECTOR vector = {};
  vector.dwFlags = HSE_IO_SYNC | HSE_IO_SEND_HEADERS | HSE_IO_FINAL_SEND;
  vector.pszStatus = const_cast<char*>(status);
  vector.pszHeaders = const_cast<char*>(headers.c_str());
  vector.nElementCount = size ? 1 : 0;
  vector.lpElementArray = size ? &element : nullptr;
  return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_VECTOR_SEND, &vector, nullptr, nullptr) ? HSE_STATUS_SUCCESS
                                                                                                  : HSE_STATUS_ERROR;
}

// The benchmarks' hello: the same 13 bytes every contender answers.
DWORD plaintext(Ecb* ecb) {
  static const char body[] = "Hello, World!";
  return send_whole(ecb, "200 OK", "text/plain", body, sizeof body - 1);
}

// /bytes?n=N: N bytes of 'x' (at most 16 MiB), for the response-size benchmarks.
DWORD bytes(Ecb* ecb) {
  constexpr size_t kMax = 16u << 20;
  static const std::string filler(kMax, 'x');
  const size_t n = std::min<size_t>(std::strtoull(query_param(ecb, "n").c_str(), nullptr, 10), kMax);
  return send_whole(ecb, "200 OK", "application/octet-stream", filler.data(), n);
}

DWORD hello_vector(Ecb* ecb) {
  // Status, headers and a two-piece body in one VECTOR_SEND: the one-send answer IIS favours.
  static const char part1[] = "Hello from ", part2[] = "VECTOR_SEND\n";
  HSE_VECTOR_ELEMENT elements[2] = {};
  elements[0].ElementType = HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER;
  elements[0].pvContext = const_cast<char*>(part1);
  elements[0].cbSize = sizeof part1 - 1;
  elements[1].ElementType = HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER;
  elements[1].pvContext = const_cast<char*>(part2);
  elements[1].cbSize = sizeof part2 - 1;
  std::string headers = "Content-Type: text/plain\r\nContent-Length: " +
                        std::to_string(elements[0].cbSize + elements[1].cbSize) + "\r\n\r\n";
  HSE_RESPONSE_VECTOR vector = {};
  vector.dwFlags = HSE_IO_SYNC | HSE_IO_SEND_HEADERS | HSE_IO_FINAL_SEND;
  vector.pszStatus = const_cast<char*>("200 OK");
  vector.pszHeaders = const_cast<char*>(headers.c_str());
  vector.nElementCount = 2;
  vector.lpElementArray = elements;
  if (!ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_VECTOR_SEND, &vector, nullptr, nullptr)) return HSE_STATUS_ERROR;
  return HSE_STATUS_SUCCESS;
}

DWORD echo(Ecb* ecb) {
  // The body comes back as it arrives: preloaded bytes first, then ReadClient until it gives 0.
  // A body of unknown length (chunked upload) is answered chunked.
  const bool unknown_length = ecb->cbTotalBytes == 0xFFFFFFFF;
  std::string headers = "Content-Type: application/octet-stream\r\n";
  headers += unknown_length ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + std::to_string(ecb->cbTotalBytes) + "\r\n";
  if (!send_head(ecb, "200 OK", headers)) return HSE_STATUS_ERROR;
  auto emit = [&](const char* data, size_t n) {
    if (n == 0) return true;
    if (!unknown_length) return write_all(ecb, data, n);
    std::string framed = chunk_frame(n);
    framed.append(data, n).append("\r\n");
    return write_all(ecb, framed.data(), framed.size());
  };
  if (!emit(reinterpret_cast<const char*>(ecb->lpbData), ecb->cbAvailable)) return HSE_STATUS_ERROR;
  std::vector<char> buf(kEchoChunk);
  uint64_t received = ecb->cbAvailable;
  while (unknown_length || received < ecb->cbTotalBytes) {
    DWORD n = static_cast<DWORD>(buf.size());
    if (!ecb->ReadClient(ecb->ConnID, buf.data(), &n) || n == 0) break;
    received += n;
    if (!emit(buf.data(), n)) return HSE_STATUS_ERROR;
  }
  if (unknown_length && !write_all(ecb, "0\r\n\r\n", 5)) return HSE_STATUS_ERROR;
  return HSE_STATUS_SUCCESS;
}

DWORD vars(Ecb* ecb) {
  static const char* const kNames[] = {
      "ALL_HTTP", "ALL_RAW", "APPL_MD_PATH", "APPL_PHYSICAL_PATH", "AUTH_TYPE", "AUTH_USER", "AUTH_PASSWORD",
      "LOGON_USER", "REMOTE_USER", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "LOCAL_ADDR", "REQUEST_METHOD",
      "URL", "SCRIPT_NAME", "PATH_INFO", "PATH_TRANSLATED", "UNENCODED_URL", "QUERY_STRING", "CONTENT_LENGTH",
      "CONTENT_TYPE", "SERVER_NAME", "SERVER_PORT", "SERVER_PORT_SECURE", "SERVER_PROTOCOL", "SERVER_SOFTWARE",
      "GATEWAY_INTERFACE", "HTTPS", "INSTANCE_ID", "INSTANCE_META_PATH", "HTTP_URL", "HTTP_VERSION"};
  json out;
  for (const char* name : kNames) out["vars"][name] = variable_or_null(ecb, name);
  // Headers named by the query: ?h=X-Custom-Header,Accept looks up HTTP_ and HEADER_ forms.
  std::string wanted = query_param(ecb, "h");
  for (size_t pos = 0; !wanted.empty() && pos <= wanted.size();) {
    size_t comma = wanted.find(',', pos);
    std::string header = wanted.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    std::string mangled = "HTTP_";
    for (char c : header) mangled.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    out["headers"][mangled] = variable_or_null(ecb, mangled.c_str());
    out["headers"]["HEADER_" + header] = variable_or_null(ecb, ("HEADER_" + header).c_str());
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  out["ecb"] = {{"cbSize", ecb->cbSize},
                {"dwVersion", ecb->dwVersion},
                {"method", ecb->lpszMethod},
                {"query", ecb->lpszQueryString},
                {"pathInfo", ecb->lpszPathInfo},
                {"pathTranslated", ecb->lpszPathTranslated},
                {"contentType", ecb->lpszContentType},
                {"cbTotalBytes", ecb->cbTotalBytes},
                {"cbAvailable", ecb->cbAvailable},
                {"lpbDataTerminated", ecb->lpbData ? ecb->lpbData[ecb->cbAvailable] == 0 : false}};
  return respond(ecb, "200 OK", "application/json", json_text(out));
}

DWORD var(Ecb* ecb) {
  // /var?NAME, also at /var/<any path>: the raw bytes GetServerVariable returns, terminator
  // included; NAME lpszPathInfo or lpszPathTranslated gives that ECB field the same way.
  std::string name = ecb->lpszQueryString ? ecb->lpszQueryString : "";
  const char* field = name == "lpszPathInfo" ? ecb->lpszPathInfo : name == "lpszPathTranslated" ? ecb->lpszPathTranslated : nullptr;
  if (field) return respond(ecb, "200 OK", "application/octet-stream", std::string(field, std::strlen(field) + 1));
  DWORD size = 0;
  ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name.c_str()), nullptr, &size);
  if (GetLastError() == ERROR_INVALID_INDEX) return respond(ecb, "404 Not Found", "text/plain", "ERROR_INVALID_INDEX\n");
  std::vector<char> buf(size);
  if (!ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name.c_str()), buf.data(), &size))
    return respond(ecb, "500 Internal Server Error", "text/plain", "GetServerVariable failed\n");
  return respond(ecb, "200 OK", "application/octet-stream", std::string(buf.data(), size));
}

DWORD buffer_rules(Ecb* ecb) {
  const std::string url = variable(ecb, "URL").value_or("");
  const DWORD needed = static_cast<DWORD>(url.size() + 1);
  json out = {{"urlLength", url.size()},
              {"nullBuffer", probe_variable(ecb, "URL", 0, true)},
              {"oneShort", probe_variable(ecb, "URL", needed - 1, false)},
              {"exact", probe_variable(ecb, "URL", needed, false)},
              {"unicodeNull", probe_variable(ecb, "UNICODE_URL", 0, true)},
              {"unknown", probe_variable(ecb, "NO_SUCH_VARIABLE", 64, false)},
              {"absentHeader", probe_variable(ecb, "HTTP_X_ABSENT_HEADER", 64, false)}};
  return respond(ecb, "200 OK", "application/json", json_text(out));
}

DWORD map_url(Ecb* ecb) {
  std::string url = query_param(ecb, "url");
  char path[MAX_PATH] = {};
  std::snprintf(path, sizeof path, "%s", url.c_str());
  DWORD size = sizeof path;
  BOOL ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_MAP_URL_TO_PATH, path, &size, nullptr);
  HSE_URL_MAPEX_INFO info = {};
  DWORD ex_size = 0;
  BOOL ok_ex = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_MAP_URL_TO_PATH_EX, const_cast<char*>(url.c_str()),
                                          &ex_size, reinterpret_cast<DWORD*>(&info));
  json out = {{"path", ok ? json(path) : json(nullptr)},
              {"ex", ok_ex ? json{{"path", info.lpszPath},
                                  {"flags", info.dwFlags},
                                  {"matchingPath", info.cchMatchingPath},
                                  {"matchingUrl", info.cchMatchingURL}}
                           : json(nullptr)}};
  return respond(ecb, "200 OK", "application/json", json_text(out));
}

DWORD support_misc(Ecb* ecb) {
  // The small ServerSupportFunction requests, and one the host must refuse.
  BOOL connected = FALSE, keep = FALSE;
  BOOL connected_ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IS_CONNECTED, &connected, nullptr, nullptr);
  BOOL keep_ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IS_KEEP_CONN, &keep, nullptr, nullptr);
  SetLastError(0);
  BOOL unknown_ok = ecb->ServerSupportFunction(ecb->ConnID, 9999, nullptr, nullptr, nullptr);
  DWORD unknown_error = GetLastError();
  json out = {{"isConnected", connected_ok ? json(connected != FALSE) : json(nullptr)},
              {"isKeepConn", keep_ok ? json(keep != FALSE) : json(nullptr)},
              {"unknownRequest", {{"ok", unknown_ok != FALSE}, {"error", unknown_error}}}};
  if (query_param(ecb, "redirect") == "1") {
    const char* to = "/hello";
    if (!ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_URL_REDIRECT_RESP, const_cast<char*>(to), nullptr, nullptr))
      return HSE_STATUS_ERROR;
    return HSE_STATUS_SUCCESS;
  }
  return respond(ecb, "200 OK", "application/json", json_text(out));
}

}  // namespace ref

#include "extension/request_record.h"

#include "isapi/server_variable.h"

#include <algorithm>
#include <vector>

namespace isapi_node {
namespace {

// ALL_RAW is "Name: value\r\n" per header line, as received.
void parse_all_raw(const std::string& raw, RequestRecord& out) {
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t end = raw.find('\n', pos);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (line.empty() || colon == std::string::npos || colon == 0) continue;
    size_t v = colon + 1;
    while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
    out.headers.emplace_back(line.substr(0, colon), line.substr(v));
  }
}

}  // namespace

RequestRecord build_request_record(EXTENSION_CONTROL_BLOCK* ecb, uint64_t id) {
  RequestRecord r;
  r.id = id;
  r.method = ecb->lpszMethod ? ecb->lpszMethod : "GET";
  // URL, not lpszPathInfo: the same decoded path, and IIS has it in UTF-16 too.
  r.path = isapi::unicode_server_variable(ecb, "URL").value_or(ecb->lpszPathInfo ? ecb->lpszPathInfo : "/");
  r.query = ecb->lpszQueryString ? ecb->lpszQueryString : "";
  r.raw_url = isapi::server_variable(ecb, "UNENCODED_URL").value_or(r.query.empty() ? r.path : r.path + "?" + r.query);
  if (auto raw = isapi::server_variable(ecb, "ALL_RAW")) parse_all_raw(*raw, r);
  for (size_t i = 0; i < kRecordVariableCount; ++i) r.vars[i] = isapi::server_variable_as_utf8(ecb, kRecordVariables[i]);
  r.total_bytes = ecb->cbTotalBytes == kUnknownBodyLength ? -1 : static_cast<int64_t>(ecb->cbTotalBytes);
  if (ecb->cbAvailable && ecb->lpbData) r.preload.assign(reinterpret_cast<const char*>(ecb->lpbData), ecb->cbAvailable);
  return r;
}

}  // namespace isapi_node

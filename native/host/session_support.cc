// ServerSupportFunction: the dispatcher, and the requests small enough to live beside it.
#include <cstring>

#include "host/session.h"

namespace host {

BOOL Session::server_support_function(DWORD request, void* buffer, DWORD* size, DWORD* type) {
  switch (request) {
    case HSE_REQ_SEND_RESPONSE_HEADER:
      // buffer: the status ("200 OK", NULL for 200); the header block travels in the type argument.
      return send_response_header(static_cast<const char*>(buffer), reinterpret_cast<const char*>(type), true);
    case HSE_REQ_SEND_RESPONSE_HEADER_EX: {
      const auto* info = static_cast<const HSE_SEND_HEADER_EX_INFO*>(buffer);
      if (!info) return fail(ERROR_INVALID_PARAMETER);
      const std::string status = info->pszStatus ? std::string(info->pszStatus, info->cchStatus) : std::string();
      const std::string headers = info->pszHeader ? std::string(info->pszHeader, info->cchHeader) : std::string();
      return send_response_header(status.c_str(), headers.c_str(), info->fKeepConn != FALSE);
    }
    case HSE_REQ_SEND_URL_REDIRECT_RESP: {
      if (!buffer) return fail(ERROR_INVALID_PARAMETER);
      const std::string headers = std::string("Location: ") + static_cast<const char*>(buffer) + "\r\nContent-Length: 0\r\n";
      return send_response_header("302 Object Moved", headers.c_str(), true);
    }
    case HSE_REQ_DONE_WITH_SESSION:
      return done_with_session(static_cast<const DWORD*>(buffer));
    case HSE_REQ_IO_COMPLETION: {
      // The context travels in the type argument; a NULL routine means no completion is delivered.
      std::lock_guard<std::mutex> lock(mutex_);
      completion_ = reinterpret_cast<PFN_HSE_IO_COMPLETION>(buffer);
      completion_ctx_ = type;
      return TRUE;
    }
    case HSE_REQ_ASYNC_READ_CLIENT:
      return async_read_client(buffer, size);
    case HSE_REQ_VECTOR_SEND:
      return vector_send(static_cast<const HSE_RESPONSE_VECTOR*>(buffer));
    case HSE_REQ_TRANSMIT_FILE:
      return transmit_file(static_cast<const HSE_TF_INFO*>(buffer));
    case HSE_REQ_MAP_URL_TO_PATH:
      return map_url_to_path(static_cast<char*>(buffer), size);
    case HSE_REQ_MAP_URL_TO_PATH_EX:
      return map_url_to_path_ex(static_cast<const char*>(buffer), reinterpret_cast<HSE_URL_MAPEX_INFO*>(type), size);
    case HSE_REQ_CLOSE_CONNECTION: {
      std::lock_guard<std::mutex> lock(mutex_);
      close_requested_ = true;
      connection_->abort_transport();
      return TRUE;
    }
    case HSE_REQ_IS_CONNECTED: {
      if (!buffer) return fail(ERROR_INVALID_PARAMETER);
      bool gone;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        gone = client_gone_;
      }
      *static_cast<BOOL*>(buffer) = !gone && connection_->peer_connected() ? TRUE : FALSE;
      return TRUE;
    }
    case HSE_REQ_IS_KEEP_CONN:
      if (!buffer) return fail(ERROR_INVALID_PARAMETER);
      *static_cast<BOOL*>(buffer) = request_.keep_alive ? TRUE : FALSE;
      return TRUE;
    case HSE_REQ_REPORT_UNHEALTHY:
      ctx_.monitor.report_unhealthy(buffer ? static_cast<const char*>(buffer) : "");
      return TRUE;
    case HSE_APPEND_LOG_PARAMETER:
      return TRUE;  // the host keeps no IIS-style log line to append to
    default:
      // As IIS and Apache do for requests they do not implement.
      return fail(ERROR_INVALID_PARAMETER);
  }
}

BOOL Session::map_url_to_path(char* buffer, DWORD* size) {
  if (!buffer || !size || *size == 0) return fail(ERROR_INVALID_PARAMETER);
  const std::string url(buffer, strnlen(buffer, *size));
  const std::string path = ctx_.site.physical_path_of(url);
  const DWORD needed = static_cast<DWORD>(path.size() + 1);
  if (*size < needed) {
    *size = needed;
    return fail(ERROR_INSUFFICIENT_BUFFER);
  }
  std::memcpy(buffer, path.c_str(), needed);
  *size = needed;
  return TRUE;
}

BOOL Session::map_url_to_path_ex(const char* url, HSE_URL_MAPEX_INFO* info, DWORD* size) {
  if (!url || !info) return fail(ERROR_INVALID_PARAMETER);
  const std::string path = ctx_.site.physical_path_of(url);
  if (path.size() + 1 > sizeof info->lpszPath) return fail(ERROR_INSUFFICIENT_BUFFER);
  std::memcpy(info->lpszPath, path.c_str(), path.size() + 1);
  info->dwFlags = HSE_URL_FLAGS_READ | HSE_URL_FLAGS_EXECUTE | HSE_URL_FLAGS_SCRIPT;
  std::string root = ctx_.site.physical_path;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  info->cchMatchingPath = static_cast<DWORD>(root.size());
  info->cchMatchingURL = static_cast<DWORD>(ctx_.site.virtual_dir == "/" ? 0 : ctx_.site.virtual_dir.size());
  if (size) *size = static_cast<DWORD>(path.size() + 1);
  return TRUE;
}

}  // namespace host

// One request as the extension sees it: the ECB, the callbacks behind its function pointers, and
// the bookkeeping that enforces the ISAPI contract (one async operation at a time, exactly one
// DONE_WITH_SESSION for a pending request, nothing after it).
//
// Lifetime: the registry holds the session from start() until the request ends for the extension
// (DONE_WITH_SESSION, or HttpExtensionProc returning anything but PENDING); the ECB stays valid
// until both HttpExtensionProc has returned and the last async completion has run, whichever is
// later (DONE may arrive before HttpExtensionProc returns, from another thread).
//
// Locking: `mutex_` guards the state flags, the response state and the socket while a synchronous
// operation runs on it. It is never held while extension code runs (completions, HttpExtensionProc).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "host/connection.h"
#include "host/response_state.h"
#include "host/send_plan.h"
#include "host/server_context.h"
#include "isapi/isapi.h"

namespace host {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerContext& ctx, std::shared_ptr<Connection> connection, RequestInfo request, std::string preload);
  // Registers the session and queues HttpExtensionProc on the pool.
  void start();
  uint64_t id() const { return id_; }

  // ---- the ECB callbacks (callbacks.cc routes them here after checking the ConnID) ----
  BOOL get_server_variable(const char* name, void* buffer, DWORD* size);
  BOOL write_client(void* buffer, DWORD* bytes, DWORD flags);
  BOOL read_client(void* buffer, DWORD* size);
  BOOL server_support_function(DWORD request, void* buffer, DWORD* size, DWORD* type);

  // Shutdown's deadline passed with this session still pending: report it and cut the client off.
  void abandon();

 private:
  // session.cc: lifecycle
  void run_extension();
  BOOL done_with_session(const DWORD* status);
  void maybe_finish();
  void finish();
  BOOL fail(DWORD error);
  void violation(Violation kind, std::string detail);

  // session_io.cc: data movement
  BOOL send_response_header(const char* status, const char* headers, bool keep_conn);
  BOOL send_plan(std::shared_ptr<SendPlan> plan, bool async, PFN_HSE_IO_COMPLETION fn, void* fn_ctx);
  BOOL vector_send(const HSE_RESPONSE_VECTOR* vector);
  BOOL transmit_file(const HSE_TF_INFO* info);
  BOOL async_read_client(void* buffer, DWORD* size);
  bool begin_async_locked(const char* what);  // false (and a violation) when one is outstanding
  void complete_async(PFN_HSE_IO_COMPLETION fn, void* fn_ctx, DWORD bytes, DWORD error);
  std::string head_for_locked(const char* status, const char* headers, bool keep_conn);
  void add_body_locked(SendPlan& plan, const void* data, size_t size);

  // session_support.cc: the smaller ServerSupportFunction requests
  BOOL map_url_to_path(char* buffer, DWORD* size);
  BOOL map_url_to_path_ex(const char* url, HSE_URL_MAPEX_INFO* info, DWORD* size);

  ServerContext& ctx_;
  std::shared_ptr<Connection> connection_;
  const RequestInfo request_;
  const uint64_t id_;

  // Backing storage for the ECB's string pointers and lpbData.
  std::string method_, query_, path_, path_translated_, content_type_, preload_;
  EXTENSION_CONTROL_BLOCK ecb_;

  std::mutex mutex_;
  ResponseState response_;
  PFN_HSE_IO_COMPLETION completion_ = nullptr;
  void* completion_ctx_ = nullptr;
  bool proc_returned_ = false;
  DWORD proc_status_ = 0;
  bool done_called_ = false;
  bool async_pending_ = false;
  bool finished_ = false;
  bool client_gone_ = false;
  bool close_requested_ = false;
  bool ended_with_error_ = false;  // DONE_WITH_SESSION with HSE_STATUS_ERROR
};

}  // namespace host

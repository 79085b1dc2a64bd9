// One request as the extension sees it: the ECB, the callbacks behind its function pointers, and
// the bookkeeping that enforces the ISAPI contract (one async operation at a time, exactly one
// DONE_WITH_SESSION for a pending request, nothing after it, nothing during it).
//
// Lifetime: the registry holds the session from start() until the request ends for the extension
// (DONE_WITH_SESSION, or HttpExtensionProc returning anything but PENDING); the ECB stays valid
// until both HttpExtensionProc has returned and the last async completion has run, whichever is
// later (DONE may arrive before HttpExtensionProc returns, from another thread).
//
// Threads: HttpExtensionProc runs on the connection's thread or an IIS pool thread; a completion
// runs on the connection's thread, an IIS pool thread (at once or later), or inline, on the thread
// that started the operation before its call returns (hostility.h). Any callback may come from any
// thread, several at once.
//
// Locking: `mutex_` guards the state flags, the response state and the socket while a synchronous
// operation runs on it; it is never held while extension code runs (completions,
// HttpExtensionProc). The calls in progress and whether the request is over for the extension
// share one atomic word (`call_state_`), so that DONE_WITH_SESSION ends the request and sees every
// call that entered before it in one step, without a lock on every callback.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "host/connection.h"
#include "host/hostility.h"
#include "host/response_state.h"
#include "host/send_plan.h"
#include "host/server_context.h"
#include "isapi/isapi.h"

namespace host {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerContext& ctx, std::shared_ptr<Connection> connection, uint64_t id, RequestInfo request,
          std::string preload);
  // Registers the session and queues HttpExtensionProc on the connection's thread or the IIS pool.
  void start();
  uint64_t id() const { return id_; }
  SessionHostility& hostility() { return hostility_; }

  // ---- calls in progress (callbacks.cc brackets every callback with these) ----
  // Counts a callback as in progress; false (after recording why) when the request is already over
  // for the extension, and the call must be refused. For DONE_WITH_SESSION this is where the
  // request ends, and where any other call still in progress is reported (done_during_call);
  // `own_calls` is how many calls of this session the calling thread is already inside (a
  // completion run inline nests in the call that started its operation).
  bool enter_call(const char* callback, bool is_done, unsigned own_calls);
  void leave_call() { call_state_.fetch_sub(1, std::memory_order_acq_rel); }
  bool over_for_extension() const { return (call_state_.load(std::memory_order_acquire) & kOverMask) != 0; }

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
  // Called with `lock` held; an inline completion releases it first (see session_io.cc).
  BOOL send_plan(std::unique_lock<std::mutex>& lock, std::shared_ptr<SendPlan> plan, bool async,
                 PFN_HSE_IO_COMPLETION fn, void* fn_ctx);
  BOOL vector_send(const HSE_RESPONSE_VECTOR* vector);
  BOOL transmit_file(const HSE_TF_INFO* info);
  BOOL async_read_client(void* buffer, DWORD* size);
  bool begin_async_locked(const char* what);  // false (and a violation) when one is outstanding
  void complete_async(PFN_HSE_IO_COMPLETION fn, void* fn_ctx, DWORD bytes, DWORD error);
  // Hands a finished operation's completion to the route chosen when it started (not inline_call,
  // which the starting call handles itself).
  void deliver_completion(CompletionRoute route, PFN_HSE_IO_COMPLETION fn, void* fn_ctx, DWORD bytes, DWORD error);
  // The error an async read completes with: the client gone, the end of a chunked body as
  // ERROR_HANDLE_EOF (when the hostility says so), or none.
  DWORD read_completion_error(boost::system::error_code ec, size_t got);
  std::string head_for_locked(const char* status, const char* headers, bool keep_conn);
  void add_body_locked(SendPlan& plan, const void* data, size_t size);

  // session_support.cc: the smaller ServerSupportFunction requests
  BOOL map_url_to_path(char* buffer, DWORD* size);
  BOOL map_url_to_path_ex(const char* url, HSE_URL_MAPEX_INFO* info, DWORD* size);

  ServerContext& ctx_;
  std::shared_ptr<Connection> connection_;
  const RequestInfo request_;
  const uint64_t id_;
  SessionHostility hostility_;

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

  // The calls in progress (low bits) and why the request is over for the extension, if it is.
  static constexpr uint64_t kDoneEntered = 1ull << 62;   // DONE_WITH_SESSION was called
  static constexpr uint64_t kProcReturned = 1ull << 61;  // HttpExtensionProc returned, not PENDING
  static constexpr uint64_t kOverMask = kDoneEntered | kProcReturned;
  static constexpr uint64_t kCallCountMask = kProcReturned - 1;
  std::atomic<uint64_t> call_state_{0};
};

}  // namespace host

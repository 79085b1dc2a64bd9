#include "host/callbacks.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "host/session.h"

namespace host {
namespace {

ServerContext* g_context = nullptr;

// The sessions this thread is inside a callback for, innermost last. A completion the host runs
// inline nests inside the call that started its operation, so a session can appear more than once;
// DONE_WITH_SESSION from such a completion is no breach (nothing else is running on the ECB).
thread_local std::vector<uint64_t> t_calls_on_this_thread;

unsigned calls_on_this_thread(uint64_t id) {
  return static_cast<unsigned>(std::count(t_calls_on_this_thread.begin(), t_calls_on_this_thread.end(), id));
}

uint64_t id_of(HCONN conn) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(conn)); }

// The session behind a ConnID, or null after recording why the call is refused.
std::shared_ptr<Session> session_for(HCONN conn, const char* callback, bool is_done) {
  SessionRegistry::Lookup how;
  auto session = g_context->registry.find(id_of(conn), how);
  if (session) return session;
  if (is_done && how == SessionRegistry::Lookup::ended)
    g_context->monitor.record(Violation::done_twice, id_of(conn), "HSE_REQ_DONE_WITH_SESSION called a second time");
  else if (how == SessionRegistry::Lookup::ended)
    g_context->monitor.record(Violation::call_after_done, id_of(conn),
                              std::string(callback) + " called after the session ended");
  else
    g_context->monitor.record(Violation::foreign_conn_id, id_of(conn),
                              std::string(callback) + " called with a ConnID the host never issued");
  return nullptr;
}

// One callback, while it runs: counted as in progress on its session (Session::enter_call) and on
// this thread.
class CallInProgress {
 public:
  CallInProgress(Session& session, const char* callback, bool is_done)
      : session_(session), entered_(session.enter_call(callback, is_done, calls_on_this_thread(session.id()))) {
    if (entered_) t_calls_on_this_thread.push_back(session.id());
  }
  ~CallInProgress() {
    if (!entered_) return;
    t_calls_on_this_thread.pop_back();
    session_.leave_call();
  }
  CallInProgress(const CallInProgress&) = delete;
  CallInProgress& operator=(const CallInProgress&) = delete;
  bool entered() const { return entered_; }

 private:
  Session& session_;
  bool entered_;
};

// Every callback goes through here: the ConnID checked, the call counted, the hostile sleep taken
// (hostility.h), and no C++ exception let out into the extension's code.
template <class Body>
BOOL call_session(HCONN conn, const char* callback, bool is_done, Body body) {
  try {
    auto session = session_for(conn, callback, is_done);
    if (!session) {
      SetLastError(ERROR_INVALID_PARAMETER);
      return FALSE;
    }
    CallInProgress call(*session, callback, is_done);
    if (!call.entered()) {
      SetLastError(ERROR_INVALID_PARAMETER);
      return FALSE;
    }
    const CallJitter jitter = session->hostility().call_jitter();
    if (jitter.sleep.count() && !jitter.after) std::this_thread::sleep_for(jitter.sleep);
    const BOOL result = body(*session);
    // Not once the request is over: the caller may be a thread of the extension's that the host
    // would then keep inside its code while shutting down.
    if (jitter.sleep.count() && jitter.after && !is_done && !session->over_for_extension()) {
      const DWORD error = GetLastError();
      std::this_thread::sleep_for(jitter.sleep);
      SetLastError(error);
    }
    return result;
  } catch (...) {
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return FALSE;
  }
}

BOOL WINAPI get_server_variable(HCONN conn, LPSTR name, LPVOID buffer, LPDWORD size) {
  return call_session(conn, "GetServerVariable", false,
                      [&](Session& s) { return s.get_server_variable(name, buffer, size); });
}

BOOL WINAPI write_client(HCONN conn, LPVOID buffer, LPDWORD bytes, DWORD flags) {
  return call_session(conn, "WriteClient", false, [&](Session& s) { return s.write_client(buffer, bytes, flags); });
}

BOOL WINAPI read_client(HCONN conn, LPVOID buffer, LPDWORD size) {
  return call_session(conn, "ReadClient", false, [&](Session& s) { return s.read_client(buffer, size); });
}

BOOL WINAPI server_support_function(HCONN conn, DWORD request, LPVOID buffer, LPDWORD size, LPDWORD type) {
  return call_session(conn, "ServerSupportFunction", request == HSE_REQ_DONE_WITH_SESSION,
                      [&](Session& s) { return s.server_support_function(request, buffer, size, type); });
}

}  // namespace

void install_callbacks(ServerContext* context) { g_context = context; }

void fill_callbacks(EXTENSION_CONTROL_BLOCK& ecb) {
  ecb.GetServerVariable = get_server_variable;
  ecb.WriteClient = write_client;
  ecb.ReadClient = read_client;
  ecb.ServerSupportFunction = server_support_function;
}

}  // namespace host

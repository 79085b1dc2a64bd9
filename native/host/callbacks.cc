#include "host/callbacks.h"

#include "host/session.h"

namespace host {
namespace {

ServerContext* g_context = nullptr;

uint64_t id_of(HCONN conn) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(conn)); }

// The session behind a ConnID, or null after recording why the call is refused.
std::shared_ptr<Session> session_for(HCONN conn, const char* callback) {
  SessionRegistry::Lookup how;
  auto session = g_context->registry.find(id_of(conn), how);
  if (session) return session;
  if (how == SessionRegistry::Lookup::ended)
    g_context->monitor.record(Violation::call_after_done, id_of(conn),
                              std::string(callback) + " called after the session ended");
  else
    g_context->monitor.record(Violation::foreign_conn_id, id_of(conn),
                              std::string(callback) + " called with a ConnID the host never issued");
  SetLastError(ERROR_INVALID_PARAMETER);
  return nullptr;
}

BOOL WINAPI get_server_variable(HCONN conn, LPSTR name, LPVOID buffer, LPDWORD size) {
  auto s = session_for(conn, "GetServerVariable");
  return s ? s->get_server_variable(name, buffer, size) : FALSE;
}

BOOL WINAPI write_client(HCONN conn, LPVOID buffer, LPDWORD bytes, DWORD flags) {
  auto s = session_for(conn, "WriteClient");
  return s ? s->write_client(buffer, bytes, flags) : FALSE;
}

BOOL WINAPI read_client(HCONN conn, LPVOID buffer, LPDWORD size) {
  auto s = session_for(conn, "ReadClient");
  return s ? s->read_client(buffer, size) : FALSE;
}

BOOL WINAPI server_support_function(HCONN conn, DWORD request, LPVOID buffer, LPDWORD size, LPDWORD type) {
  SessionRegistry::Lookup how;
  auto s = g_context->registry.find(id_of(conn), how);
  if (!s && request == HSE_REQ_DONE_WITH_SESSION && how == SessionRegistry::Lookup::ended) {
    g_context->monitor.record(Violation::done_twice, id_of(conn), "HSE_REQ_DONE_WITH_SESSION called a second time");
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  if (!s) s = session_for(conn, "ServerSupportFunction");
  return s ? s->server_support_function(request, buffer, size, type) : FALSE;
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

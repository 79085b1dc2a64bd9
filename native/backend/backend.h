// The seam between the ISAPI layer (native/extension) and the JavaScript side, in the C++ form
// each side is written against. The ISAPI layer owns IIS: the ECB, async I/O, HTTP framing,
// DONE_WITH_SESSION. A backend owns the JavaScript side: the in-process runtime (embedded libnode,
// isapi_node_inproc) or, later, supervised worker processes. Between two libraries (the extension
// and the in-process runtime, perhaps built by different compilers) only the C form crosses,
// backend_abi.h: native/extension/backend_library.cc and native/runtime/backend_export.cc
// translate, so nothing of this header's C++ types needs the same compiler on both sides.
#pragma once
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace isapi_node {

// The server variables every request record carries: exactly those the environ and the adapters
// read (lib/core/environ.ts, lib/adapters/node/socket.ts). Anything else is looked up on demand
// through isapi.server_variable. lib/core/record-variables.ts is the JavaScript side's copy; the
// bridge reports this list when a worker starts and the worker refuses to run if they differ.
inline constexpr const char* kRecordVariables[] = {
    "APPL_MD_PATH",                                      // SCRIPT_NAME
    "REMOTE_ADDR",  "REMOTE_PORT",  "LOCAL_ADDR",        // the connection's addresses
    "REMOTE_USER",  "AUTH_TYPE",                         // IIS authentication, never a header
    "SERVER_NAME",  "SERVER_PORT",  "SERVER_PROTOCOL",   // CGI keys
    "HTTPS",                                             // wsgi.url_scheme
    "CONTENT_TYPE",
};
inline constexpr size_t kRecordVariableCount = sizeof(kRecordVariables) / sizeof(kRecordVariables[0]);

// The position of `name` in kRecordVariables, or kRecordVariableCount when it is not one of them.
constexpr size_t record_variable_index(std::string_view name) {
  for (size_t i = 0; i < kRecordVariableCount; ++i)
    if (name == kRecordVariables[i]) return i;
  return kRecordVariableCount;
}

// The record variables' values by position in kRecordVariables; nullopt for one IIS did not have.
// An array, not a map: a request fills, reads and frees it without a tree node per variable.
using RecordVariables = std::array<std::optional<std::string>, kRecordVariableCount>;

// What the JS side needs of a request, gathered once on the IIS thread (docs/architecture.md, step 1).
struct RequestRecord {
  uint64_t id = 0;
  std::string method;
  std::string path;      // IIS URL: decoded and canonical
  std::string query;     // raw, without '?'
  std::string raw_url;   // UNENCODED_URL
  std::vector<std::pair<std::string, std::string>> headers;  // from ALL_RAW, as received
  RecordVariables vars;                                       // kRecordVariables that IIS had
  int64_t total_bytes = 0;                                    // -1: unknown length (chunked)
  std::string preload;                                        // body bytes IIS already read
};

struct ResponseHead {
  std::string status;                                        // "200 OK"
  std::vector<std::pair<std::string, std::string>> headers;  // validated by the JS side
};

// A file to send: a HANDLE on Windows, a file descriptor elsewhere (isapi_node_os_file).
using OsFile = intptr_t;

// Completion of a send or a read. `ok` false: the client is gone (or the request was aborted);
// `data` is the bytes read (empty at the end of the body) and unused for sends.
using Completion = std::function<void(bool ok, std::string data)>;

// One request, as the ISAPI layer exposes it to a backend. Every method may be called from any
// thread. Operations are queued and performed in order, one IIS async operation at a time; each
// completion runs once, on an IIS or pool thread, never inside the call that queued it.
class RequestHandle {
 public:
  virtual ~RequestHandle() = default;
  virtual const RequestRecord& record() const = 0;

  // `head` on the first send only. `final` ends the response: once it completes the ISAPI layer
  // ends the session. The chunk is moved in, so the caller need not keep it alive.
  virtual void send(std::optional<ResponseHead> head, std::string chunk, bool final, Completion done) = 0;
  // `length` bytes of an open file from `offset`; the file is borrowed until `done`.
  virtual void send_file(std::optional<ResponseHead> head, OsFile file, uint64_t offset, uint64_t length, bool final,
                         Completion done) = 0;
  // The next request body bytes, at most `max` (empty data: the body has ended).
  virtual void read(size_t max, Completion done) = 0;
  // Ends the request abnormally, at most once: a 500 page when nothing was sent yet, otherwise the
  // connection is closed. Queued operations complete with ok = false.
  virtual void abort(const std::string& reason) = 0;
  // The same with the page's status chosen by the backend: 502 when the worker serving the request
  // ended, 503 when none can take it. `reason` goes to the trace, never to the client.
  virtual void fail(unsigned status, const std::string& reason) = 0;
  // Any server variable, looked up now.
  virtual std::optional<std::string> server_variable(const std::string& name) = 0;
  // Called once, on any thread, when IIS reports the client gone (a failed write or read).
  virtual void on_client_gone(std::function<void()> listener) = 0;
};

// What the ISAPI layer offers a backend.
class BackendHost {
 public:
  virtual ~BackendHost() = default;
  // The trace channel: uncaught app errors, wsgi.errors, runtime messages.
  virtual void trace(const std::string& source, const std::string& text) = 0;
};

// BackendConfig's fields in one list each, by kind, X(name), for the code that fills it or copies
// it: isapi_node_backend_config (the C seam) has the same names, and so do ExtensionConfig's
// numbers. `validate` is apart (an integer in C); so is `app_module` in ExtensionConfig (`app`).
#define ISAPI_NODE_CONFIG_TEXTS(X) X(app_module) X(app_export) X(bootstrap) X(libnode)
#define ISAPI_NODE_CONFIG_NUMBERS(X) \
  X(workers) X(start_timeout_ms) X(rapid_fail_count) X(rapid_fail_window_ms) X(hang_timeout_ms) X(max_heap_mb) \
  X(max_request_body_bytes)

// How often something bounded by `timeout_ms` is checked: a quarter of it, from 10 ms to once a
// second (once a second when there is no timeout), so it is acted on at most a quarter late. The
// extension's request sweeper and the runtime's hang watchdog both use it.
inline std::chrono::milliseconds check_period(uint32_t timeout_ms) {
  if (timeout_ms == 0) return std::chrono::seconds(1);
  return std::chrono::milliseconds(std::clamp<uint32_t>(timeout_ms / 4, 10, 1000));
}

struct BackendConfig {
  std::string app_module;       // absolute path of the user's module
  std::string app_export;       // export name; "" means the default export (or module.exports)
  std::string bootstrap;        // absolute path of the JS bootstrap (dist/runtime/bootstrap.cjs)
  std::string libnode;          // absolute path of libnode, for the in-process backend
  unsigned workers = 1;         // JavaScript workers (in-process: Node environments on their own threads)
  bool validate = false;        // wrap the app in validate(app)
  uint32_t start_timeout_ms = 30000;
  // Workers that end are replaced; this many ends within the window stop the restarts (IIS's
  // rapid-fail protection: 5 in 5 minutes).
  unsigned rapid_fail_count = 5;
  uint32_t rapid_fail_window_ms = 300000;
  // A worker whose event loop has not turned for this long is stopped and replaced (0: never).
  uint32_t hang_timeout_ms = 30000;
  // V8's old-space limit per worker, in MB (0: V8's default); reaching it stops the worker, never the process.
  uint32_t max_heap_mb = 0;
  // The JavaScript side refuses request body bytes past it (the ISAPI layer already refused a
  // larger Content-Length); 0: no limit.
  uint64_t max_request_body_bytes = 30000000;
};

// Why a backend could not start: the kind names the page users see; detail goes to the trace.
struct StartFailure {
  std::string kind;    // "libnode_missing", "bootstrap_missing", "app_not_found", "app_failed", "runtime_failed"
  std::string detail;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Boots the JS side and loads the app; blocks until it is ready or failed.
  virtual std::optional<StartFailure> start() = 0;
  // Hands a request to the JS side (any thread). Requests are delivered in batches.
  virtual void submit(std::shared_ptr<RequestHandle> request) = 0;
  // Whether submit() can wait (a write to a worker process's full socket). The ISAPI layer calls
  // a submit() that cannot on the IIS thread itself, and hands one that can to its pool, since
  // HttpExtensionProc must never block.
  virtual bool submit_may_block() const { return false; }
  // Stops the JS side; requests not yet delivered are aborted. Blocks until it has stopped.
  virtual void stop() = 0;
  // Why the backend gave up (rapid-fail: its workers kept ending), or nothing while it is healthy.
  // The ISAPI layer then answers 503 and asks IIS to recycle the process (REPORT_UNHEALTHY).
  virtual std::optional<std::string> unhealthy() = 0;
};

}  // namespace isapi_node

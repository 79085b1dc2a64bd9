// Counts sessions and records every breach of the ISAPI contract an extension commits, so tests
// can assert there were none (and --strict can fail the run when there were).
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace host {

// The breaches the host can see. Names are stable: they appear in the stats file.
enum class Violation {
  done_twice,              // a second HSE_REQ_DONE_WITH_SESSION
  call_after_done,         // any callback on a session that has ended
  done_during_call,        // DONE_WITH_SESSION while another thread is inside a call on the same ECB
  foreign_conn_id,         // a ConnID the host never handed out
  concurrent_async,        // a second async operation while one is outstanding
  io_during_async,         // synchronous I/O while an async operation is outstanding
  done_with_io_pending,    // DONE_WITH_SESSION before the last async completion
  done_without_pending,    // DONE_WITH_SESSION on a request HttpExtensionProc did not leave pending
  async_without_pending,   // async I/O on a request HttpExtensionProc did not leave pending
  headers_sent_twice,      // response headers sent a second time
  body_beyond_content_length,
  body_short_of_content_length,
  chunked_body_unterminated,
  session_never_ended,     // still pending when shutdown's deadline passed
  bad_argument,            // a callback given arguments the contract forbids
};

const char* violation_name(Violation v);

struct ViolationRecord {
  Violation kind;
  uint64_t conn_id;
  std::string detail;
};

class ContractMonitor {
 public:
  void session_started();
  void session_done();
  void record(Violation kind, uint64_t conn_id, std::string detail);
  void report_unhealthy(std::string reason);
  void request_refused();  // answered by the host itself (bad input, auth, shutdown)

  uint64_t active_sessions() const;
  size_t violation_count() const;

  // {"seed":S,"sessions":{"started","done","active"},"refused":N,"violations":[{"kind","conn","detail"}],
  //  "unhealthy":[...],"extension":{...}} — written atomically (temp file + rename).
  bool write_stats(const std::string& path, uint64_t seed, const std::string& extension_description,
                   bool extension_loaded, bool terminate_result) const;

 private:
  mutable std::mutex mutex_;
  uint64_t started_ = 0, done_ = 0, refused_ = 0;
  std::vector<ViolationRecord> violations_;
  std::vector<std::string> unhealthy_;
};

}  // namespace host

// The trace channel: where uncaught app errors, wsgi.errors and runtime messages go, as
// win32traceutil is for isapi-wsgi. A file named in the configuration (appended to, so
// `isapi-node trace` can follow it) or stderr.
//
// It must hold up under abuse (an app that logs in a loop, the same error on every request): the
// file is rotated past `max_bytes` (the previous one kept as FILE.1), and a record identical to the
// one before, within 10 s, is counted instead of written ("… 1,204 more").
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace isapi_node {

class Trace {
 public:
  Trace() = default;
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // "stderr" or a file path. Returns false (and keeps writing to stderr) when the file cannot be
  // opened; the reason is written to stderr. `max_bytes` 0: no rotation.
  bool open(const std::string& destination, uint64_t max_bytes = 0);
  // One record: a timestamped header line naming the source, then the text (multi-line allowed).
  void write(const std::string& source, const std::string& text);

 private:
  void emit_locked(const std::string& source, const std::string& text);
  void flush_repeats_locked();
  void rotate_locked();

  std::mutex mutex_;
  FILE* file_ = nullptr;  // null: stderr
  std::string path_;
  uint64_t max_bytes_ = 0;
  uint64_t written_ = 0;  // bytes in the current file
  // The last record, and how many identical ones were not written since it.
  std::string last_source_, last_text_;
  std::chrono::steady_clock::time_point last_at_{};
  uint64_t repeats_ = 0;
};

}  // namespace isapi_node

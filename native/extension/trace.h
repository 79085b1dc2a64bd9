// The trace channel: where uncaught app errors, wsgi.errors and runtime messages go, as
// win32traceutil is for isapi-wsgi. A file named in the configuration (appended to, so
// `isapi-node trace` can follow it) or stderr.
//
// It must hold up under abuse (an app that logs in a loop, the same error on every request): the
// file is rotated past `max_bytes` (the previous one kept as FILE.1), and a record identical to the
// one before, within 10 s, is counted instead of written ("… 1,204 more"). The lock covers only
// that bookkeeping: each record is written by one OS call outside it, with nothing to flush, so a
// slow disk holds up the thread that writes, not every thread that traces.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "extension/platform.h"

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
  // The record's bytes, counted against the file's size (rotating it first if they would pass it).
  std::string record_locked(const std::string& source, const std::string& text);
  // The "… N more" record for folded repeats, or "".
  std::string repeats_record_locked();
  void rotate_locked();
  static void emit(const std::shared_ptr<platform::AppendFile>& file, const std::string& bytes);

  std::mutex mutex_;
  // Shared with writers that took it under the lock: a rotation replaces it while they finish.
  std::shared_ptr<platform::AppendFile> file_ = platform::AppendFile::standard_error();
  std::string path_;  // "" while tracing to stderr
  uint64_t max_bytes_ = 0;
  uint64_t written_ = 0;  // bytes in the current file
  // The last record, and how many identical ones were not written since it.
  std::string last_source_, last_text_;
  std::chrono::steady_clock::time_point last_at_{};
  uint64_t repeats_ = 0;
};

}  // namespace isapi_node

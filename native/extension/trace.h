// The trace channel: where uncaught app errors, wsgi.errors and runtime messages go, as
// win32traceutil is for isapi-wsgi. A file named in the configuration (appended to, so
// `isapi-node trace` can follow it) or stderr.
#pragma once
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
  // opened; the reason is written to stderr.
  bool open(const std::string& destination);
  // One record: a timestamped header line naming the source, then the text (multi-line allowed).
  void write(const std::string& source, const std::string& text);

 private:
  std::mutex mutex_;
  FILE* file_ = nullptr;  // null: stderr
};

}  // namespace isapi_node

// A worker's standard output and error cut into lines for the trace channel, as both platform
// twins' reader threads deliver the bytes; and the moment the output ended, which the worker's
// end waits for (briefly) so that its last lines are in the trace record of how it ended.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

namespace isapi_node::outofprocess {

class OutputLines {
 public:
  explicit OutputLines(std::function<void(const std::string&)> on_line) : on_line_(std::move(on_line)) {}

  // The bytes the reader got, in order.
  void feed(const char* data, size_t size) {
    pending_.append(data, size);
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = pending_.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      on_line_(line);
    }
    pending_.erase(0, start);
    // A runaway line must not grow memory: it is cut.
    if (pending_.size() > kMaxLine) {
      on_line_(pending_.substr(0, kMaxLine) + "…");
      pending_.clear();
    }
  }

  // The output ended (every writer is gone) or the reader was stopped.
  void end() {
    if (!pending_.empty()) on_line_(pending_);
    pending_.clear();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ended_ = true;
    }
    ended_cv_.notify_all();
  }

  // Waits, at most `timeout`, until end() was called.
  void wait_end(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    ended_cv_.wait_for(lock, timeout, [this] { return ended_; });
  }

 private:
  static constexpr size_t kMaxLine = 8192;
  const std::function<void(const std::string&)> on_line_;
  std::string pending_;  // the reader thread's alone
  std::mutex mutex_;
  std::condition_variable ended_cv_;
  bool ended_ = false;
};

}  // namespace isapi_node::outofprocess

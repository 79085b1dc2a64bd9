// A thread that runs one job at a fixed interval until stopped: how the extension finds requests
// that ran past requestTimeoutMs without a timer per request.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace isapi_node {

class TimeoutSweeper {
 public:
  TimeoutSweeper(std::chrono::milliseconds interval, std::function<void()> sweep);
  ~TimeoutSweeper();
  TimeoutSweeper(const TimeoutSweeper&) = delete;
  TimeoutSweeper& operator=(const TimeoutSweeper&) = delete;
  void stop();

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace isapi_node

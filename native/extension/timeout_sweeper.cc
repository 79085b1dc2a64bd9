#include "extension/timeout_sweeper.h"

#include "extension/no_throw.h"

namespace isapi_node {

TimeoutSweeper::TimeoutSweeper(std::chrono::milliseconds interval, std::function<void()> sweep) {
  thread_ = std::thread([this, interval, sweep = std::move(sweep)] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      no_throw("the request-timeout sweep", sweep);
      lock.lock();
    }
  });
}

TimeoutSweeper::~TimeoutSweeper() { stop(); }

void TimeoutSweeper::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace isapi_node

// The extension's own pool: HttpExtensionProc queues work here and returns at once, so IIS
// threads are never held by app work (DESIGN.md, step 1).
//
// Locking: one mutex guards the queue and the stopping flag; workers wait on one condition
// variable and run each job with the mutex released. stop() lets queued jobs run, then joins.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace isapi_node {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // False once stop() has begun: the job is not queued.
  bool post(std::function<void()> job);
  void stop();

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace isapi_node

// The extension's own pool: HttpExtensionProc queues work here and returns at once, so IIS
// threads are never held by app work (docs/architecture.md, step 1).
//
// Locking: one mutex guards the queue, the counts and the stopping flag; workers wait on one
// condition variable and run each job with the mutex released. stop() lets queued jobs run, then
// joins.
//
// Waking: every job is short (prepare a request, run a completion) and never blocks, so a worker
// that is awake reaches a queued job soon. post() wakes a sleeper only when no worker is awake (or
// being woken), or when the backlog per awake worker grows long: under light load one worker does
// everything, under a backlog more join in. Waking a thread per job cost a context
// switch per request, the dearest thing on a small machine.
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
  unsigned awake_ = 0;     // workers running a job or looking for one
  unsigned sleeping_ = 0;  // workers waiting on wake_
  unsigned wakes_ = 0;     // wake-ups issued that no sleeper has taken yet
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace isapi_node

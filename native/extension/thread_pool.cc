#include "extension/thread_pool.h"

#include "extension/no_throw.h"

namespace isapi_node {
namespace {
// Queued jobs per awake worker before another is woken. A job takes microseconds; a wake-up
// takes about as long as several jobs, and during it more jobs queue: waking a helper for each
// of them would undo the point (measured: four workers woken in turn switched context four times
// as often as one, for the same work).
constexpr size_t kBacklogPerWorker = 16;
}  // namespace

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() { stop(); }

bool ThreadPool::post(std::function<void()> job) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
    const size_t workers = awake_ + wakes_;
    if (sleeping_ > wakes_ && (workers == 0 || jobs_.size() > workers * kBacklogPerWorker)) {
      ++wakes_;
      wake = true;
    }
  }
  if (wake) wake_.notify_one();
  return true;
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  threads_.clear();
}

void ThreadPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  ++awake_;
  for (;;) {
    if (!jobs_.empty()) {
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      // A job that throws must not take the worker (and with it IIS) down.
      no_throw("a pool job", [&] {
        job();
        job = nullptr;  // its captures die outside the lock
      });
      job = nullptr;
      lock.lock();
      continue;
    }
    if (stopping_) break;  // and nothing left to run
    --awake_;
    ++sleeping_;
    wake_.wait(lock, [this] { return stopping_ || wakes_ > 0; });
    if (wakes_ > 0) --wakes_;
    --sleeping_;
    ++awake_;
  }
  --awake_;
}

}  // namespace isapi_node

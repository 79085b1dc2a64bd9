#include "backend/worker_supervisor.h"

#include <algorithm>

namespace isapi_node {
namespace {

// Requests that may wait for a replacement worker; beyond it they get 503 at once, so a worker
// that keeps failing to come back cannot make memory grow without bound.
constexpr size_t kMaxWaiting = 1000;
// The wait before a restart doubles with each recent failure, from this to the cap: the first
// replacement is nearly immediate, a crash loop is slowed down.
constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::seconds(5);

}  // namespace

WorkerSupervisor::WorkerSupervisor(const BackendConfig& config, BackendHost& host, unsigned count, WorkerFactory make)
    : config_(config), host_(host), count_(count), make_(std::move(make)) {}

WorkerSupervisor::~WorkerSupervisor() { stop(); }

std::shared_ptr<SupervisedWorker> WorkerSupervisor::make_worker(unsigned index) {
  return make_(index, [this](unsigned i, const std::string& how) { worker_ended(i, how); });
}

std::optional<StartFailure> WorkerSupervisor::start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers_.resize(count_);
    needs_restart_.assign(count_, false);
    how_ended_.assign(count_, std::string());
  }
  for (unsigned i = 0; i < count_; ++i) {
    auto worker = make_worker(i);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      workers_[i] = worker;
    }
    if (auto failure = worker->start()) return failure;
  }
  thread_ = std::thread([this] { supervise(); });
  return std::nullopt;
}

void WorkerSupervisor::submit(std::shared_ptr<RequestHandle> request) {
  std::shared_ptr<SupervisedWorker> best;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The least busy live worker takes it: a slow request on one worker does not hold up the next.
    for (auto& w : workers_)
      if (w && w->alive() && (!best || w->in_flight() < best->in_flight())) best = w;
    if (!best) {
      if (gave_up_ || stopping_ || waiting_.size() >= kMaxWaiting) {
        // Answered below, outside the lock.
      } else {
        waiting_.push_back(std::move(request));
        return;
      }
    }
  }
  if (best) return best->submit(std::move(request));
  request->fail(503, "no JavaScript worker can take the request");
}

void WorkerSupervisor::worker_ended(unsigned index, const std::string& how) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || index >= needs_restart_.size()) return;
    needs_restart_[index] = true;
    how_ended_[index] = how;
  }
  wake_.notify_all();
}

bool WorkerSupervisor::rapid_fail_locked() {
  const auto now = std::chrono::steady_clock::now();
  failures_.push_back(now);
  while (!failures_.empty() && now - failures_.front() > std::chrono::milliseconds(config_.rapid_fail_window_ms))
    failures_.pop_front();
  return failures_.size() >= config_.rapid_fail_count;
}

void WorkerSupervisor::watch_for_hangs() {
  std::vector<std::shared_ptr<SupervisedWorker>> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers = workers_;
  }
  const std::chrono::milliseconds limit(config_.hang_timeout_ms);
  for (auto& w : workers)
    if (w && w->alive())
      if (const auto blocked = w->loop_blocked_for(); blocked > limit) w->end_hung(blocked);
}

void WorkerSupervisor::supervise() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto needs_restart = [this] {
    return stopping_ || std::find(needs_restart_.begin(), needs_restart_.end(), true) != needs_restart_.end();
  };
  for (;;) {
    if (config_.hang_timeout_ms == 0) {
      wake_.wait(lock, needs_restart);
    } else if (!wake_.wait_for(lock, check_period(config_.hang_timeout_ms), needs_restart)) {
      lock.unlock();
      watch_for_hangs();
      lock.lock();
      continue;
    }
    if (stopping_) return;
    const unsigned index =
        static_cast<unsigned>(std::find(needs_restart_.begin(), needs_restart_.end(), true) - needs_restart_.begin());
    needs_restart_[index] = false;
    const std::string how = how_ended_[index];
    if (gave_up_) continue;
    if (rapid_fail_locked()) {
      gave_up_ = "the JavaScript workers ended " + std::to_string(failures_.size()) + " times within " +
                 std::to_string(config_.rapid_fail_window_ms) + " ms (\"rapidFailCount\", \"rapidFailWindowMs\")";
      gave_up_flag_ = true;
      std::deque<std::shared_ptr<RequestHandle>> waiting;
      waiting.swap(waiting_);
      const std::string why = *gave_up_;
      lock.unlock();
      host_.trace("isapi-node", "JavaScript worker " + std::to_string(index) + " ended (" + how + "); " + why +
                                    ": no more restarts. Requests are answered 503 and IIS is asked to recycle "
                                    "the process; fix the app (see the errors above) and recycle the application pool.");
      for (auto& r : waiting) r->fail(503, why);
      lock.lock();
      continue;
    }
    const size_t recent = failures_.size();
    const auto backoff =
        std::min<std::chrono::milliseconds>(kFirstBackoff * (1u << std::min<size_t>(recent - 1, 16)), kMaxBackoff);
    lock.unlock();
    host_.trace("isapi-node", "JavaScript worker " + std::to_string(index) + " ended (" + how +
                                  "); restarting it in " + std::to_string(backoff.count()) +
                                  " ms (" + std::to_string(recent) + " of " +
                                  std::to_string(config_.rapid_fail_count) + " ends allowed within " +
                                  std::to_string(config_.rapid_fail_window_ms) + " ms)");
    lock.lock();
    if (wake_.wait_for(lock, backoff, [this] { return stopping_; })) return;
    lock.unlock();
    const bool started = restart(index);
    lock.lock();
    // A replacement that could not start counts as another end.
    if (!started && !stopping_) needs_restart_[index] = true;
  }
}

bool WorkerSupervisor::restart(unsigned index) {
  std::shared_ptr<SupervisedWorker> old;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    old = workers_[index];
  }
  if (old) old->stop();  // its loop has ended: this joins its thread
  auto fresh = make_worker(index);
  if (auto failure = fresh->start()) {
    host_.trace("isapi-node", "JavaScript worker " + std::to_string(index) + " could not be restarted [" +
                                  failure->kind + "]: " + failure->detail);
    fresh->stop();
    std::lock_guard<std::mutex> lock(mutex_);
    workers_[index] = fresh;  // not alive: submit() passes it over
    return false;
  }
  // stop() joins this thread before it takes the workers: the slot is still there.
  std::deque<std::shared_ptr<RequestHandle>> waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers_[index] = fresh;
    waiting.swap(waiting_);
  }
  host_.trace("isapi-node", "JavaScript worker " + std::to_string(index) + " restarted" +
                                (waiting.empty() ? "" : "; " + std::to_string(waiting.size()) + " waiting request(s) handed to it"));
  for (auto& r : waiting) fresh->submit(std::move(r));
  return true;
}

std::optional<std::string> WorkerSupervisor::gave_up() {
  if (!gave_up_flag_) return std::nullopt;
  std::lock_guard<std::mutex> lock(mutex_);
  return gave_up_;
}

void WorkerSupervisor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  // Joined first: no restart runs once the workers are taken.
  if (thread_.joinable()) thread_.join();
  std::vector<std::shared_ptr<SupervisedWorker>> workers;
  std::deque<std::shared_ptr<RequestHandle>> waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers.swap(workers_);
    waiting.swap(waiting_);
  }
  for (auto& r : waiting) r->fail(503, "the application is stopping");
  for (auto& w : workers)
    if (w) w->stop();
}

}  // namespace isapi_node

// What keeps a backend's JavaScript workers serving, in either hosting model (in-process: Node
// environments on threads of their own; out-of-process: worker processes): a worker that ends by
// itself (process.exit() in the app, a crash, a failure) is replaced by a fresh one after a
// backoff, while the others keep serving; requests that find no live worker wait for the
// replacement. Like IIS's rapid-fail protection, `rapid_fail_count` ends within
// `rapid_fail_window_ms` stop the restarts: from then on requests get 503 and the backend reports
// itself unhealthy, so the ISAPI layer can ask IIS to recycle the process.
//
// The same thread is the watchdog: a worker whose event loop has not turned for `hang_timeout_ms`
// (a synchronous loop in the app) is stopped, and replaced like any other that ended.
//
// Threads: submit() from IIS threads (out of process, pool threads); worker_ended() from a worker's own thread;
// restarts and the watchdog run on the supervisor's thread (a worker cannot join itself). `mutex_` guards
// everything below it and is never held while a worker starts, stops or takes a request.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.h"

namespace isapi_node {

// One worker as the supervisor sees it; each hosting model implements it.
class SupervisedWorker {
 public:
  // Called once, from any thread but never inside stop(), when the worker ended without stop()
  // (process.exit() in the app, a crash, the watchdog, the heap limit). `how` says which, for the
  // trace ("exit code 7").
  using Ended = std::function<void(unsigned index, const std::string& how)>;

  virtual ~SupervisedWorker() = default;
  // Starts the worker and waits until the app is loaded (nullopt) or failed.
  virtual std::optional<StartFailure> start() = 0;
  virtual void submit(std::shared_ptr<RequestHandle> request) = 0;
  virtual size_t in_flight() const = 0;
  // False once the worker has ended (or was stopped).
  virtual bool alive() const = 0;
  // Ends the worker and waits for it; what it still holds gets 502 or 503.
  virtual void stop() = 0;
  // How long its event loop has not been seen to turn (meaningful while alive()).
  virtual std::chrono::milliseconds loop_blocked_for() const = 0;
  // The watchdog's call for a loop blocked past hangTimeoutMs; may be called again while it takes effect.
  virtual void end_hung(std::chrono::milliseconds blocked) = 0;
};

// Makes the worker for slot `index`, which reports its end through `ended`.
using WorkerFactory = std::function<std::shared_ptr<SupervisedWorker>(unsigned index, SupervisedWorker::Ended ended)>;

class WorkerSupervisor {
 public:
  // `count` slots, each filled by `make`.
  WorkerSupervisor(const BackendConfig& config, BackendHost& host, unsigned count, WorkerFactory make);
  ~WorkerSupervisor();

  // Starts every worker and waits for each to load the app; the first failure is returned (the
  // extension's startup failure: nothing is restarted then).
  std::optional<StartFailure> start();
  void submit(std::shared_ptr<RequestHandle> request);
  // Stops the restarts and every worker; requests still waiting get 503.
  void stop();
  std::optional<std::string> gave_up();

 private:
  std::shared_ptr<SupervisedWorker> make_worker(unsigned index);
  void worker_ended(unsigned index, const std::string& how);
  // Stops the live workers whose loop is blocked past hang_timeout_ms.
  void watch_for_hangs();
  void supervise();
  // Replaces the worker in slot `index`; false when the new one could not start.
  bool restart(unsigned index);
  // Records one failure; true when it makes the rapid-fail count.
  bool rapid_fail_locked();

  const BackendConfig& config_;
  BackendHost& host_;
  const unsigned count_;
  const WorkerFactory make_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<SupervisedWorker>> workers_;  // one slot per configured worker
  std::vector<bool> needs_restart_;                  // per slot: its worker's loop ended
  std::vector<std::string> how_ended_;               // per slot: how it ended, for the trace
  std::deque<std::chrono::steady_clock::time_point> failures_;  // within the rapid-fail window
  std::deque<std::shared_ptr<RequestHandle>> waiting_;          // no live worker: held for the next one
  std::optional<std::string> gave_up_;
  std::atomic<bool> gave_up_flag_{false};  // gave_up_ is set: read on every request without the lock
  bool stopping_ = false;
  std::thread thread_;
};

// A backend whose JavaScript side is supervised workers, as both hosting models' are: each model
// prepares what its workers share and makes one worker; taking requests, stopping and health are
// the supervisor's. A derived class calls stop() in its own destructor, while what its workers
// use is still there.
class SupervisedBackend : public Backend {
 public:
  SupervisedBackend(const BackendConfig& config, BackendHost& host) : config_(config), host_(host) {}

  std::optional<StartFailure> start() override {
    if (auto failure = prepare()) return failure;
    workers_ = std::make_unique<WorkerSupervisor>(
        config_, host_, worker_count(),
        [this](unsigned index, SupervisedWorker::Ended ended) { return make_worker(index, std::move(ended)); });
    return workers_->start();
  }

  void submit(std::shared_ptr<RequestHandle> request) override {
    if (!workers_) return request->fail(503, "the JavaScript workers are not running");
    workers_->submit(std::move(request));
  }

  void stop() override {
    if (workers_) workers_->stop();
    workers_.reset();
  }

  std::optional<std::string> unhealthy() override { return workers_ ? workers_->gave_up() : std::nullopt; }

 protected:
  // What the workers share, made once before the first starts; a failure ends the start.
  virtual std::optional<StartFailure> prepare() { return std::nullopt; }
  virtual unsigned worker_count() const = 0;
  virtual std::shared_ptr<SupervisedWorker> make_worker(unsigned index, SupervisedWorker::Ended ended) = 0;

  const BackendConfig config_;
  BackendHost& host_;

 private:
  std::unique_ptr<WorkerSupervisor> workers_;
};

}  // namespace isapi_node

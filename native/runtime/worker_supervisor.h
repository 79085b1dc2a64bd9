// The in-process JavaScript workers and what keeps them serving: a worker whose event loop ends
// by itself (process.exit() in the app, a failure) is replaced by a fresh Node environment on a
// new thread, after a backoff, while the others keep serving; requests that find no live worker
// wait for the replacement. Like IIS's rapid-fail protection, `rapid_fail_count` ends within
// `rapid_fail_window_ms` stop the restarts: from then on requests get 503 and the backend reports
// itself unhealthy, so the ISAPI layer can ask IIS to recycle the process.
//
// The same thread is the watchdog: a worker whose event loop has not turned for `hang_timeout_ms`
// (a synchronous loop in the app) is stopped, and replaced like any other that ended.
//
// Threads: submit() from pool threads; worker_ended() from a worker's own thread; restarts and
// the watchdog run on the supervisor's thread (a worker cannot join itself). `mutex_` guards everything below it and
// is never held while a worker starts, stops or takes a request.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "runtime/js_worker.h"

namespace isapi_node::runtime {

class WorkerSupervisor {
 public:
  WorkerSupervisor(const BackendConfig& config, BackendHost& host, node::MultiIsolatePlatform* platform);
  ~WorkerSupervisor();

  // Starts every worker and waits for each to load the app; the first failure is returned (the
  // extension's startup failure: nothing is restarted then).
  std::optional<StartFailure> start();
  void submit(std::shared_ptr<RequestHandle> request);
  // Stops the restarts and every worker; requests still waiting get 503.
  void stop();
  std::optional<std::string> gave_up();

 private:
  std::shared_ptr<JsWorker> make_worker(unsigned index);
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
  node::MultiIsolatePlatform* const platform_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<JsWorker>> workers_;  // one slot per configured worker
  std::vector<bool> needs_restart_;                  // per slot: its worker's loop ended
  std::vector<std::string> how_ended_;               // per slot: how it ended, for the trace
  std::deque<std::chrono::steady_clock::time_point> failures_;  // within the rapid-fail window
  std::deque<std::shared_ptr<RequestHandle>> waiting_;          // no live worker: held for the next one
  std::optional<std::string> gave_up_;
  std::atomic<bool> gave_up_flag_{false};  // gave_up_ is set: read on every request without the lock
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace isapi_node::runtime

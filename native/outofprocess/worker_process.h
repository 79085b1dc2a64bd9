// One out-of-process worker: a process of the user's Node running the package's worker entry,
// its private connection, and the thread that reads it. The supervisor (backend/worker_supervisor.h)
// replaces it when it ends.
#pragma once
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend/worker_supervisor.h"
#include "outofprocess/platform.h"
#include "outofprocess/worker_connection.h"

namespace isapi_node::outofprocess {

// What every worker of one backend is started with.
struct WorkerLaunch {
  std::string node_path;               // "node" (from PATH) or a path
  std::vector<std::string> arguments;  // Node's options, then the worker entry
  // WELCOME's configuration for worker `index`.
  std::function<std::string(unsigned index)> configuration;
  // Server variables sent with each request beyond the record's (docs/protocol.md).
  std::vector<std::string> extra_variables;
  // Runs `job` on the backend's launcher thread and waits: a worker's parent thread must outlive
  // it (PR_SET_PDEATHSIG follows the thread that forked).
  std::function<void(const std::function<void()>& job)> on_launcher;
};

class WorkerProcess : public SupervisedWorker {
 public:
  WorkerProcess(unsigned index, const BackendConfig& config, const WorkerLaunch& launch, BackendHost& host,
                Ended ended);
  ~WorkerProcess() override;

  std::optional<StartFailure> start() override;
  void submit(std::shared_ptr<RequestHandle> request) override;
  size_t in_flight() const override { return connection_ ? connection_->in_flight() : 0; }
  bool alive() const override { return running_; }
  void stop() override;
  std::chrono::milliseconds loop_blocked_for() const override;
  void end_hung(std::chrono::milliseconds blocked) override;

 private:
  // The reader thread: serves the connection, then ends the worker.
  void run();
  void on_output(const std::string& line);
  // Waits for the process to exit (killing it past `grace`) and says how it ended.
  std::string reap(std::chrono::milliseconds grace);
  std::string name() const;

  const unsigned index_;
  const BackendConfig& config_;
  const WorkerLaunch& launch_;
  BackendHost& host_;
  const Ended ended_;

  std::unique_ptr<platform::ChildProcess> child_;
  std::mutex child_mutex_;  // the child's wait() and kill() come from the reader and the watchdog
  std::shared_ptr<WorkerConnection> connection_;
  std::thread reader_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> hung_{false};
  std::atomic<int64_t> blocked_ms_{0};
  std::atomic<bool> out_of_heap_{false};  // its output said V8 ran out of heap  // how long its loop was blocked when the watchdog ended it

  std::mutex output_mutex_;
  std::deque<std::string> last_lines_;  // for the trace when it ends
  std::atomic<uint64_t> pid_{0};
};

}  // namespace isapi_node::outofprocess

// One JavaScript worker: a Node environment with its own isolate and event loop on a thread of
// its own, running the bootstrap that loads the user's app and serves the requests its bridge
// channel delivers. Several workers share one process and one V8 platform.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "backend/backend.h"
#include "bridge/channel.h"

namespace node {
class Environment;
class MultiIsolatePlatform;
}  // namespace node

namespace isapi_node::runtime {

class JsWorker {
 public:
  // Called once, on the worker's own thread, when its event loop ended by itself (process.exit()
  // in the app, a failure), never after stop() began. The supervisor replaces the worker then.
  using Ended = std::function<void(unsigned index, int exit_code)>;

  JsWorker(unsigned index, const BackendConfig& config, BackendHost& host, node::MultiIsolatePlatform* platform,
           Ended on_ended);
  ~JsWorker();

  // Starts the thread and waits until the app is loaded (nullopt) or failed.
  std::optional<StartFailure> start();
  void submit(std::shared_ptr<RequestHandle> request) { channel_->deliver(std::move(request)); }
  size_t in_flight() const { return channel_->in_flight(); }
  // False once the worker's event loop has ended (process.exit() in the app, or stop()).
  bool alive() const { return !channel_->closed(); }
  // Closes the channel (what it still holds gets 503), stops the environment, joins the thread.
  void stop();
  unsigned index() const { return index_; }

 private:
  void run_guarded();
  void run();
  void loop_ended();

  const unsigned index_;
  const BackendConfig& config_;
  BackendHost& host_;
  node::MultiIsolatePlatform* const platform_;
  std::shared_ptr<bridge::Channel> channel_;
  const Ended on_ended_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> exit_code_{0};
  std::thread thread_;
  std::mutex env_mutex_;
  std::condition_variable loop_ended_cv_;
  bool loop_ended_ = false;           // SpinEventLoop returned
  node::Environment* env_ = nullptr;  // while the environment exists: node::Stop() target
};

}  // namespace isapi_node::runtime

// One JavaScript worker: a Node environment with its own isolate and event loop on a thread of
// its own, running the bootstrap that loads the user's app and serves the requests its bridge
// channel delivers. Several workers share one process and one V8 platform.
#pragma once
#include <condition_variable>
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
  JsWorker(unsigned index, const BackendConfig& config, BackendHost& host, node::MultiIsolatePlatform* platform);
  ~JsWorker();

  // Starts the thread and waits until the app is loaded (nullopt) or failed.
  std::optional<StartFailure> start();
  void submit(std::shared_ptr<RequestHandle> request) { channel_->deliver(std::move(request)); }
  size_t in_flight() const { return channel_->in_flight(); }
  // False once the worker's event loop has ended (process.exit() in the app, or stop()).
  bool alive() const { return !channel_->closed(); }
  // Closes the channel (aborting what it still holds), stops the environment, joins the thread.
  void stop();

 private:
  void run_guarded();
  void run();

  const unsigned index_;
  const BackendConfig& config_;
  BackendHost& host_;
  node::MultiIsolatePlatform* const platform_;
  std::shared_ptr<bridge::Channel> channel_;
  std::thread thread_;
  std::mutex env_mutex_;
  std::condition_variable loop_ended_cv_;
  bool loop_ended_ = false;           // SpinEventLoop returned
  node::Environment* env_ = nullptr;  // while the environment exists: node::Stop() target
};

}  // namespace isapi_node::runtime

// One JavaScript worker: a Node environment with its own isolate and event loop on a thread of
// its own, running the bootstrap that loads the user's app and serves the requests its bridge
// channel delivers. Several workers share one process and one V8 platform.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "backend/backend.h"
#include "backend/worker_supervisor.h"
#include "bridge/channel.h"
#include "runtime/large_stack_thread.h"
#include "runtime/worker_guards.h"

namespace node {
class Environment;
class MultiIsolatePlatform;
}  // namespace node
namespace v8 {
class Isolate;
}

namespace isapi_node::runtime {

// `Ended` is called on the worker's own thread when its event loop ended without stop().
class JsWorker : public SupervisedWorker {
 public:
  JsWorker(unsigned index, const BackendConfig& config, BackendHost& host, node::MultiIsolatePlatform* platform,
           Ended on_ended);
  ~JsWorker() override;

  // Starts the thread and waits until the app is loaded (nullopt) or failed.
  std::optional<StartFailure> start() override;
  void submit(std::shared_ptr<RequestHandle> request) override { channel_->deliver(std::move(request)); }
  size_t in_flight() const override { return channel_->in_flight(); }
  // False once the worker's event loop has ended (process.exit() in the app, or stop()).
  bool alive() const override { return !channel_->closed(); }
  // Closes the channel (what it still holds gets 503), stops the environment, joins the thread.
  void stop() override;
  unsigned index() const { return index_; }
  // How long the event loop has not turned (meaningful while alive()).
  std::chrono::milliseconds loop_blocked_for() const override { return heartbeat_.age(); }
  // The watchdog's call for a loop blocked past hangTimeoutMs: the first asks V8 to interrupt the
  // app's JavaScript, trace its stack and stop the environment; a later one, if the interrupt never
  // ran (the thread is in a blocking native call), stops the environment without the stack.
  void end_hung(std::chrono::milliseconds blocked) override;

 private:
  void run_guarded();
  void run();
  void loop_ended();
  static void on_hang_interrupt(v8::Isolate* isolate, void* data);
  void on_heap_exhausted(size_t heap_limit_bytes);
  // Stops the environment for the reason in `how` (env_mutex_ held).
  void stop_environment_locked(std::string how);

  const unsigned index_;
  const BackendConfig& config_;
  BackendHost& host_;
  node::MultiIsolatePlatform* const platform_;
  std::shared_ptr<bridge::Channel> channel_;
  const Ended on_ended_;
  std::atomic<bool> stopping_{false};
  LoopHeartbeat heartbeat_;
  HeapGuard heap_guard_{[this](size_t limit) { on_heap_exhausted(limit); }};
  LargeStackThread thread_;
  std::mutex env_mutex_;
  std::condition_variable loop_ended_cv_;
  bool loop_ended_ = false;           // SpinEventLoop returned
  node::Environment* env_ = nullptr;  // while the environment exists: node::Stop() target
  v8::Isolate* isolate_ = nullptr;    // the same span: RequestInterrupt() target
  std::string how_ended_;             // why the environment was stopped from outside the app, if it was
  bool hang_interrupt_requested_ = false;
};

}  // namespace isapi_node::runtime

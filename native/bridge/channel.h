// One JavaScript worker's end of the bridge: the queue of events for its JS thread (new requests,
// completions, clients gone) and the requests it is serving. IIS (and pool) threads push events;
// the JS thread takes them all at once, so one wake-up carries every event queued since the last
// (docs/architecture.md, step 2: batching is where throughput comes from).
//
// Threads: push()/deliver() from any thread; take(), attach() and the request map from the JS
// thread (the map is locked anyway: aborts at shutdown come from other threads). `mutex_` guards
// everything; it is never held while JS runs.
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"
#include "bridge/protocol.h"

namespace isapi_node::bridge {

struct Event {
  using Type = protocol::EventType;
  Type type = Type::done;
  uint64_t id = 0;        // request and gone
  double token = 0;       // done: the JS side's number for the operation
  bool ok = true;         // done
  std::string data;       // done: bytes read
  std::shared_ptr<RequestHandle> request;  // request
};

class Channel;

// The JS thread's wake-up: a Node-API thread-safe function whose calls carry no data (the queue
// is the channel's), so a call the runtime drops at teardown leaves nothing behind. Raw Node-API
// on purpose: node-addon-api's wrappers allocate a callback per call.
struct EventsFunction {
  napi_threadsafe_function handle = nullptr;
  // Makes the function on the JS thread; `dispatch` gets each batch.
  static EventsFunction create(Napi::Env env, Napi::Function dispatch, Channel* channel);
  // Never after release(): the channel calls both under its lock.
  void wake() const { napi_call_threadsafe_function(handle, nullptr, napi_tsfn_nonblocking); }
  void release() const { napi_release_threadsafe_function(handle, napi_tsfn_release); }
};

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  Channel(const BackendConfig& config, BackendHost& host, unsigned worker_index)
      : config_(config), host_(host), worker_index_(worker_index) {}

  const BackendConfig& config() const { return config_; }
  BackendHost& host() { return host_; }
  unsigned worker_index() const { return worker_index_; }

  // ---- the runtime's side ----
  void deliver(std::shared_ptr<RequestHandle> request);
  void push(Event event);
  // No more events reach JS; the thread-safe function is released so the loop may end. What the
  // channel still held fails with `orphan_status`: 502 when the worker ended under its requests,
  // 503 when the backend is stopping.
  void close(unsigned orphan_status = 503);
  size_t in_flight() const { return in_flight_.load(); }
  bool closed() const { return closed_.load(); }
  // Blocks until the JS side reported ready (nullopt) or a failure, or the timeout passed.
  std::optional<StartFailure> wait_ready(uint32_t timeout_ms);
  void set_ready(std::optional<StartFailure> failure);

  // ---- the JS thread's side ----
  void attach(EventsFunction events);
  std::vector<Event> take();
  std::shared_ptr<RequestHandle> find(uint64_t id);
  // The JS side will not touch this request again (final send or abort queued).
  void forget(uint64_t id);

 private:
  void wake_locked(std::unique_lock<std::mutex>& lock);

  const BackendConfig config_;
  BackendHost& host_;
  const unsigned worker_index_;

  std::mutex mutex_;
  std::vector<Event> queue_;
  std::unordered_map<uint64_t, std::shared_ptr<RequestHandle>> requests_;
  std::optional<EventsFunction> events_;
  bool wake_pending_ = false;
  std::atomic<bool> closed_{false};  // set under mutex_; atomic so closed() needs no lock
  std::atomic<size_t> in_flight_{0};

  std::condition_variable ready_cv_;
  bool ready_reported_ = false;
  std::optional<StartFailure> ready_failure_;
};

// The channel of the worker whose thread is running (set by the runtime around LoadEnvironment),
// so the linked binding can find it when JavaScript first asks for it.
extern thread_local std::shared_ptr<Channel> current_channel;

// The linked binding's register function (napi_addon_register_func).
napi_value register_bridge(napi_env env, napi_value exports);

}  // namespace isapi_node::bridge

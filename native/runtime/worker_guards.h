// What lets a JavaScript worker that went wrong be ended without taking the IIS worker process
// with it: a heartbeat that shows its event loop turning (the supervisor's watchdog reads it), the
// app's stack at the moment it is stopped, and a near-heap-limit callback, without which V8 aborts
// the whole process when one worker's heap is full.
#pragma once
#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace v8 {
class Isolate;
}

namespace isapi_node::runtime {

// A repeating, unreferenced libuv timer on the worker's loop (it never keeps the loop alive) that
// stamps the time each time it runs. An idle loop still runs it; a loop stuck in a synchronous
// callback does not, so the stamp's age is how long the loop has not turned.
class LoopHeartbeat {
 public:
  // On the worker's thread, before its loop runs; `period` is check_period(hangTimeoutMs) (backend.h):
  // the watchdog looks as often, and an idle worker wakes at most once a second for it.
  void start(uv_loop_t* loop, std::chrono::milliseconds period);
  // On the worker's thread once its loop has ended: the handle is closed and its close callback
  // run, since the loop must hold no handle when the environment is freed.
  void close(uv_loop_t* loop);
  // Any thread.
  std::chrono::milliseconds age() const;

 private:
  void beat();
  uv_timer_t timer_{};
  bool started_ = false;
  std::atomic<int64_t> last_ns_{0};
};

// The JavaScript stack of the isolate's thread, one "    at …" line per frame (at most `frames`),
// or a note that no JavaScript is running. Only on the isolate's own thread (an interrupt).
std::string current_js_stack(v8::Isolate* isolate, int frames = 12);

// Called on the worker's thread, inside a garbage collection, when the heap is about to reach its
// limit. It must not run JavaScript: it stops the environment (node::Stop is safe there).
using HeapExhausted = std::function<void(size_t heap_limit_bytes)>;

// Installs the near-heap-limit callback on `isolate`. Each time V8 reaches the limit the callback
// grants a little more room so the JavaScript being terminated can unwind instead of V8 aborting
// the process; the first time it calls `exhausted`. `guard` must outlive the isolate.
class HeapGuard {
 public:
  explicit HeapGuard(HeapExhausted exhausted) : exhausted_(std::move(exhausted)) {}
  void install(v8::Isolate* isolate);

 private:
  static size_t near_limit(void* data, size_t current_limit, size_t initial_limit);
  HeapExhausted exhausted_;
  unsigned extensions_ = 0;
};

}  // namespace isapi_node::runtime

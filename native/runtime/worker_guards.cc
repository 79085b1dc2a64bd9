#include "runtime/worker_guards.h"

#include <v8.h>

#include <algorithm>

namespace isapi_node::runtime {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Room granted past the limit each time V8 reaches it while the worker is being stopped: enough
// for the terminated JavaScript to unwind and the collector to finish. After the last grant V8 is
// left to fail as it would have, which aborts the process: an app that keeps allocating while its
// worker is terminated is beyond rescue.
constexpr size_t kMinGrant = 16u << 20;
constexpr unsigned kMaxGrants = 4;

std::string utf8(v8::Isolate* isolate, v8::Local<v8::String> text) {
  if (text.IsEmpty()) return {};
  v8::String::Utf8Value value(isolate, text);
  return *value ? std::string(*value, static_cast<size_t>(value.length())) : std::string();
}

}  // namespace

void LoopHeartbeat::start(uv_loop_t* loop, std::chrono::milliseconds period) {
  const auto period_ms = static_cast<uint64_t>(period.count());
  last_ns_ = now_ns();
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<LoopHeartbeat*>(t->data)->beat(); }, period_ms, period_ms);
  uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
  started_ = true;
}

void LoopHeartbeat::beat() { last_ns_ = now_ns(); }

void LoopHeartbeat::close(uv_loop_t* loop) {
  if (!started_) return;
  started_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  // One turn runs the close; the handle leaves the loop's queue then.
  uv_run(loop, UV_RUN_NOWAIT);
}

std::chrono::milliseconds LoopHeartbeat::age() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(now_ns() - last_ns_.load()));
}

std::string current_js_stack(v8::Isolate* isolate, int frames) {
  v8::HandleScope scope(isolate);
  v8::Local<v8::StackTrace> trace = v8::StackTrace::CurrentStackTrace(isolate, frames);
  if (trace.IsEmpty() || trace->GetFrameCount() == 0) return "    (no JavaScript was running)";
  std::string out;
  for (int i = 0; i < trace->GetFrameCount(); ++i) {
    v8::Local<v8::StackFrame> frame = trace->GetFrame(isolate, static_cast<uint32_t>(i));
    std::string name = utf8(isolate, frame->GetFunctionName());
    std::string script = utf8(isolate, frame->GetScriptName());
    const std::string where = (script.empty() ? "<anonymous>" : script) + ":" + std::to_string(frame->GetLineNumber()) +
                              ":" + std::to_string(frame->GetColumn());
    out += (i ? "\n" : "") + std::string("    at ") + (name.empty() ? where : name + " (" + where + ")");
  }
  return out;
}

void HeapGuard::install(v8::Isolate* isolate) { isolate->AddNearHeapLimitCallback(&HeapGuard::near_limit, this); }

size_t HeapGuard::near_limit(void* data, size_t current_limit, size_t initial_limit) {
  auto* self = static_cast<HeapGuard*>(data);
  if (self->extensions_ >= kMaxGrants) return current_limit;
  if (self->extensions_++ == 0) self->exhausted_(initial_limit);
  return current_limit + std::max(kMinGrant, initial_limit / 4);
}

}  // namespace isapi_node::runtime

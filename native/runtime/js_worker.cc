#include "runtime/js_worker.h"

#include <node.h>
#include <v8.h>

#include <chrono>
#include <cstdio>

namespace isapi_node::runtime {
namespace {

// How long a worker's event loop may take to end by itself once the channel is closed.
constexpr auto kGracefulStop = std::chrono::seconds(2);

// A JavaScript string literal for `text` (paths may hold quotes or backslashes).
std::string js_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace

JsWorker::JsWorker(unsigned index, const BackendConfig& config, BackendHost& host,
                   node::MultiIsolatePlatform* platform, Ended on_ended)
    : index_(index),
      config_(config),
      host_(host),
      platform_(platform),
      channel_(std::make_shared<bridge::Channel>(config, host, index)),
      on_ended_(std::move(on_ended)) {}

JsWorker::~JsWorker() { stop(); }

std::optional<StartFailure> JsWorker::start() {
  try {
    thread_.start([this] { run_guarded(); });
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(env_mutex_);
    loop_ended_ = true;
    return StartFailure{"runtime_failed", e.what()};
  }
  return channel_->wait_ready(config_.start_timeout_ms);
}

// A C++ exception at a thread's top would terminate the whole IIS worker process: this worker
// ends instead, and its requests are answered as for any worker whose loop ended.
void JsWorker::run_guarded() {
  std::string what;
  try {
    return run();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception that is not a std::exception";
  }
  try {
    host_.trace("isapi-node", "JavaScript worker " + std::to_string(index_) + " failed: " + what);
  } catch (...) {
  }
  channel_->close(stopping_ ? 503 : 502);
  channel_->set_ready(StartFailure{"runtime_failed", "the JavaScript worker failed: " + what});
  {
    std::lock_guard<std::mutex> lock(env_mutex_);
    how_ended_ = "it failed: " + what;
  }
  loop_ended();
}

// The loop is over: stop() may go on, and the supervisor hears of an end it did not ask for.
void JsWorker::loop_ended() {
  std::string how;
  {
    std::lock_guard<std::mutex> lock(env_mutex_);
    env_ = nullptr;
    isolate_ = nullptr;
    loop_ended_ = true;
    how = how_ended_.empty() ? "its event loop had nothing left to do" : how_ended_;
  }
  loop_ended_cv_.notify_all();
  if (!stopping_ && on_ended_) on_ended_(index_, how);
}

void JsWorker::stop_environment_locked(std::string how) {
  if (how_ended_.empty()) how_ended_ = std::move(how);
  if (env_) node::Stop(env_);
}

void JsWorker::end_hung(std::chrono::milliseconds blocked) {
  std::lock_guard<std::mutex> lock(env_mutex_);
  if (!env_ || stopping_ || !how_ended_.empty()) return;
  if (!hang_interrupt_requested_) {
    hang_interrupt_requested_ = true;
    isolate_->RequestInterrupt(&JsWorker::on_hang_interrupt, this);
    return;
  }
  host_.trace("isapi-node", "JavaScript worker " + std::to_string(index_) + ": its event loop has not turned for " +
                                std::to_string(blocked.count()) + " ms (\"hangTimeoutMs\" is " +
                                std::to_string(config_.hang_timeout_ms) +
                                ") and it is not running JavaScript (a blocking call in native code?): it is "
                                "stopped without a stack and replaced once that call returns; its requests get 502");
  stop_environment_locked("its event loop was blocked in native code for " + std::to_string(blocked.count()) + " ms");
}

// On the worker's thread, between two JavaScript operations of the blocked code.
void JsWorker::on_hang_interrupt(v8::Isolate* isolate, void* data) {
  auto* self = static_cast<JsWorker*>(data);
  const auto blocked = self->heartbeat_.age();
  self->host_.trace("isapi-node", "JavaScript worker " + std::to_string(self->index_) +
                                      ": its event loop has not turned for " + std::to_string(blocked.count()) +
                                      " ms (\"hangTimeoutMs\" is " + std::to_string(self->config_.hang_timeout_ms) +
                                      "); it is stopped and replaced, its requests get 502. The app was at:\n" +
                                      current_js_stack(isolate));
  std::lock_guard<std::mutex> lock(self->env_mutex_);
  self->stop_environment_locked("its event loop was blocked for " + std::to_string(blocked.count()) + " ms");
}

// Inside a garbage collection on the worker's thread: no JavaScript, no stack (it would allocate).
void JsWorker::on_heap_exhausted(size_t heap_limit_bytes) {
  const std::string limit = std::to_string(heap_limit_bytes >> 20) + " MB";
  host_.trace("isapi-node", "JavaScript worker " + std::to_string(index_) + " reached its heap limit (" + limit +
                                (config_.max_heap_mb ? ", \"maxHeapMb\"" : ", V8's default; set \"maxHeapMb\" to choose") +
                                "): it is stopped and replaced, its requests get 502. Look for a request that "
                                "buffers without bound or a cache that only grows.");
  std::lock_guard<std::mutex> lock(env_mutex_);
  stop_environment_locked("its heap reached the limit (" + limit + ")");
}

void JsWorker::run() {
  std::vector<std::string> errors;
  // No inspector, and no claim on process-wide state (signal handlers, cwd, umask): those belong to
  // the IIS worker process, which may run several of us.
  auto setup = node::CommonEnvironmentSetup::Create(
      platform_, &errors, std::vector<std::string>{"isapi-node"}, std::vector<std::string>{},
      static_cast<node::EnvironmentFlags::Flags>(node::EnvironmentFlags::kNoCreateInspector));
  if (!setup) {
    std::string detail = "cannot create a Node environment";
    for (const auto& e : errors) detail += ": " + e;
    channel_->set_ready(StartFailure{"runtime_failed", detail});
    std::lock_guard<std::mutex> lock(env_mutex_);
    loop_ended_ = true;
    return;
  }
  v8::Isolate* isolate = setup->isolate();
  node::Environment* env = setup->env();
  {
    std::lock_guard<std::mutex> lock(env_mutex_);
    env_ = env;
    isolate_ = isolate;
  }
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    v8::Context::Scope context_scope(setup->context());

    // process.exit() in an app must end this worker, never the IIS worker process.
    node::SetProcessExitHandler(env, [this](node::Environment* e, int code) {
      {
        std::lock_guard<std::mutex> lock(env_mutex_);
        if (how_ended_.empty()) how_ended_ = "exit code " + std::to_string(code);
      }
      host_.trace("isapi-node", "JavaScript worker " + std::to_string(index_) + " ended: process.exit(" +
                                    std::to_string(code) + ") was called");
      node::Stop(e);
    });
    heap_guard_.install(isolate);
    if (config_.hang_timeout_ms) heartbeat_.start(setup->event_loop(), check_period(config_.hang_timeout_ms));
    // Closed before the environment is freed, while the isolate is still locked, however this
    // block is left: a handle left on the loop would make Node abort the process at teardown.
    struct HeartbeatCloser {
      LoopHeartbeat& heartbeat;
      uv_loop_t* loop;
      ~HeartbeatCloser() { heartbeat.close(loop); }
    } closer{heartbeat_, setup->event_loop()};
    bridge::current_channel = channel_;
    node::AddLinkedBinding(env, "isapi_bridge", bridge::register_bridge);
    // The embedder's main script cannot import() on Node 18: it requires the bootstrap from disk,
    // which then requires the runtime, which imports the app.
    const std::string main_script = "require('module').createRequire(" + js_string(config_.bootstrap) + ")(" +
                                    js_string(config_.bootstrap) + ");";
    if (node::LoadEnvironment(env, main_script.c_str()).IsEmpty()) {
      channel_->set_ready(StartFailure{"runtime_failed", "the isapi-node bootstrap '" + config_.bootstrap +
                                                             "' failed to run (see the trace channel)"});
    } else {
      node::SpinEventLoop(env).FromMaybe(1);
    }
    bridge::current_channel.reset();
  }
  // However the loop ended (stop(), or process.exit() in the app), nothing more reaches this
  // worker: what it still held fails with 502 (it ended under them) or 503 (stopping).
  channel_->close(stopping_ ? 503 : 502);
  channel_->set_ready(StartFailure{"runtime_failed", "the JavaScript worker stopped before the app was ready"});
  loop_ended();
  // `setup` goes out of scope here: environment, context and isolate are freed on this thread.
}

void JsWorker::stop() {
  stopping_ = true;
  // Closing the channel releases the bridge's hold on the event loop: an idle app's loop then ends
  // by itself. Only an app that keeps it busy (a timer, a server of its own) is stopped by force,
  // since terminating JavaScript in the middle of a bridge call is abrupt for the app.
  channel_->close(503);
  std::unique_lock<std::mutex> lock(env_mutex_);
  if (!loop_ended_cv_.wait_for(lock, kGracefulStop, [this] { return loop_ended_; }) && env_) node::Stop(env_);
  lock.unlock();
  if (thread_.joinable()) thread_.join();
}

}  // namespace isapi_node::runtime

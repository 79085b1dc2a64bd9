#include "bridge/channel.h"

#include "bridge/batch_encoding.h"

#include <chrono>

namespace isapi_node::bridge {

thread_local std::shared_ptr<Channel> current_channel;

void Channel::deliver(std::shared_ptr<RequestHandle> request) {
  const uint64_t id = request->record().id;
  std::weak_ptr<Channel> weak = shared_from_this();
  request->on_client_gone([weak, id] {
    if (auto ch = weak.lock()) {
      Event e;
      e.type = Event::Type::gone;
      e.id = id;
      ch->push(std::move(e));
    }
  });
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) {
    lock.unlock();
    request->fail(503, "the JavaScript worker has stopped");
    return;
  }
  ++in_flight_;
  requests_.emplace(id, request);
  Event e;
  e.type = Event::Type::request;
  e.id = id;
  e.request = std::move(request);
  queue_.push_back(std::move(e));
  wake_locked(lock);
}

void Channel::push(Event event) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) return;
  queue_.push_back(std::move(event));
  wake_locked(lock);
}

void Channel::wake_locked(std::unique_lock<std::mutex>& lock) {
  if (wake_pending_ || !events_) return;
  wake_pending_ = true;
  // Called with the lock held: close() releases the function under the same lock, so it is never
  // called after its release. A non-blocking call only queues the wake-up; it never waits for JS.
  events_->wake();
}

namespace {

// Hands every queued event to JS in one batch, on the JS thread.
void dispatch_events(napi_env raw_env, napi_value dispatch, void* context, void*) {
  if (!raw_env || !dispatch) return;  // the runtime is tearing the function down
  auto* channel = static_cast<Channel*>(context);
  std::vector<Event> events = channel->take();
  if (events.empty()) return;
  Napi::Env env(raw_env);
  Napi::HandleScope scope(env);
  try {
    Napi::Function(env, dispatch).Call({encode_batch(raw_env, events)});
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();  // reaches process 'uncaughtException', as any callback error
  } catch (const std::exception& e) {
    // Out of memory building the batch: Node must not see a C++ exception.
    Napi::Error::New(env, std::string("isapi-node: delivering events failed: ") + e.what()).ThrowAsJavaScriptException();
  }
}

}  // namespace

EventsFunction EventsFunction::create(Napi::Env env, Napi::Function dispatch, Channel* channel) {
  EventsFunction f;
  napi_status status = napi_create_threadsafe_function(env, dispatch, nullptr, Napi::String::New(env, "isapi-node events"),
                                                       0, 1, nullptr, nullptr, channel, dispatch_events, &f.handle);
  NAPI_THROW_IF_FAILED(env, status, f);
  return f;
}

void Channel::attach(EventsFunction events) {
  std::unique_lock<std::mutex> lock(mutex_);
  events_ = events;
  if (!queue_.empty()) wake_locked(lock);
}

std::vector<Event> Channel::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  wake_pending_ = false;
  std::vector<Event> out;
  out.swap(queue_);
  return out;
}

std::shared_ptr<RequestHandle> Channel::find(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = requests_.find(id);
  return it == requests_.end() ? nullptr : it->second;
}

void Channel::forget(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (requests_.erase(id)) --in_flight_;
}

void Channel::close(unsigned orphan_status) {
  std::vector<std::shared_ptr<RequestHandle>> orphans;
  std::optional<EventsFunction> events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (auto& e : queue_)
      if (e.type == Event::Type::request) orphans.push_back(e.request);
    queue_.clear();
    for (auto& [id, r] : requests_) orphans.push_back(r);
    requests_.clear();
    events.swap(events_);
  }
  for (auto& r : orphans) r->fail(orphan_status, "the JavaScript worker stopped");
  if (events) events->release();
  set_ready(StartFailure{"runtime_failed", "the JavaScript worker stopped before it was ready"});
}

std::optional<StartFailure> Channel::wait_ready(uint32_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!ready_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return ready_reported_; }))
    return StartFailure{"app_failed", "the app was not ready after " + std::to_string(timeout_ms) +
                                          " ms (\"startTimeoutMs\"): does loading it wait on something?"};
  return ready_failure_;
}

void Channel::set_ready(std::optional<StartFailure> failure) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ready_reported_) return;  // the first word counts
    ready_reported_ = true;
    ready_failure_ = std::move(failure);
  }
  ready_cv_.notify_all();
}

}  // namespace isapi_node::bridge

#include "bridge/channel.h"

#include <algorithm>
#include <chrono>

namespace isapi_node::bridge {

thread_local std::shared_ptr<Channel> current_channel;

namespace {

// Strings reach JS through Latin-1 when they are plain ASCII (the same string, without UTF-8
// decoding), else as UTF-8.
napi_value js_string(napi_env env, const std::string& s) {
  napi_value out = nullptr;
  const bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii)
    napi_create_string_latin1(env, s.data(), s.size(), &out);
  else
    napi_create_string_utf8(env, s.data(), s.size(), &out);
  return out;
}

// Fills a JS array slot by slot: element stores, no property names, no hidden-class transitions
// (named properties set one by one from native code were a tenth of the JS thread's time).
class FlatArray {
 public:
  FlatArray(napi_env env, size_t size) : env_(env) { napi_create_array_with_length(env, size, &array_); }
  void push(napi_value v) { napi_set_element(env_, array_, next_++, v); }
  void push(const std::string& s) { push(js_string(env_, s)); }
  void push(double n) {
    napi_value v;
    napi_create_double(env_, n, &v);
    push(v);
  }
  void push_bool(bool b) {
    napi_value v;
    napi_get_boolean(env_, b, &v);
    push(v);
  }
  void push_undefined() {
    napi_value v;
    napi_get_undefined(env_, &v);
    push(v);
  }
  void push_buffer(const std::string& bytes) {
    napi_value v;
    void* data = nullptr;
    napi_create_buffer_copy(env_, bytes.size(), bytes.data(), &data, &v);
    push(v);
  }
  // Hands the bytes to JS without a copy: the Buffer owns the string until it is collected.
  void push_owned_buffer(std::string&& bytes) {
    auto* owned = new std::string(std::move(bytes));
    napi_value v;
    const napi_status status = napi_create_external_buffer(
        env_, owned->size(), owned->data(), [](napi_env, void*, void* hint) { delete static_cast<std::string*>(hint); },
        owned, &v);
    if (status != napi_ok) {  // a runtime that refuses external memory: copy instead
      push_buffer(*owned);
      delete owned;
      return;
    }
    push(v);
  }
  napi_value value() const { return array_; }

 private:
  napi_env env_;
  napi_value array_ = nullptr;
  uint32_t next_ = 0;
};

// Slots per event, fixed by type; lib/runtime/bridge.ts reads them back (decodeBatch):
//   request: 1, id, method, path, query, rawUrl, [name, value, ...] headers, [name, value, ...] vars,
//            totalBytes, preload
//   done:    2, token, ok, data (undefined when nothing was read)
//   gone:    3, id
constexpr size_t kRequestSlots = 10, kDoneSlots = 4, kGoneSlots = 2;

size_t slots_of(const Event& e) {
  switch (e.type) {
    case Event::Type::request: return kRequestSlots;
    case Event::Type::done: return kDoneSlots;
    case Event::Type::gone: return kGoneSlots;
  }
  return 0;
}

template <typename Pairs>
napi_value pairs_to_js(napi_env env, const Pairs& pairs) {
  FlatArray flat(env, pairs.size() * 2);
  for (const auto& [name, value] : pairs) {
    flat.push(name);
    flat.push(value);
  }
  return flat.value();
}

void push_event(napi_env env, FlatArray& out, Event& e) {
  out.push(static_cast<double>(e.type));
  switch (e.type) {
    case Event::Type::request: {
      const RequestRecord& r = e.request->record();
      out.push(static_cast<double>(r.id));
      out.push(r.method);
      out.push(r.path);
      out.push(r.query);
      out.push(r.raw_url);
      out.push(pairs_to_js(env, r.headers));
      out.push(pairs_to_js(env, r.vars));
      out.push(static_cast<double>(r.total_bytes));
      out.push_buffer(r.preload);
      break;
    }
    case Event::Type::done:
      out.push(e.token);
      out.push_bool(e.ok);
      if (e.data.empty())
        out.push_undefined();
      else
        out.push_owned_buffer(std::move(e.data));
      break;
    case Event::Type::gone:
      out.push(static_cast<double>(e.id));
      break;
  }
}

}  // namespace

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
    request->abort("the JavaScript worker has stopped");
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
  EventsFunction events = *events_;
  lock.unlock();
  events.wake();
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
    size_t slots = 0;
    for (const Event& e : events) slots += slots_of(e);
    FlatArray batch(raw_env, slots);
    for (Event& e : events) push_event(raw_env, batch, e);
    Napi::Function(env, dispatch).Call({batch.value()});
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();  // reaches process 'uncaughtException', as any callback error
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

void Channel::close() {
  std::vector<std::shared_ptr<RequestHandle>> orphans;
  std::optional<EventsFunction> events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    closed_flag_ = true;
    for (auto& e : queue_)
      if (e.type == Event::Type::request) orphans.push_back(e.request);
    queue_.clear();
    for (auto& [id, r] : requests_) orphans.push_back(r);
    requests_.clear();
    events.swap(events_);
  }
  for (auto& r : orphans) r->abort("the JavaScript worker stopped");
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

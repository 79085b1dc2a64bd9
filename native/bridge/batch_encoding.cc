#include "bridge/batch_encoding.h"

#include <algorithm>
#include <string>

namespace isapi_node::bridge {
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
  napi_value value() const { return array_; }

 private:
  napi_env env_;
  napi_value array_ = nullptr;
  uint32_t next_ = 0;
};

// Slots per event, its type included (the layout is in bridge/protocol.h).
size_t slots_of(const Event& e) {
  switch (e.type) {
    case Event::Type::request: return 1 + protocol::kRequestSlots;
    case Event::Type::done: return 1 + protocol::kDoneSlots;
    case Event::Type::gone: return 1 + protocol::kGoneSlots;
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

void push_event(napi_env env, FlatArray& out, const Event& e) {
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
        out.push_buffer(e.data);
      break;
    case Event::Type::gone:
      out.push(static_cast<double>(e.id));
      break;
  }
}

}  // namespace

napi_value encode_batch(napi_env env, const std::vector<Event>& events) {
  size_t slots = 0;
  for (const Event& e : events) slots += slots_of(e);
  FlatArray batch(env, slots);
  for (const Event& e : events) push_event(env, batch, e);
  return batch.value();
}

}  // namespace isapi_node::bridge

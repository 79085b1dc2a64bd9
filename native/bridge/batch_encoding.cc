#include "bridge/batch_encoding.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

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

// A request's strings reach JS as one string joined by NUL, split there by one call
// (String.prototype.split runs in V8's C++): one Node-API string instead of about thirty, each of
// which also costs an element store. UTF-8 never uses a NUL byte inside a character, so decoding
// the whole equals decoding each field. A field holding NUL itself (a decoded %00) cannot be
// joined: those requests get an array of strings, which JS reads the same way.
napi_value fields_to_js(napi_env env, const RequestRecord& r) {
  std::vector<const std::string*> fields{&r.method, &r.path, &r.query, &r.raw_url};
  static const std::string absent;
  for (const auto& value : r.vars) fields.push_back(value ? &*value : &absent);
  for (const auto& [name, value] : r.headers) {
    fields.push_back(&name);
    fields.push_back(&value);
  }
  size_t size = 0;
  bool joinable = true;
  for (const std::string* f : fields) {
    size += f->size() + 1;
    joinable = joinable && f->find(protocol::kFieldSeparator) == std::string::npos;
  }
  if (!joinable) {
    FlatArray array(env, fields.size());
    for (const std::string* f : fields) array.push(*f);
    return array.value();
  }
  std::string joined;
  joined.reserve(size);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) joined += protocol::kFieldSeparator;
    joined += *fields[i];
  }
  return js_string(env, joined);
}

static_assert(kRecordVariableCount <= 31, "the present bits must fit a small integer");

double present_variables(const RequestRecord& r) {
  uint32_t bits = 0;
  for (size_t i = 0; i < kRecordVariableCount; ++i)
    if (r.vars[i]) bits |= 1u << i;
  return bits;
}

void push_event(napi_env env, FlatArray& out, const Event& e) {
  out.push(static_cast<double>(e.type));
  switch (e.type) {
    case Event::Type::request: {
      const RequestRecord& r = e.request->record();
      out.push(static_cast<double>(r.id));
      out.push(fields_to_js(env, r));
      out.push(present_variables(r));
      out.push(static_cast<double>(r.total_bytes));
      if (r.preload.empty())
        out.push_undefined();
      else
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

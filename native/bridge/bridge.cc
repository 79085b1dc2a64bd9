// The linked binding `isapi_bridge` each JavaScript worker reads with process._linkedBinding():
// the JS side's only way to IIS. lib/runtime/bridge.ts declares its TypeScript shape; keep the two
// in step.
#include <napi.h>
#include <uv.h>

#include <iterator>
#include <string_view>

#include "bridge/channel.h"

namespace isapi_node::bridge {
namespace {

namespace arg = protocol::arg;

// The channel lives as instance data of the environment it was registered in.
struct Instance {
  std::shared_ptr<Channel> channel;
};

Channel& channel_of(const Napi::CallbackInfo& info) { return *info.Env().GetInstanceData<Instance>()->channel; }

// Status and header text goes out as Latin-1, as Node's http and WSGI send it. The JS side refuses
// anything else first; this refuses it again on its own, since dropping the high byte of U+010A
// would make it LF and split the header block.
std::string latin1_from(const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), std::string("isapi-node: the ") + what + " must be a string");
  // Read as UTF-16, so that a character above U+00FF is seen rather than cut to its low byte; into
  // a buffer on the stack when it fits, as nearly every status and header does.
  char16_t small[256];
  std::u16string large;
  const char16_t* units = small;
  size_t length = 0;
  napi_status status = napi_get_value_string_utf16(v.Env(), v, small, std::size(small), &length);
  NAPI_THROW_IF_FAILED(v.Env(), status, std::string());
  if (length + 1 >= std::size(small)) {
    large = v.As<Napi::String>().Utf16Value();
    units = large.data();
    length = large.size();
  }
  const std::u16string_view wide(units, length);
  std::string out(wide.size(), '\0');
  for (size_t i = 0; i < wide.size(); ++i) {
    const char16_t c = wide[i];
    if (c > 0xFF || c == u'\r' || c == u'\n' || c == 0)
      throw Napi::TypeError::New(v.Env(), std::string("isapi-node: the ") + what +
                                              " contains CR, LF, NUL or a character above U+00FF");
    out[i] = static_cast<char>(c);
  }
  return out;
}

std::optional<ResponseHead> head_from(const Napi::Value& status, const Napi::Value& headers) {
  if (status.IsNull() || status.IsUndefined()) return std::nullopt;
  ResponseHead head;
  head.status = latin1_from(status, "status line");
  if (headers.IsArray()) {
    Napi::Array flat = headers.As<Napi::Array>();
    const uint32_t n = flat.Length();
    head.headers.reserve(n / 2);
    for (uint32_t i = 0; i + 1 < n; i += 2)
      head.headers.emplace_back(latin1_from(flat.Get(i), "header name"), latin1_from(flat.Get(i + 1), "header value"));
  }
  return head;
}

std::string bytes_from(const Napi::Value& v) {
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    const char* base = static_cast<const char*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    return std::string(base, t.ByteLength());
  }
  return std::string();
}

// A completion that queues a done event (token, ok, data) for the JS thread, or nothing for an
// operation that asked for no reply.
Completion reply_to(Channel& channel, double token) {
  if (token == protocol::kNoReply) return [](bool, std::string) {};
  std::weak_ptr<Channel> weak = channel.shared_from_this();
  return [weak, token](bool ok, std::string data) {
    if (auto ch = weak.lock()) {
      Event e;
      e.type = Event::Type::done;
      e.token = token;
      e.ok = ok;
      e.data = std::move(data);
      ch->push(std::move(e));
    }
  };
}

uint64_t id_of(const Napi::Value& v) { return static_cast<uint64_t>(v.As<Napi::Number>().DoubleValue()); }

// layout(): this binding's protocol (bridge/protocol.h), which the worker checks against its own
// before it serves anything.
Napi::Value Layout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto event = [&](protocol::EventType type, size_t slots) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", Napi::Number::New(env, static_cast<double>(type)));
    o.Set("slots", Napi::Number::New(env, static_cast<double>(slots)));
    return o;
  };
  Napi::Object events = Napi::Object::New(env);
  events.Set("request", event(protocol::EventType::request, protocol::kRequestSlots));
  events.Set("done", event(protocol::EventType::done, protocol::kDoneSlots));
  events.Set("gone", event(protocol::EventType::gone, protocol::kGoneSlots));
  Napi::Array variables = Napi::Array::New(env, std::size(kRecordVariables));
  for (uint32_t i = 0; i < std::size(kRecordVariables); ++i) variables.Set(i, kRecordVariables[i]);
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", Napi::Number::New(env, protocol::kVersion));
  o.Set("events", events);
  o.Set("noReply", Napi::Number::New(env, protocol::kNoReply));
  o.Set("recordVariables", variables);
  return o;
}

// config(): what the worker must load.
Napi::Value Config(const Napi::CallbackInfo& info) {
  const Channel& ch = channel_of(info);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("app", ch.config().app_module);
  o.Set("export", ch.config().app_export);
  o.Set("workers", Napi::Number::New(info.Env(), ch.config().workers));
  o.Set("workerIndex", Napi::Number::New(info.Env(), ch.worker_index()));
  o.Set("validate", Napi::Boolean::New(info.Env(), ch.config().validate));
  // Exact up to 2^53, which the configuration enforces.
  o.Set("maxRequestBodyBytes", Napi::Number::New(info.Env(), static_cast<double>(ch.config().max_request_body_bytes)));
  return o;
}

// start(onEvents): from now on every batch of events goes to onEvents(batch).
Napi::Value Start(const Napi::CallbackInfo& info) {
  Channel& channel = channel_of(info);
  channel.attach(EventsFunction::create(info.Env(), info[0].As<Napi::Function>(), &channel));
  return info.Env().Undefined();
}

// ready(failure | null): the app is loaded, or it could not be ({kind, message}).
Napi::Value Ready(const Napi::CallbackInfo& info) {
  if (info[0].IsObject()) {
    Napi::Object f = info[0].As<Napi::Object>();
    channel_of(info).set_ready(StartFailure{f.Get("kind").ToString().Utf8Value(), f.Get("message").ToString().Utf8Value()});
  } else {
    channel_of(info).set_ready(std::nullopt);
  }
  return info.Env().Undefined();
}

// The request an operation from JS is for, and the completion that answers its token. Null when
// the request is over (its completion has then already reported failure). A final operation is
// the last JS will make on the request: the channel forgets it.
std::shared_ptr<RequestHandle> target_of(const Napi::CallbackInfo& info, bool final, Completion& done) {
  Channel& ch = channel_of(info);
  const uint64_t id = id_of(info[arg::id]);
  done = reply_to(ch, info[arg::token].As<Napi::Number>().DoubleValue());
  auto request = ch.find(id);
  if (!request) done(false, {});
  else if (final) ch.forget(id);
  return request;
}

// send(id, token, status|null, headers|null, chunk|null, final)
Napi::Value Send(const Napi::CallbackInfo& info) {
  const bool final = info[arg::send_final].ToBoolean();
  // The head is read first: if it is refused (a throw into JS), the request is still the JS side's
  // to abort.
  std::optional<ResponseHead> head = head_from(info[arg::status], info[arg::headers]);
  Completion done;
  if (auto request = target_of(info, final, done))
    request->send(std::move(head), bytes_from(info[arg::chunk]), final, std::move(done));
  return info.Env().Undefined();
}

// sendFile(id, token, status|null, headers|null, fd, offset, length, final)
Napi::Value SendFile(const Napi::CallbackInfo& info) {
  const bool final = info[arg::file_final].ToBoolean();
  std::optional<ResponseHead> head = head_from(info[arg::status], info[arg::headers]);
  Completion done;
  if (auto request = target_of(info, final, done))
    // libuv's descriptor is a C runtime one on Windows: the seam takes the OS handle under it.
    request->send_file(std::move(head), static_cast<OsFile>(uv_get_osfhandle(info[arg::fd].As<Napi::Number>().Int32Value())),
                       static_cast<uint64_t>(info[arg::offset].As<Napi::Number>().DoubleValue()),
                       static_cast<uint64_t>(info[arg::length].As<Napi::Number>().DoubleValue()), final, std::move(done));
  return info.Env().Undefined();
}

// read(id, token, max): the data arrives as a done event (no buffer: end of body).
Napi::Value Read(const Napi::CallbackInfo& info) {
  Completion done;
  if (auto request = target_of(info, false, done))
    request->read(static_cast<size_t>(info[arg::max].As<Napi::Number>().DoubleValue()), std::move(done));
  return info.Env().Undefined();
}

// abort(id, reason)
Napi::Value Abort(const Napi::CallbackInfo& info) {
  Channel& ch = channel_of(info);
  const uint64_t id = id_of(info[arg::id]);
  if (auto request = ch.find(id)) {
    ch.forget(id);
    request->abort(info[arg::reason].ToString().Utf8Value());
  }
  return info.Env().Undefined();
}

// serverVariable(id, name) → string | null
Napi::Value ServerVariable(const Napi::CallbackInfo& info) {
  auto request = channel_of(info).find(id_of(info[arg::id]));
  if (!request) return info.Env().Null();
  auto value = request->server_variable(info[arg::name].ToString().Utf8Value());
  return value ? Napi::String::New(info.Env(), *value) : info.Env().Null();
}

// trace(source, text)
Napi::Value Trace(const Napi::CallbackInfo& info) {
  channel_of(info).host().trace(info[0].ToString().Utf8Value(), info[1].ToString().Utf8Value());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!current_channel)
    throw Napi::Error::New(env, "isapi_bridge is only available on an isapi-node JavaScript worker's main thread");
  env.SetInstanceData(new Instance{current_channel});
  exports.Set("layout", Napi::Function::New(env, Layout, "layout"));
  exports.Set("config", Napi::Function::New(env, Config, "config"));
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("ready", Napi::Function::New(env, Ready, "ready"));
  exports.Set("send", Napi::Function::New(env, Send, "send"));
  exports.Set("sendFile", Napi::Function::New(env, SendFile, "sendFile"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  exports.Set("serverVariable", Napi::Function::New(env, ServerVariable, "serverVariable"));
  exports.Set("trace", Napi::Function::New(env, Trace, "trace"));
  return exports;
}

}  // namespace

napi_value register_bridge(napi_env env, napi_value exports) { return Napi::RegisterModule(env, exports, Init); }

}  // namespace isapi_node::bridge

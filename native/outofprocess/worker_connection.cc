#include "outofprocess/worker_connection.h"

#include <cstdlib>

namespace isapi_node::outofprocess {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Compares without stopping at the first difference: the time taken says nothing about the secret.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

constexpr unsigned kMinNodeMajor = 18;

bool known_failure_kind(const std::string& kind) {
  return kind == "app_not_found" || kind == "app_failed" || kind == "runtime_failed";
}

}  // namespace

WorkerConnection::WorkerConnection(std::unique_ptr<platform::Stream> stream, WorkerSettings settings, BackendHost& host)
    : stream_(std::move(stream)), settings_(std::move(settings)), host_(host), last_heard_(now_ms()) {}

std::chrono::milliseconds WorkerConnection::silent_for() const {
  return std::chrono::milliseconds(now_ms() - last_heard_.load());
}

std::string WorkerConnection::serve() {
  FrameSplitter splitter;
  char buffer[64 * 1024];
  std::string ended;
  try {
    for (;;) {
      const ptrdiff_t n = stream_->read(buffer, sizeof buffer);
      if (n <= 0) {
        ended = n == 0 ? "its connection closed" : "its connection failed";
        break;
      }
      last_heard_ = now_ms();
      splitter.feed(buffer, static_cast<size_t>(n));
      while (auto frame = splitter.next()) handle(*frame);
    }
  } catch (const ProtocolError& e) {
    ended = std::string("it broke the protocol: ") + e.what();
  } catch (const std::exception& e) {
    ended = std::string("its connection failed: ") + e.what();
  }
  stream_->close();
  settle_start(StartFailure{"runtime_failed", "the worker ended before it was ready (" + ended + ")"});
  return ended;
}

void WorkerConnection::settle_start(std::optional<StartFailure> failure) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (start_settled_) return;
    start_settled_ = true;
    start_failure_ = std::move(failure);
  }
  started_cv_.notify_all();
}

std::optional<StartFailure> WorkerConnection::wait_ready(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!started_cv_.wait_for(lock, timeout, [this] { return start_settled_; }))
    return StartFailure{"runtime_failed", "the worker did not load the app within " + std::to_string(timeout.count()) +
                                              " ms (\"startTimeoutMs\")"};
  return start_failure_;
}

void WorkerConnection::handle(const FrameSplitter::Frame& frame) {
  const FrameHeader& h = frame.header;
  const char* name = type_name(h.type);
  if (!(h.type & 0x40)) throw ProtocolError(std::string("the worker sent a ") + name + " frame, which only the extension sends");
  PayloadReader in(frame.payload.data(), frame.payload.size(), name);
  const auto type = static_cast<FrameType>(h.type);
  if (stage_ == Stage::hello && type != FrameType::hello) throw ProtocolError(std::string("a ") + name + " frame before HELLO");
  switch (type) {
    case FrameType::hello:
      if (stage_ != Stage::hello) throw ProtocolError("a second HELLO");
      return on_hello(in);
    case FrameType::ready:
      if (stage_ != Stage::ready) throw ProtocolError("a READY out of turn");
      return on_ready(h.flags, in);
    case FrameType::heartbeat:
      return in.end();
    case FrameType::trace: {
      std::string source = in.str();
      std::string text = in.str();
      in.end();
      return host_.trace(source, text);
    }
    default:
      break;
  }
  if (stage_ != Stage::serving) throw ProtocolError(std::string("a ") + name + " frame before READY");
  switch (type) {
    case FrameType::send: return on_send(h.id, h.flags, in);
    case FrameType::read: return on_read(h.id, in);
    case FrameType::abort: return on_abort(h.id, in);
    default: throw ProtocolError(std::string("an unexpected ") + name + " frame");
  }
}

void WorkerConnection::on_hello(PayloadReader& in) {
  const uint32_t version = in.u32();
  const uint32_t pid = in.u32();
  const std::string node_version = in.str();
  const std::string secret = in.rest();
  if (!same_secret(secret, settings_.secret)) throw ProtocolError("HELLO without the worker's secret");
  if (version != kProtocolVersion)
    throw ProtocolError("the worker speaks protocol version " + std::to_string(version) + ", this extension " +
                        std::to_string(kProtocolVersion) + ": its dist/ and the extension come from different builds");
  pid_ = pid;
  if (std::strtoul(node_version.c_str(), nullptr, 10) < kMinNodeMajor) {
    settle_start(StartFailure{"node_too_old", "the worker runs Node " + node_version + "; isapi-node needs Node " +
                                                  std::to_string(kMinNodeMajor) +
                                                  " or later: install it, or point \"nodePath\" at it"});
    throw ProtocolError("Node " + node_version + " is too old");
  }
  stage_ = Stage::ready;
  std::string welcome;
  FrameBuilder(welcome, FrameType::welcome, 0, 0).u32(kProtocolVersion).str(settings_.configuration).finish();
  write(std::move(welcome));
}

void WorkerConnection::on_ready(uint8_t flags, PayloadReader& in) {
  if (!(flags & flag::failed)) {
    in.end();
    stage_ = Stage::serving;
    return settle_start(std::nullopt);
  }
  std::string kind = in.str();
  std::string message = in.str();
  in.end();
  if (!known_failure_kind(kind)) kind = "runtime_failed";
  settle_start(StartFailure{kind, message});
}

std::shared_ptr<RequestHandle> WorkerConnection::forget(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = exchanges_.find(id);
  if (it == exchanges_.end()) return nullptr;
  if (!it->second.finished) --in_flight_;
  auto request = std::move(it->second.request);
  exchanges_.erase(it);
  return request;
}

void WorkerConnection::submit(std::shared_ptr<RequestHandle> request, Pairs vars) {
  const RequestRecord& r = request->record();
  const uint64_t id = r.id;
  std::string frame;
  FrameBuilder(frame, FrameType::request, 0, id)
      .u64(r.total_bytes < 0 ? kUnknownLength : static_cast<uint64_t>(r.total_bytes))
      .str(r.method)
      .str(r.path)
      .str(r.query)
      .str(r.raw_url)
      .pairs(r.headers)
      .pairs(vars)
      .rest(r.preload)
      .finish();
  bool closed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed = closed_;
    if (!closed) {
      exchanges_[id].request = request;
      ++in_flight_;
    }
  }
  if (closed) return request->fail(502, "the JavaScript worker ended before it took the request");
  // The client left, or the extension ended the request (timeout, shutdown): the worker is told,
  // and sends nothing more for it, so the request is ended here (a no-op when it already was).
  // The listener holds no reference (the request keeps the listener): forget() hands it back.
  request->on_client_gone([this, id] {
    auto forgotten = forget(id);
    if (!forgotten) return;
    std::string gone;
    FrameBuilder(gone, FrameType::gone, 0, id).finish();
    write(std::move(gone));
    forgotten->abort("the client is gone");
  });
  write(std::move(frame));
}

void WorkerConnection::on_send(uint64_t id, uint8_t flags, PayloadReader& in) {
  std::optional<ResponseHead> head;
  if (flags & flag::head) {
    head.emplace();
    head->status = in.str();
    head->headers = in.pairs();
  }
  std::string chunk = in.rest();
  const bool final = flags & flag::final;
  if (chunk.size() > kMaxChunk) throw ProtocolError("a SEND chunk of " + std::to_string(chunk.size()) + " bytes");
  std::shared_ptr<RequestHandle> request;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = exchanges_.find(id);
    if (it == exchanges_.end()) return;  // ended here while the worker was still answering
    Exchange& x = it->second;
    if (x.finished) throw ProtocolError("a SEND after the final one");
    // The worker is done with it: no longer its load, though IIS still has the last bytes to send.
    if (final) --in_flight_;
    x.finished = final;
    if (!final) x.unconfirmed += chunk.size();
    if (x.unconfirmed > kSendWindow + kSendOverrun)
      throw ProtocolError("request " + std::to_string(id) + " ran " + std::to_string(x.unconfirmed) +
                          " bytes ahead of its send credits");
    request = x.request;
  }
  const size_t bytes = chunk.size();
  request->send(std::move(head), std::move(chunk), final, [this, id, final, bytes](bool ok, std::string) {
    if (final) {
      forget(id);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = exchanges_.find(id);
      if (it == exchanges_.end()) return;
      it->second.unconfirmed -= bytes;
    }
    std::string sent;
    FrameBuilder(sent, FrameType::sent, ok ? 0 : flag::failed, id).u32(static_cast<uint32_t>(bytes)).finish();
    write(std::move(sent));
  });
}

void WorkerConnection::on_read(uint64_t id, PayloadReader& in) {
  const uint32_t max = in.u32();
  in.end();
  if (max == 0 || max > kMaxChunk) throw ProtocolError("a READ of " + std::to_string(max) + " bytes");
  std::shared_ptr<RequestHandle> request;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = exchanges_.find(id);
    if (it == exchanges_.end()) return;
    if (it->second.reading) throw ProtocolError("a second READ while one is outstanding");
    it->second.reading = true;
    request = it->second.request;
  }
  request->read(max, [this, id](bool ok, std::string data) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = exchanges_.find(id);
      if (it == exchanges_.end()) return;
      it->second.reading = false;
    }
    std::string body;
    FrameBuilder(body, FrameType::body, ok ? 0 : flag::failed, id).rest(ok ? data : std::string()).finish();
    write(std::move(body));
  });
}

void WorkerConnection::on_abort(uint64_t id, PayloadReader& in) {
  const std::string reason = in.str();
  in.end();
  if (auto request = forget(id)) request->abort(reason);
}

void WorkerConnection::fail_all(unsigned status, const std::string& reason) {
  std::unordered_map<uint64_t, Exchange> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(exchanges_);
    in_flight_ = 0;
    closed_ = true;
  }
  for (auto& [id, x] : left) x.request->fail(status, reason);
}

void WorkerConnection::write(std::string frame) {
  std::unique_lock<std::mutex> lock(out_mutex_);
  if (broken_) return;
  out_.append(frame);
  if (writing_) return;  // the thread writing takes it with its next batch
  writing_ = true;
  while (!out_.empty()) {
    std::string batch;
    batch.swap(out_);
    lock.unlock();
    const bool ok = stream_->write(batch.data(), batch.size());
    lock.lock();
    if (!ok) {
      // The reader sees the connection end and ends the worker.
      broken_ = true;
      out_.clear();
      stream_->close();
      break;
    }
  }
  writing_ = false;
}

}  // namespace isapi_node::outofprocess

#include "extension/isapi_request.h"

#include <algorithm>

#include "extension/failure_page.h"
#include "extension/request_record.h"
#include "isapi/server_variable.h"

namespace isapi_node {
namespace {

// The most a single body read asks IIS for.
constexpr size_t kMaxReadBytes = 256 * 1024;
// TRANSMIT_FILE carries 32-bit offsets and sizes; larger ranges go through VECTOR_SEND.
constexpr uint64_t kTransmitFileLimit = 0xFFFFFFFFull;

void add_memory(std::vector<HSE_VECTOR_ELEMENT>& elements, const std::string& bytes) {
  if (bytes.empty()) return;  // IIS refuses a memory element of size 0
  HSE_VECTOR_ELEMENT e{};
  e.ElementType = HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER;
  e.pvContext = const_cast<char*>(bytes.data());
  e.cbSize = bytes.size();
  elements.push_back(e);
}

}  // namespace

IsapiRequest::IsapiRequest(EXTENSION_CONTROL_BLOCK* ecb, uint64_t id, Defer defer, Ended ended)
    : ecb_(ecb), defer_(std::move(defer)), ended_(std::move(ended)) {
  record_.id = id;
}

void IsapiRequest::prepare() {
  ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<void*>(&IsapiRequest::io_completed),
                              nullptr, reinterpret_cast<DWORD*>(this));
  record_ = build_request_record(ecb_, record_.id);
}

void IsapiRequest::send(std::optional<ResponseHead> head, std::string chunk, bool final, Completion done) {
  Op op;
  op.kind = Op::Kind::send;
  op.head = std::move(head);
  op.chunk = std::move(chunk);
  op.final = final;
  op.done = std::move(done);
  enqueue(std::move(op));
}

void IsapiRequest::send_file(std::optional<ResponseHead> head, int fd, uint64_t offset, uint64_t length, bool final,
                             Completion done) {
  Op op;
  op.kind = Op::Kind::send_file;
  op.head = std::move(head);
  op.fd = fd;
  op.offset = offset;
  op.length = length;
  op.final = final;
  op.done = std::move(done);
  enqueue(std::move(op));
}

void IsapiRequest::read(size_t max, Completion done) {
  Op op;
  op.kind = Op::Kind::read;
  op.length = std::clamp<size_t>(max, 1, kMaxReadBytes);
  op.done = std::move(done);
  enqueue(std::move(op));
}

void IsapiRequest::abort_with(const std::string& reason, unsigned status) {
  bool unstick_read = false;
  std::deque<Op> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (session_ended_) return;
    // An abort replaces whatever was still queued, and nothing may follow it.
    const bool abort_queued =
        std::any_of(queue_.begin(), queue_.end(), [](const Op& o) { return o.kind == Op::Kind::abort; });
    if (abort_queued) return;
    dropped.swap(queue_);
    Op op;
    op.kind = Op::Kind::abort;
    op.status = status;
    op.reason = reason;
    queue_.push_back(std::move(op));
    final_queued_ = true;
    // A read waiting on a silent client would hold the abort back: cut the connection now.
    unstick_read = busy_ && current_.kind == Op::Kind::read;
  }
  for (auto& op : dropped)
    if (op.done) defer_([done = std::move(op.done)] { done(false, {}); });
  if (unstick_read) ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_CLOSE_CONNECTION, nullptr, nullptr, nullptr);
  pump();
}

std::optional<std::string> IsapiRequest::server_variable(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (session_ended_) return std::nullopt;  // the ECB is dead after DONE_WITH_SESSION
  }
  return isapi::server_variable(ecb_, name.c_str());
}

void IsapiRequest::on_client_gone(std::function<void()> listener) {
  bool already_gone;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    already_gone = client_gone_;
    if (!already_gone) gone_listener_ = std::move(listener);
  }
  if (already_gone) defer_(std::move(listener));
}

void IsapiRequest::enqueue(Op op) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!final_queued_ && !session_ended_) {
      if (op.final) final_queued_ = true;
      queue_.push_back(std::move(op));
      op.done = nullptr;
    }
  }
  if (op.done) defer_([done = std::move(op.done)] { done(false, {}); });  // refused: the response is over
  pump();
}

void IsapiRequest::pump() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (busy_ || queue_.empty() || session_ended_) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    self_ = shared_from_this();
  }
  const Issued issued = issue(current_);
  if (issued == Issued::started) return;
  // Finished without IIS: complete from the pool, never inside the caller's send()/read().
  defer_([self = shared_from_this(), ok = issued == Issued::done_ok] { self->finish_op(ok, 0); });
}

IsapiRequest::Issued IsapiRequest::issue(Op& op) {
  switch (op.kind) {
    case Op::Kind::send: return issue_send(op);
    case Op::Kind::send_file: return issue_send_file(op);
    case Op::Kind::read: return issue_read(op);
    case Op::Kind::abort: return issue_abort(op);
  }
  return Issued::failed;
}

void IsapiRequest::prepare_head(Op& op, std::optional<uint64_t> one_shot_length) {
  framing_ = frame_head(*op.head, record_.method, one_shot_length);
  op.status_line = op.head->status;
  op.header_block = framing_.header_block;
  head_sent_ = true;
}

IsapiRequest::Issued IsapiRequest::issue_vector(Op& op, bool with_head) {
  if (!with_head && op.elements.empty()) return Issued::done_ok;
  op.vector = HSE_RESPONSE_VECTOR{};
  op.vector.dwFlags = HSE_IO_ASYNC | (with_head ? HSE_IO_SEND_HEADERS : 0) | (op.final ? HSE_IO_FINAL_SEND : 0);
  op.vector.pszStatus = with_head ? const_cast<char*>(op.status_line.c_str()) : nullptr;
  op.vector.pszHeaders = with_head ? const_cast<char*>(op.header_block.c_str()) : nullptr;
  op.vector.nElementCount = static_cast<DWORD>(op.elements.size());
  op.vector.lpElementArray = op.elements.empty() ? nullptr : op.elements.data();
  return ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_VECTOR_SEND, &op.vector, nullptr, nullptr) ? Issued::started
                                                                                                       : Issued::failed;
}

IsapiRequest::Issued IsapiRequest::issue_send(Op& op) {
  const bool with_head = op.head.has_value();
  if (with_head == head_sent_) return Issued::failed;  // the head goes exactly once, first
  if (with_head) prepare_head(op, op.final ? std::optional<uint64_t>(op.chunk.size()) : std::nullopt);
  const bool body = framing_.body_allowed && !op.chunk.empty();
  if (body && framing_.chunked) op.prefix = chunk_prefix(op.chunk.size());
  if (body && framing_.chunked) op.suffix = kChunkSuffix;
  if (op.final && framing_.chunked) op.suffix += kLastChunk;
  add_memory(op.elements, op.prefix);
  if (body) add_memory(op.elements, op.chunk);
  add_memory(op.elements, op.suffix);
  return issue_vector(op, with_head);
}

IsapiRequest::Issued IsapiRequest::issue_send_file(Op& op) {
  const bool with_head = op.head.has_value();
  if (with_head == head_sent_ || op.fd <= 0) return Issued::failed;
  if (with_head) prepare_head(op, op.final ? std::optional<uint64_t>(op.length) : std::nullopt);
  const bool body = framing_.body_allowed && op.length > 0;
  const bool fits_transmit = op.offset <= kTransmitFileLimit && op.length <= kTransmitFileLimit;
  if (body && !framing_.chunked && fits_transmit) {
    HSE_TF_INFO& tf = op.transmit;
    tf = HSE_TF_INFO{};
    tf.hFile = ISAPI_FD_TO_HANDLE(op.fd);
    tf.pszStatusCode = with_head ? op.status_line.c_str() : nullptr;
    tf.BytesToWrite = static_cast<DWORD>(op.length);
    tf.Offset = static_cast<DWORD>(op.offset);
    tf.pHead = with_head ? const_cast<char*>(op.header_block.data()) : nullptr;
    tf.HeadLength = with_head ? static_cast<DWORD>(op.header_block.size()) : 0;
    tf.dwFlags = HSE_IO_ASYNC | (with_head ? HSE_IO_SEND_HEADERS : 0);
    return ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_TRANSMIT_FILE, &tf, nullptr, nullptr) ? Issued::started
                                                                                                    : Issued::failed;
  }
  if (body && framing_.chunked) op.prefix = chunk_prefix(op.length);
  add_memory(op.elements, op.prefix);
  if (body) {
    HSE_VECTOR_ELEMENT e{};
    e.ElementType = HSE_VECTOR_ELEMENT_TYPE_FILE_HANDLE;
    e.pvContext = ISAPI_FD_TO_HANDLE(op.fd);
    e.cbOffset = op.offset;
    e.cbSize = op.length;
    op.elements.push_back(e);
  }
  if (body && framing_.chunked) op.suffix = kChunkSuffix;
  if (op.final && framing_.chunked) op.suffix += kLastChunk;
  add_memory(op.elements, op.suffix);
  return issue_vector(op, with_head);
}

IsapiRequest::Issued IsapiRequest::issue_read(Op& op) {
  uint64_t want = op.length;
  if (record_.total_bytes >= 0) {
    const uint64_t known = static_cast<uint64_t>(record_.total_bytes);
    const uint64_t had = record_.preload.size() + body_read_;
    if (had >= known) return Issued::done_ok;  // the body is complete: an empty read means "end"
    want = std::min<uint64_t>(want, known - had);
  }
  op.length = want;
  if (!read_buffer_) read_buffer_.reset(new char[kMaxReadBytes]);
  DWORD size = static_cast<DWORD>(want), flags = HSE_IO_ASYNC;
  return ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_ASYNC_READ_CLIENT, read_buffer_.get(), &size, &flags)
             ? Issued::started
             : Issued::failed;
}

IsapiRequest::Issued IsapiRequest::issue_abort(Op& op) {
  if (head_sent_) {
    // Headers are out: the only honest end is to cut the connection.
    ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_CLOSE_CONNECTION, nullptr, nullptr, nullptr);
    op.connection_cut = true;
    return Issued::done_ok;
  }
  const Page page = op.status == 503
                        ? error_page(503, "Service Unavailable", "The application is shutting down; try again.")
                        : error_page(500, "Internal Server Error", "The application failed to answer this request.");
  op.head = ResponseHead{page.status, {}};
  op.status_line = page.status;
  op.header_block = page.header_block;
  op.chunk = page.body;
  framing_ = Framing{};
  framing_.body_allowed = record_.method != "HEAD";
  head_sent_ = true;
  op.final = true;
  if (framing_.body_allowed) add_memory(op.elements, op.chunk);
  return issue_vector(op, true);
}

void WINAPI IsapiRequest::io_completed(EXTENSION_CONTROL_BLOCK*, PVOID ctx, DWORD bytes, DWORD error) {
  static_cast<IsapiRequest*>(ctx)->finish_op(error == 0, bytes);
}

void IsapiRequest::finish_op(bool ok, DWORD bytes) {
  Op op;
  std::shared_ptr<IsapiRequest> keep;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    op = std::move(current_);
    current_ = Op{};
    busy_ = false;
    keep = std::move(self_);
  }
  std::string data;
  if (op.kind == Op::Kind::read && ok) {
    data.assign(read_buffer_.get(), std::min<uint64_t>(bytes, op.length));
    body_read_ += data.size();
    // A known-length body that stops short means the client closed the connection.
    const bool truncated = data.empty() && record_.total_bytes >= 0 &&
                           record_.preload.size() + body_read_ < static_cast<uint64_t>(record_.total_bytes);
    if (truncated) ok = false;
  }
  if (!ok && op.kind != Op::Kind::abort) mark_client_gone();
  if (op.done) op.done(ok, std::move(data));
  if (!ok || op.final || op.kind == Op::Kind::abort) return end_session(!ok || op.connection_cut);
  pump();
}

void IsapiRequest::mark_client_gone() {
  std::function<void()> listener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (client_gone_) return;
    client_gone_ = true;
    listener = std::move(gone_listener_);
  }
  if (listener) listener();
}

void IsapiRequest::fail_queued() {
  std::deque<Op> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(queue_);
  }
  for (auto& op : dropped)
    if (op.done) defer_([done = std::move(op.done)] { done(false, {}); });
}

void IsapiRequest::end_session(bool failed) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (session_ended_) return;
    session_ended_ = true;
    final_queued_ = true;
  }
  DWORD status = failed ? HSE_STATUS_ERROR : HSE_STATUS_SUCCESS;
  ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, nullptr, nullptr);
  fail_queued();
  ended_(this);
}

}  // namespace isapi_node

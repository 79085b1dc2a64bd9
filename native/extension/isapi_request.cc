#include "extension/isapi_request.h"

#include <algorithm>

#include "extension/no_throw.h"
#include "extension/request_record.h"
#include "isapi/server_variable.h"

namespace isapi_node {

IsapiRequest::EcbCall::EcbCall(IsapiRequest& request) : request_(request) {
  std::lock_guard<std::mutex> lock(request_.mutex_);
  entered_ = !request_.ending_;
  if (entered_) ++request_.ecb_calls_;
}

IsapiRequest::EcbCall::~EcbCall() {
  if (entered_) request_.leave_ecb();
}

IsapiRequest::IsapiRequest(EXTENSION_CONTROL_BLOCK* ecb, uint64_t id, BackendHost& host, Defer defer, Ended ended)
    : ecb_(ecb), host_(host), defer_(std::move(defer)), ended_(std::move(ended)) {
  record_.id = id;
}

bool IsapiRequest::prepare() {
  auto keep = shared_from_this();
  const bool ok = no_throw("preparing a request", false, [&] {
    EcbCall call(*this);
    if (!call.entered()) return false;
    if (!ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_IO_COMPLETION,
                                     reinterpret_cast<void*>(&IsapiRequest::io_completed), nullptr,
                                     reinterpret_cast<DWORD*>(this)))
      return false;
    record_ = build_request_record(ecb_, record_.id);
    return true;
  });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    prepared_ = ok;
  }
  if (!ok) {
    // Without a completion routine nothing asynchronous can be done: IIS answers the 500.
    end_session(true);
    return false;
  }
  pump();  // an abort may have been queued meanwhile (shutdown)
  return true;
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

void IsapiRequest::send_file(std::optional<ResponseHead> head, OsFile file, uint64_t offset, uint64_t length, bool final,
                             Completion done) {
  Op op;
  op.kind = Op::Kind::send_file;
  op.head = std::move(head);
  // Our own handle, taken now: the app may close its descriptor (and the number be reused) while
  // IIS still reads the file.
  op.file = std::make_shared<platform::FileCopy>(file);
  op.offset = offset;
  op.length = length;
  op.final = final;
  op.done = std::move(done);
  if (!op.file->valid()) {
    host_.trace("isapi-node", "request " + std::to_string(record_.id) + ": cannot duplicate file handle " +
                                  std::to_string(file) + " for TRANSMIT_FILE");
    defer_([done = std::move(op.done)] { done(false, {}); });
    return;
  }
  enqueue(std::move(op));
}

void IsapiRequest::read(size_t max, Completion done) {
  Op op;
  op.kind = Op::Kind::read;
  op.length = std::clamp<size_t>(max, 1, kMaxReadBytes);
  op.done = std::move(done);
  enqueue(std::move(op));
}

void IsapiRequest::abort_with(const std::string& reason, unsigned status, bool cut_outstanding, bool announce_gone) {
  auto keep = shared_from_this();
  bool cut = false;
  std::deque<Op> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_ || ending_) return;
    const bool abort_queued =
        std::any_of(queue_.begin(), queue_.end(), [](const Op& o) { return o.kind == Op::Kind::abort; });
    if (abort_queued && !cut_outstanding) return;
    if (!abort_queued) {
      // An abort replaces whatever was still queued, and nothing may follow it.
      dropped.swap(queue_);
      Op op;
      op.kind = Op::Kind::abort;
      op.status = status;
      op.reason = reason;
      queue_.push_back(std::move(op));
      final_queued_ = true;
    }
    // A read waiting on a silent client, or (at the deadline) a send to one that stopped reading,
    // would hold the abort back: closing the connection makes IIS complete it now.
    cut = busy_ && (cut_outstanding || current_.kind == Op::Kind::read);
    if (cut) ++ecb_calls_;
  }
  if (announce_gone) mark_client_gone();
  for (auto& op : dropped)
    if (op.done) defer_([done = std::move(op.done)] { done(false, {}); });
  if (cut) {
    no_throw("closing a connection", [&] {
      ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_CLOSE_CONNECTION, nullptr, nullptr, nullptr);
    });
    leave_ecb();
  }
  pump();
}

void IsapiRequest::time_out(uint32_t timeout_ms) {
  if (timed_out_.exchange(true)) return;
  host_.trace("isapi-node", "request " + std::to_string(record_.id) + " (" + record_.method + " " + record_.path +
                                ") ran past \"requestTimeoutMs\" (" + std::to_string(timeout_ms) +
                                " ms): ending it with 504, or closing its connection if its headers had left");
  // An operation still outstanding (a client that stopped reading) is cut short too, and the app
  // learns it as it learns of a client that left: isapi.signal fires.
  abort_with("the request timed out", 504, true, true);
}

void IsapiRequest::check_connected() {
  auto keep = shared_from_this();
  {
    // An outstanding operation reports a client that left by itself, through its completion.
    std::lock_guard<std::mutex> lock(mutex_);
    if (!prepared_ || busy_ || client_gone_ || closing_ || ending_) return;
  }
  BOOL connected = TRUE;
  {
    EcbCall call(*this);
    if (!call.entered()) return;
    if (!ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_IS_CONNECTED, &connected, nullptr, nullptr)) return;
  }
  if (!connected) mark_client_gone();
}

std::optional<std::string> IsapiRequest::server_variable(const std::string& name) {
  auto keep = shared_from_this();
  EcbCall call(*this);
  if (!call.entered()) return std::nullopt;  // the ECB is dead (or about to be) after DONE_WITH_SESSION
  return isapi::server_variable_as_utf8(ecb_, name.c_str());
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
    if (!final_queued_ && !closing_ && !ending_) {
      if (op.final) final_queued_ = true;
      queue_.push_back(std::move(op));
      op.done = nullptr;
    }
  }
  if (op.done) defer_([done = std::move(op.done)] { done(false, {}); });  // refused: the response is over
  pump();
}

void IsapiRequest::pump() {
  auto keep = shared_from_this();
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pumping_ || busy_ || queue_.empty() || !prepared_ || closing_ || ending_) return;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      pumping_ = true;
      ++ecb_calls_;
      self_ = keep;
    }
    Issued issued = Issued::failed;
    no_throw("issuing an IIS operation", [&] { issued = issue(current_); });
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pumping_ = false;
    }
    leave_ecb();
    if (issued != Issued::started) {
      // Finished without IIS: complete from the pool, never inside the caller's send()/read().
      defer_([keep, error = issued == Issued::done_ok ? DWORD{0} : DWORD{ERROR_INVALID_PARAMETER}] {
        keep->finish_op(error, 0);
      });
      return;
    }
    // Started: if its completion already ran (inline, or on another thread), the next operation
    // is this loop's to issue.
  }
}

void WINAPI IsapiRequest::io_completed(EXTENSION_CONTROL_BLOCK*, PVOID ctx, DWORD bytes, DWORD error) {
  no_throw("an I/O completion", [&] { static_cast<IsapiRequest*>(ctx)->finish_op(error, bytes); });
}

void IsapiRequest::finish_op(DWORD error, DWORD bytes) {
  Op op;
  std::shared_ptr<IsapiRequest> keep;
  std::string data;
  bool ok, ending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    op = std::move(current_);
    current_ = Op{};
    keep = std::move(self_);
    // The end of a chunked upload comes as a read of 0 bytes, with no error or with ERROR_HANDLE_EOF.
    ok = error == 0 || (op.kind == Op::Kind::read && error == ERROR_HANDLE_EOF && bytes == 0);
    if (op.kind == Op::Kind::read && ok) {
      // Copied before busy_ clears: the next read reuses the buffer.
      const size_t got = std::min<uint64_t>(bytes, op.length);
      if (got > 0) data.assign(read_buffer_.get(), got);
      body_read_ += got;
      // A known-length body that stops short means the client closed the connection.
      const bool truncated = got == 0 && record_.total_bytes >= 0 &&
                             record_.preload.size() + body_read_ < static_cast<uint64_t>(record_.total_bytes);
      if (truncated) ok = false;
    }
    if (op.kind == Op::Kind::read) read_buffer_.reset();
    // Decided together with clearing busy_, so that no other thread issues an operation after the last.
    ending = !ok || op.final || op.kind == Op::Kind::abort;
    if (ending) closing_ = true;
    busy_ = false;
  }
  if (!ok && op.kind != Op::Kind::abort) mark_client_gone();
  if (op.done) {
    const bool reply = ok && !op.refused;
    no_throw("a completion", [&] { op.done(reply, std::move(data)); });
  }
  if (ending) return end_session(!ok || op.connection_cut);
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
  if (listener) no_throw("a client-gone listener", listener);
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
  bool send_now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ending_) return;
    ending_ = true;
    closing_ = true;
    final_queued_ = true;
    end_failed_ = failed;
    // With an ECB call in progress on another thread (or up this one's stack), its end sends DONE.
    send_now = ecb_calls_ == 0;
    if (send_now) session_ended_ = true;
  }
  if (send_now) send_done();
}

void IsapiRequest::leave_ecb() {
  bool send_now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --ecb_calls_;
    send_now = ending_ && ecb_calls_ == 0 && !session_ended_;
    if (send_now) session_ended_ = true;
  }
  if (send_now) send_done();
}

void IsapiRequest::send_done() {
  // The last use of the ECB: IIS may free it as soon as this call is made.
  no_throw("ending a request", [&] {
    DWORD status = end_failed_ ? HSE_STATUS_ERROR : HSE_STATUS_SUCCESS;
    ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, nullptr, nullptr);
  });
  no_throw("failing queued operations", [&] { fail_queued(); });
  no_throw("forgetting a request", [&] { ended_(this); });
}

}  // namespace isapi_node

// The session's data movement: response headers, WriteClient, VECTOR_SEND, TRANSMIT_FILE and
// reading the rest of the request body, synchronously or with one async operation at a time.
//
// An async operation's completion takes the route its SessionHostility picks when it starts:
// after the I/O on the connection's thread (own), on the IIS pool (other, delayed), or inline:
// the I/O is done synchronously inside the call and the completion runs before the call returns,
// as Apache does. The inline completion runs with mutex_ released: it usually starts the next
// operation, which takes the lock again.

#include <cstring>

#include "host/platform.h"
#include "host/session.h"

namespace host {
using boost::system::error_code;

namespace {


}  // namespace

bool Session::begin_async_locked(const char* what) {
  if (async_pending_) {
    violation(Violation::concurrent_async, std::string(what) + " while another async operation is outstanding");
    return false;
  }
  async_pending_ = true;
  return true;
}

void Session::complete_async(PFN_HSE_IO_COMPLETION fn, void* fn_ctx, DWORD bytes, DWORD error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Cleared before the callback runs: the callback usually starts the next operation.
    async_pending_ = false;
    if (!fn) {
      fn = completion_;
      fn_ctx = completion_ctx_;
    }
  }
  if (fn) fn(&ecb_, fn_ctx, bytes, error);
  maybe_finish();
}

void Session::deliver_completion(CompletionRoute route, PFN_HSE_IO_COMPLETION fn, void* fn_ctx, DWORD bytes,
                                 DWORD error) {
  auto deliver = [self = shared_from_this(), fn, fn_ctx, bytes, error] { self->complete_async(fn, fn_ctx, bytes, error); };
  switch (route) {
    case CompletionRoute::other:
      return ctx_.iis_pool.post(std::move(deliver));
    case CompletionRoute::delayed:
      return ctx_.iis_pool.post_after(hostility_.completion_delay(), std::move(deliver));
    case CompletionRoute::own:
    case CompletionRoute::inline_call:
      return deliver();
  }
}

DWORD Session::read_completion_error(error_code ec, size_t got) {
  if (ec) return ERROR_NETNAME_DELETED;
  // The end of a chunked body (cbTotalBytes 0xFFFFFFFF): IIS may report it as a read of 0 bytes
  // with ERROR_HANDLE_EOF rather than with no error.
  if (got == 0 && request_.chunked && hostility_.end_chunked_body_with_error()) return ERROR_HANDLE_EOF;
  return 0;
}

std::string Session::head_for_locked(const char* status, const char* headers, bool keep_conn) {
  return response_.start(status ? status : "", headers ? headers : "", keep_conn);
}

void Session::add_body_locked(SendPlan& plan, const void* data, size_t size) {
  const bool was_overflowing = response_.body_overflowed();
  const uint64_t admitted = response_.admit_body(size);
  if (response_.body_overflowed() && !was_overflowing)
    violation(Violation::body_beyond_content_length,
              "the extension wrote past its Content-Length of " + std::to_string(*response_.declared_length()));
  response_.observe_chunked(std::string_view(static_cast<const char*>(data), admitted));
  plan.add_memory(data, admitted);
}

// Called with mutex_ held (in `lock`): a synchronous send keeps the socket to itself until it is done.
BOOL Session::send_plan(std::unique_lock<std::mutex>& lock, std::shared_ptr<SendPlan> plan, bool async,
                        PFN_HSE_IO_COMPLETION fn, void* fn_ctx) {
  if (!async) {
    if (plan->empty()) return TRUE;
    if (error_code ec = plan->write_sync(connection_->socket())) {
      client_gone_ = true;
      return fail(ERROR_NETNAME_DELETED);
    }
    return TRUE;
  }
  CompletionRoute route = hostility_.pick_completion();
  // IIS completes a send inside the call only when the socket takes it at once; it never holds the
  // caller's thread (and, here, the session lock) waiting on a client that does not read.
  if (route == CompletionRoute::inline_call && !connection_->can_write_now(plan->wire_bytes()))
    route = CompletionRoute::other;
  if (route == CompletionRoute::inline_call) {
    const error_code ec = plan->write_sync(connection_->socket());
    if (ec) client_gone_ = true;
    lock.unlock();
    complete_async(fn, fn_ctx, ec ? 0 : static_cast<DWORD>(plan->extension_bytes()), ec ? ERROR_NETNAME_DELETED : 0);
    return TRUE;
  }
  SendPlan::write_async(plan, connection_->socket(),
                        [self = shared_from_this(), fn, fn_ctx, route](error_code ec, uint64_t sent) {
                          if (ec) {
                            std::lock_guard<std::mutex> lock(self->mutex_);
                            self->client_gone_ = true;
                          }
                          self->deliver_completion(route, fn, fn_ctx, static_cast<DWORD>(sent), ec ? ERROR_NETNAME_DELETED : 0);
                        });
  return TRUE;
}

BOOL Session::send_response_header(const char* status, const char* headers, bool keep_conn) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (async_pending_) {
    violation(Violation::io_during_async, "response headers sent while an async operation is outstanding");
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (response_.head_sent()) {
    violation(Violation::headers_sent_twice, "response headers sent a second time");
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (client_gone_) return fail(ERROR_NETNAME_DELETED);
  auto plan = std::make_shared<SendPlan>();
  plan->set_head(head_for_locked(status, headers, keep_conn));
  return send_plan(lock, plan, false, nullptr, nullptr);
}

BOOL Session::write_client(void* buffer, DWORD* bytes, DWORD flags) {
  if (!bytes || (*bytes && !buffer)) return fail(ERROR_INVALID_PARAMETER);
  const bool async = (flags & HSE_IO_ASYNC) != 0;
  std::unique_lock<std::mutex> lock(mutex_);
  if (!async && async_pending_) {
    violation(Violation::io_during_async, "synchronous WriteClient while an async operation is outstanding");
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (async && !begin_async_locked("async WriteClient")) return fail(ERROR_INVALID_PARAMETER);
  if (client_gone_) {
    async_pending_ = false;
    return fail(ERROR_NETNAME_DELETED);
  }
  auto plan = std::make_shared<SendPlan>();
  // Body bytes before any header: IIS sends them under a default "200 OK".
  if (!response_.head_sent()) plan->set_head(head_for_locked(nullptr, nullptr, true));
  add_body_locked(*plan, buffer, *bytes);
  return send_plan(lock, plan, async, nullptr, nullptr);
}

BOOL Session::vector_send(const HSE_RESPONSE_VECTOR* v) {
  if (!v || (v->nElementCount && !v->lpElementArray)) return fail(ERROR_INVALID_PARAMETER);
  const DWORD flags = v->dwFlags;
  const bool async = (flags & HSE_IO_ASYNC) != 0;
  const bool send_headers = (flags & HSE_IO_SEND_HEADERS) != 0;
  // Status and headers come exactly when HSE_IO_SEND_HEADERS says so.
  if (send_headers != (v->pszStatus != nullptr) || send_headers != (v->pszHeaders != nullptr)) {
    violation(Violation::bad_argument, "VECTOR_SEND: pszStatus/pszHeaders must be set exactly with HSE_IO_SEND_HEADERS");
    return fail(ERROR_INVALID_PARAMETER);
  }
  // Check every element before anything is sent: a refused call sends nothing.
  struct FileRange { HANDLE file; uint64_t offset, size; };
  std::vector<FileRange> files(v->nElementCount);
  for (DWORD i = 0; i < v->nElementCount; ++i) {
    const HSE_VECTOR_ELEMENT& e = v->lpElementArray[i];
    if (e.ElementType == HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER) {
      if (e.cbSize == 0 || !e.pvContext) {
        violation(Violation::bad_argument, "VECTOR_SEND: a memory element of size 0 or without a buffer");
        return fail(ERROR_INVALID_PARAMETER);
      }
    } else if (e.ElementType == HSE_VECTOR_ELEMENT_TYPE_FILE_HANDLE) {
      const HANDLE file = static_cast<HANDLE>(e.pvContext);
      const int64_t size = platform::regular_file_size(file);
      if (size < 0 || e.cbOffset > static_cast<uint64_t>(size)) return fail(ERROR_INVALID_PARAMETER);
      const uint64_t length = e.cbSize ? e.cbSize : static_cast<uint64_t>(size) - e.cbOffset;
      if (e.cbOffset + length > static_cast<uint64_t>(size)) return fail(ERROR_INVALID_PARAMETER);
      files[i] = {file, e.cbOffset, length};
    } else {
      return fail(ERROR_INVALID_PARAMETER);
    }
  }

  std::unique_lock<std::mutex> lock(mutex_);
  if (!async && async_pending_) {
    violation(Violation::io_during_async, "synchronous VECTOR_SEND while an async operation is outstanding");
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (send_headers && response_.head_sent()) {
    violation(Violation::headers_sent_twice, "VECTOR_SEND with HSE_IO_SEND_HEADERS after the headers were sent");
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (async && !begin_async_locked("async VECTOR_SEND")) return fail(ERROR_INVALID_PARAMETER);
  if (client_gone_) {
    if (async) async_pending_ = false;
    return fail(ERROR_NETNAME_DELETED);
  }
  auto plan = std::make_shared<SendPlan>();
  if (send_headers || !response_.head_sent())
    plan->set_head(head_for_locked(v->pszStatus, v->pszHeaders, (flags & HSE_IO_DISCONNECT_AFTER_SEND) == 0));
  for (DWORD i = 0; i < v->nElementCount; ++i) {
    const HSE_VECTOR_ELEMENT& e = v->lpElementArray[i];
    if (e.ElementType == HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER) {
      add_body_locked(*plan, static_cast<const char*>(e.pvContext) + e.cbOffset, static_cast<size_t>(e.cbSize));
    } else {
      plan->add_file(files[i].file, files[i].offset, response_.admit_body(files[i].size));
    }
  }
  if (flags & HSE_IO_DISCONNECT_AFTER_SEND) close_requested_ = true;
  return send_plan(lock, plan, async, nullptr, nullptr);
}

BOOL Session::transmit_file(const HSE_TF_INFO* tf) {
  if (!tf) return fail(ERROR_INVALID_PARAMETER);
  if (!(tf->dwFlags & HSE_IO_ASYNC)) {
    violation(Violation::bad_argument, "TRANSMIT_FILE is asynchronous only: HSE_IO_ASYNC is required");
    return fail(ERROR_INVALID_PARAMETER);
  }
  const int64_t size = platform::regular_file_size(tf->hFile);
  if (size < 0) return fail(ERROR_INVALID_HANDLE);
  if (tf->Offset > static_cast<uint64_t>(size)) return fail(ERROR_INVALID_PARAMETER);
  const uint64_t length = tf->BytesToWrite ? tf->BytesToWrite : static_cast<uint64_t>(size) - tf->Offset;
  if (tf->Offset + length > static_cast<uint64_t>(size)) return fail(ERROR_INVALID_PARAMETER);
  const bool send_headers = (tf->dwFlags & HSE_IO_SEND_HEADERS) != 0;

  std::unique_lock<std::mutex> lock(mutex_);
  if (send_headers && response_.head_sent()) {
    violation(Violation::headers_sent_twice, "TRANSMIT_FILE with HSE_IO_SEND_HEADERS after the headers were sent");
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (!begin_async_locked("TRANSMIT_FILE")) return fail(ERROR_INVALID_PARAMETER);
  if (client_gone_) {
    async_pending_ = false;
    return fail(ERROR_NETNAME_DELETED);
  }
  auto plan = std::make_shared<SendPlan>();
  const bool keep = (tf->dwFlags & HSE_IO_DISCONNECT_AFTER_SEND) == 0;
  if (send_headers) {
    // With HSE_IO_SEND_HEADERS, pHead is the header block and pszStatusCode the status.
    std::string block = tf->pHead ? (tf->HeadLength ? std::string(static_cast<const char*>(tf->pHead), tf->HeadLength)
                                                    : std::string(static_cast<const char*>(tf->pHead)))
                                  : std::string();
    plan->set_head(head_for_locked(tf->pszStatusCode, block.c_str(), keep));
  } else {
    if (!response_.head_sent()) plan->set_head(head_for_locked(nullptr, nullptr, keep));
    if (tf->pHead && tf->HeadLength) add_body_locked(*plan, tf->pHead, tf->HeadLength);
  }
  plan->add_file(tf->hFile, tf->Offset, response_.admit_body(length));
  if (tf->pTail && tf->TailLength) add_body_locked(*plan, tf->pTail, tf->TailLength);
  if (!keep) close_requested_ = true;
  // The request's own completion routine, when given, overrides the registered one.
  return send_plan(lock, plan, true, tf->pfnHseIO, tf->pfnHseIO ? tf->pContext : nullptr);
}

BOOL Session::read_client(void* buffer, DWORD* size) {
  if (!size || (*size && !buffer)) return fail(ERROR_INVALID_PARAMETER);
  std::lock_guard<std::mutex> lock(mutex_);
  if (async_pending_) {
    violation(Violation::io_during_async, "ReadClient while an async operation is outstanding");
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (*size == 0) return TRUE;
  error_code ec;
  const size_t got = connection_->read_body(buffer, *size, ec);
  if (ec) {
    // IIS reports a client that went away mid-body as a read of 0 bytes; the connection cannot be
    // reused, since the rest of the body never arrived.
    client_gone_ = true;
    *size = 0;
    return TRUE;
  }
  *size = static_cast<DWORD>(got);
  return TRUE;
}

BOOL Session::async_read_client(void* buffer, DWORD* size) {
  if (!buffer || !size || *size == 0) return fail(ERROR_INVALID_PARAMETER);
  std::unique_lock<std::mutex> lock(mutex_);
  if (!begin_async_locked("ASYNC_READ_CLIENT")) return fail(ERROR_INVALID_PARAMETER);
  CompletionRoute route = hostility_.pick_completion();
  // IIS completes a read inside the call only when the bytes are already there; it never holds the
  // caller's thread waiting on the client (a JavaScript worker's thread, for isapi-node).
  if (route == CompletionRoute::inline_call && !connection_->body_ready()) route = CompletionRoute::other;
  if (route == CompletionRoute::inline_call) {
    // The bytes are there: read them as ReadClient would, then the completion before the call returns.
    error_code ec;
    const size_t got = connection_->read_body(buffer, *size, ec);
    if (ec) client_gone_ = true;  // the rest of the body will never arrive
    lock.unlock();
    complete_async(nullptr, nullptr, static_cast<DWORD>(got), read_completion_error(ec, got));
    return TRUE;
  }
  connection_->async_read_body(buffer, *size, [self = shared_from_this(), route](error_code ec, size_t got) {
    if (ec) {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->client_gone_ = true;  // the rest of the body will never arrive
    }
    self->deliver_completion(route, nullptr, nullptr, static_cast<DWORD>(got), self->read_completion_error(ec, got));
  });
  return TRUE;
}

}  // namespace host

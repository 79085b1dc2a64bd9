#include "host/session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/string.hpp>
#include <algorithm>
#include <cstring>

#include "host/callbacks.h"
#include "host/code_page.h"
#include "host/server_variables.h"
#include "host/utf16.h"

namespace host {

Session::Session(ServerContext& ctx, std::shared_ptr<Connection> connection, uint64_t id, RequestInfo request,
                 std::string preload)
    : ctx_(ctx),
      connection_(std::move(connection)),
      request_(std::move(request)),
      id_(id),
      hostility_(ctx.options.hostility, id),
      method_(request_.method),
      query_(request_.query),
      // In the ANSI code page, as the URL and PATH_TRANSLATED server variables (code_page.h).
      path_(ctx.options.code_page->encode(request_.path)),
      path_translated_(ctx.options.code_page->encode(ctx.site.physical_path_of(request_.path))),
      content_type_(request_.header("Content-Type").value_or("")),
      preload_(std::move(preload)),
      response_(request_.method == "HEAD", request_.keep_alive, request_.version) {
  std::memset(&ecb_, 0, sizeof ecb_);
  ecb_.cbSize = sizeof ecb_;
  ecb_.dwVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
  ecb_.ConnID = reinterpret_cast<HCONN>(static_cast<uintptr_t>(id_));
  ecb_.dwHttpStatusCode = 200;
  ecb_.lpszMethod = method_.data();
  ecb_.lpszQueryString = query_.data();
  ecb_.lpszPathInfo = path_.data();
  ecb_.lpszPathTranslated = path_translated_.data();
  ecb_.lpszContentType = content_type_.data();
  // 0xFFFFFFFF: "4 GB or more, or unknown" (chunked): the extension reads until ReadClient gives 0.
  const uint64_t total = request_.chunked ? 0xFFFFFFFFull : request_.content_length.value_or(0);
  ecb_.cbTotalBytes = static_cast<DWORD>(std::min<uint64_t>(total, 0xFFFFFFFFull));
  ecb_.cbAvailable = static_cast<DWORD>(preload_.size() - 1);  // preload_ carries IIS's trailing NUL
  ecb_.lpbData = reinterpret_cast<LPBYTE>(preload_.data());
  fill_callbacks(ecb_);
}

void Session::start() {
  ctx_.monitor.session_started();
  ctx_.registry.add(id_, shared_from_this());
  // Posted, not called: the connection's handler that started the session returns first.
  auto run = [self = shared_from_this()] { self->run_extension(); };
  if (ctx_.options.hostility.proc_thread == ProcThread::pool)
    ctx_.iis_pool.post(std::move(run));
  else
    boost::asio::post(connection_->socket().get_executor(), std::move(run));
}

bool Session::enter_call(const char* callback, bool is_done, unsigned own_calls) {
  if (!is_done) {
    // Counted first, checked after: a DONE that comes between the two sees this call (and reports
    // it); one that came before makes it a call after the end.
    const uint64_t state = call_state_.fetch_add(1, std::memory_order_acq_rel);
    if (!(state & kOverMask)) return true;
    call_state_.fetch_sub(1, std::memory_order_acq_rel);
    violation(Violation::call_after_done, std::string(callback) + " called after the session ended");
    return false;
  }
  // DONE_WITH_SESSION: ends the request and takes the count of the calls in progress in one step.
  uint64_t state = call_state_.load(std::memory_order_acquire);
  do {
    if (state & kDoneEntered) {
      violation(Violation::done_twice, "HSE_REQ_DONE_WITH_SESSION called a second time");
      return false;
    }
    if (state & kProcReturned) {
      violation(Violation::done_without_pending, "DONE_WITH_SESSION after HttpExtensionProc returned, not PENDING");
      return false;
    }
  } while (!call_state_.compare_exchange_weak(state, (state | kDoneEntered) + 1, std::memory_order_acq_rel));
  // On IIS, DONE frees the ECB: a call another thread is still inside would use freed memory.
  const uint64_t others = (state & kCallCountMask) - std::min<uint64_t>(own_calls, state & kCallCountMask);
  if (others > 0)
    violation(Violation::done_during_call, "DONE_WITH_SESSION while " + std::to_string(others) +
                                               " other call(s) on this ECB were in progress on other threads (on IIS: "
                                               "a use of freed memory)");
  return true;
}

void Session::run_extension() {
  const DWORD status = ctx_.extension->handle_request(&ecb_);
  if (status != HSE_STATUS_PENDING) call_state_.fetch_or(kProcReturned, std::memory_order_acq_rel);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    proc_returned_ = true;
    proc_status_ = status;
    if (status != HSE_STATUS_PENDING) {
      if (done_called_)
        violation(Violation::done_without_pending,
                  "DONE_WITH_SESSION called, but HttpExtensionProc returned " + std::to_string(status) + ", not PENDING");
      if (async_pending_)
        violation(Violation::async_without_pending,
                  "async I/O outstanding, but HttpExtensionProc returned " + std::to_string(status) + ", not PENDING");
      ctx_.registry.remove(id_);  // the request is over for the extension
    }
  }
  maybe_finish();
}

BOOL Session::done_with_session(const DWORD* status) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (async_pending_)
      violation(Violation::done_with_io_pending, "DONE_WITH_SESSION while an async operation is outstanding");
    done_called_ = true;
    if (status && *status == HSE_STATUS_ERROR) ended_with_error_ = true;
    ctx_.registry.remove(id_);
  }
  maybe_finish();
  return TRUE;
}

void Session::maybe_finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool extension_done = proc_returned_ && (proc_status_ != HSE_STATUS_PENDING || done_called_);
    if (finished_ || !extension_done || async_pending_) return;
    finished_ = true;
  }
  finish();
}

void Session::finish() {
  bool reusable;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool failed = proc_status_ == HSE_STATUS_ERROR || ended_with_error_;
    if (!response_.head_sent() && !client_gone_) {
      // The extension sent nothing: IIS answers for it, 500 when it reported an error.
      static const std::string error_body =
          "<html><body><h1>500 Internal Server Error</h1><p>The ISAPI extension reported an error.</p></body></html>\r\n";
      SendPlan plan;
      if (failed) {
        plan.set_head(response_.start("500 Internal Server Error",
                                      "Content-Type: text/html\r\nContent-Length: " + std::to_string(error_body.size()) + "\r\n",
                                      false));
        response_.admit_body(error_body.size());
        plan.add_memory(error_body.data(), error_body.size());
      } else {
        plan.set_head(response_.start("200 OK", "Content-Length: 0\r\n", true));
      }
      if (plan.write_sync(connection_->socket())) client_gone_ = true;
    }
    if (failed) response_.force_close();
    // An extension that reports an error may leave its response short: IIS closes the connection.
    if (!client_gone_ && !failed && response_.body_incomplete())
      violation(response_.chunked() ? Violation::chunked_body_unterminated : Violation::body_short_of_content_length,
                "the request ended with " + std::to_string(response_.body_bytes()) + " body bytes sent" +
                    (response_.declared_length() ? " of " + std::to_string(*response_.declared_length()) : ""));
    reusable = response_.reusable() && !client_gone_ && !close_requested_;
  }
  ctx_.monitor.session_done();
  connection_->session_finished(reusable);
}

void Session::abandon() {
  violation(Violation::session_never_ended, "still pending when the shutdown deadline passed (" + method_ + " " +
                                                request_.raw_target + ")");
  connection_->abort_transport();
}

BOOL Session::fail(DWORD error) {
  SetLastError(error);
  return FALSE;
}

void Session::violation(Violation kind, std::string detail) { ctx_.monitor.record(kind, id_, std::move(detail)); }

BOOL Session::get_server_variable(const char* name, void* buffer, DWORD* size) {
  if (!name || !size) return fail(ERROR_INVALID_PARAMETER);
  std::string_view key(name);
  constexpr std::string_view unicode_prefix = "UNICODE_";
  const bool wide = key.size() > unicode_prefix.size() &&
                    boost::beast::iequals(key.substr(0, unicode_prefix.size()), unicode_prefix);
  const std::string_view base = wide ? key.substr(unicode_prefix.size()) : key;
  // Only the path and identity variables come in two forms, ANSI and UTF-16; IIS refuses
  // UNICODE_HTTP_*, UNICODE_HEADER_* and every other UNICODE_ name.
  const bool two_forms = has_unicode_form(base);
  if (wide && !two_forms) return fail(ERROR_INVALID_INDEX);
  auto value = server_variable(request_, ctx_.site, base);
  if (!value) return fail(ERROR_INVALID_INDEX);
  // The terminator is part of the size: one byte, or one UTF-16 code unit.
  std::string bytes;
  if (wide) bytes = utf8_to_utf16le(*value) + std::string(2, '\0');
  else bytes = (two_forms ? ctx_.options.code_page->encode(*value) : std::move(*value)) + std::string(1, '\0');
  if (!buffer || *size < bytes.size()) {
    *size = static_cast<DWORD>(bytes.size());
    return fail(ERROR_INSUFFICIENT_BUFFER);
  }
  std::memcpy(buffer, bytes.data(), bytes.size());
  *size = static_cast<DWORD>(bytes.size());
  return TRUE;
}

}  // namespace host

// Asynchronous routes: each returns HSE_STATUS_PENDING and ends with DONE_WITH_SESSION from a
// completion routine (or its own thread), one async operation outstanding at a time. The chains
// are built on AsyncRequest (async_request.h): safe with completions on any thread, late or inline.
// Two of them are probes for the host's tests: /where (which threads HttpExtensionProc and a
// completion ran on, and whether the completion came inline) and /read-end (how the end of a body
// read with ASYNC_READ_CLIENT was reported).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "reference/async_request.h"
#include "reference/platform.h"
#include "reference/reference.h"

namespace ref {
namespace {

constexpr size_t kChunk = 64 * 1024;

bool register_completion(Ecb* ecb, PFN_HSE_IO_COMPLETION fn, void* ctx) {
  return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<void*>(fn), nullptr,
                                    static_cast<DWORD*>(ctx)) != FALSE;
}

// ---- /stream?bytes=N: N pattern bytes with async WriteClient ----
struct Stream : AsyncRequest {
  using AsyncRequest::AsyncRequest;
  uint64_t total = 0, sent = 0;
  DWORD in_flight = 0;
  std::vector<char> buf = std::vector<char>(kChunk);
};

// Takes in one write's completion and issues the next write, for as long as writes complete inline.
void stream_from(Stream* s, DWORD error) {
  for (;;) {
    s->sent += s->in_flight;
    if (error || s->sent == s->total) return s->finish(error ? HSE_STATUS_ERROR : HSE_STATUS_SUCCESS);
    DWORD n = static_cast<DWORD>(std::min<uint64_t>(kChunk, s->total - s->sent));
    for (DWORD i = 0; i < n; ++i) s->buf[i] = static_cast<char>(pattern_byte(s->sent + i));
    s->in_flight = n;  // set before the call: the completion may run before it returns
    switch (s->issue([s, &n] { return s->ecb()->WriteClient(s->ecb()->ConnID, s->buf.data(), &n, HSE_IO_ASYNC); })) {
      case AsyncRequest::Issued::failed: return s->finish(HSE_STATUS_ERROR);
      case AsyncRequest::Issued::later: return;
      case AsyncRequest::Issued::inline_done: error = s->inline_error(); break;
    }
  }
}

void WINAPI stream_completed(Ecb*, void* ctx, DWORD bytes, DWORD error) {
  auto* s = static_cast<Stream*>(ctx);
  if (!s->take_inline(bytes, error)) stream_from(s, error);
}

// ---- /echo-async: ASYNC_READ_CLIENT and async WriteClient in turn ----
struct Echo : AsyncRequest {
  using AsyncRequest::AsyncRequest;
  enum class Phase { writing, reading, last_chunk } phase = Phase::writing;
  bool unknown_length = false;
  uint64_t total = 0, received = 0;
  std::vector<char> in = std::vector<char>(kChunk);
  std::string out;
};

void echo_prepare_write(Echo* e, const char* data, size_t n) {
  e->out.clear();
  if (e->unknown_length) {
    char head[32];
    std::snprintf(head, sizeof head, "%zx\r\n", n);
    e->out.append(head).append(data, n).append("\r\n");
  } else {
    e->out.assign(data, n);
  }
  e->phase = Echo::Phase::writing;
}

// Takes in one completion and prepares the next operation; false when the request is over (and
// finished).
bool echo_next(Echo* e, DWORD bytes, DWORD error) {
  // IIS may end a chunked body with ERROR_HANDLE_EOF instead of a plain read of 0 bytes.
  const bool body_ended = e->phase == Echo::Phase::reading && bytes == 0 && (error == 0 || error == ERROR_HANDLE_EOF);
  if (error && !body_ended) {
    e->finish(HSE_STATUS_ERROR);
    return false;
  }
  switch (e->phase) {
    case Echo::Phase::writing:
      if (!e->unknown_length && e->received >= e->total) break;
      e->phase = Echo::Phase::reading;
      return true;
    case Echo::Phase::reading:
      if (body_ended) {
        if (!e->unknown_length) break;
        e->phase = Echo::Phase::last_chunk;
        e->out = "0\r\n\r\n";
        return true;
      }
      e->received += bytes;
      echo_prepare_write(e, e->in.data(), bytes);
      return true;
    case Echo::Phase::last_chunk:
      break;
  }
  e->finish(HSE_STATUS_SUCCESS);
  return false;
}

// Issues the prepared operation, and the ones after it for as long as they complete inline.
void echo_drive(Echo* e) {
  for (;;) {
    const auto issued = e->issue([e] {
      Ecb* ecb = e->ecb();
      if (e->phase == Echo::Phase::reading) {
        DWORD size = static_cast<DWORD>(e->in.size()), flags = HSE_IO_ASYNC;
        return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_ASYNC_READ_CLIENT, e->in.data(), &size, &flags);
      }
      DWORD size = static_cast<DWORD>(e->out.size());
      return ecb->WriteClient(ecb->ConnID, e->out.data(), &size, HSE_IO_ASYNC);
    });
    if (issued == AsyncRequest::Issued::failed) return e->finish(HSE_STATUS_ERROR);
    if (issued == AsyncRequest::Issued::later) return;
    if (!echo_next(e, e->inline_bytes(), e->inline_error())) return;
  }
}

void WINAPI echo_completed(Ecb*, void* ctx, DWORD bytes, DWORD error) {
  auto* e = static_cast<Echo*>(ctx);
  if (e->take_inline(bytes, error)) return;
  if (echo_next(e, bytes, error)) echo_drive(e);
}

// ---- /file?name=F: TRANSMIT_FILE of a file in the application's directory ----
struct Transmit : AsyncRequest {
  using AsyncRequest::AsyncRequest;
  HANDLE file = nullptr;
  std::string head;
};

void transmit_finish(Transmit* t, DWORD error) {
  platform::close_file(t->file);
  t->finish(error ? HSE_STATUS_ERROR : HSE_STATUS_SUCCESS);
}

void WINAPI transmit_completed(Ecb*, void* ctx, DWORD bytes, DWORD error) {
  auto* t = static_cast<Transmit*>(ctx);
  if (!t->take_inline(bytes, error)) transmit_finish(t, error);
}

// ---- /where: one async read, reporting the threads HttpExtensionProc and its completion ran on ----
struct Where : AsyncRequest {
  using AsyncRequest::AsyncRequest;
  std::string proc_thread;
  char buf[64];
};

void where_report(Where* w, bool completed_inline) {
  const nlohmann::json out = {
      {"procThread", w->proc_thread}, {"completionThread", platform::thread_name()}, {"inline", completed_inline}};
  respond(w->ecb(), "200 OK", "application/json", out.dump() + "\n");
  w->finish(HSE_STATUS_SUCCESS);
}

void WINAPI where_completed(Ecb*, void* ctx, DWORD bytes, DWORD error) {
  auto* w = static_cast<Where*>(ctx);
  if (!w->take_inline(bytes, error)) where_report(w, false);
}

// ---- /read-end: the body read with ASYNC_READ_CLIENT, and how its end was reported ----
struct ReadEnd : AsyncRequest {
  using AsyncRequest::AsyncRequest;
  uint64_t received = 0;
  std::vector<char> buf = std::vector<char>(kChunk);
};

// Takes in one read; false when the body has ended (and the answer is sent).
bool read_end_next(ReadEnd* r, DWORD bytes, DWORD error) {
  const bool known_length = r->ecb()->cbTotalBytes != 0xFFFFFFFF;
  if (bytes > 0 && error == 0) {
    r->received += bytes;
    if (!known_length || r->received < r->ecb()->cbTotalBytes) return true;
  }
  const nlohmann::json out = {{"received", r->received}, {"lastBytes", bytes}, {"lastError", error}};
  respond(r->ecb(), "200 OK", "application/json", out.dump() + "\n");
  r->finish(HSE_STATUS_SUCCESS);
  return false;
}

void read_end_drive(ReadEnd* r) {
  for (;;) {
    const auto issued = r->issue([r] {
      DWORD size = static_cast<DWORD>(r->buf.size()), flags = HSE_IO_ASYNC;
      return r->ecb()->ServerSupportFunction(r->ecb()->ConnID, HSE_REQ_ASYNC_READ_CLIENT, r->buf.data(), &size, &flags);
    });
    if (issued == AsyncRequest::Issued::failed) return r->finish(HSE_STATUS_ERROR);
    if (issued == AsyncRequest::Issued::later) return;
    if (!read_end_next(r, r->inline_bytes(), r->inline_error())) return;
  }
}

void WINAPI read_end_completed(Ecb*, void* ctx, DWORD bytes, DWORD error) {
  auto* r = static_cast<ReadEnd*>(ctx);
  if (r->take_inline(bytes, error)) return;
  if (read_end_next(r, bytes, error)) read_end_drive(r);
}

}  // namespace

DWORD where(Ecb* ecb) {
  auto* w = new Where(ecb);
  w->proc_thread = platform::thread_name();
  if (!register_completion(ecb, where_completed, w)) {
    delete w;
    return HSE_STATUS_ERROR;
  }
  switch (w->issue([w, ecb] {
    DWORD size = sizeof w->buf, flags = HSE_IO_ASYNC;
    return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_ASYNC_READ_CLIENT, w->buf, &size, &flags);
  })) {
    case AsyncRequest::Issued::failed:
      delete w;
      return HSE_STATUS_ERROR;
    case AsyncRequest::Issued::later:
      break;
    case AsyncRequest::Issued::inline_done:
      where_report(w, true);
      break;
  }
  return HSE_STATUS_PENDING;
}

DWORD read_end(Ecb* ecb) {
  auto* r = new ReadEnd(ecb);
  r->received = ecb->cbAvailable;
  if (!register_completion(ecb, read_end_completed, r)) {
    delete r;
    return HSE_STATUS_ERROR;
  }
  const bool all_preloaded = ecb->cbTotalBytes != 0xFFFFFFFF && r->received >= ecb->cbTotalBytes;
  if (all_preloaded) read_end_next(r, 0, 0);
  else read_end_drive(r);
  return HSE_STATUS_PENDING;
}

DWORD stream(Ecb* ecb) {
  auto* s = new Stream(ecb);
  s->total = std::strtoull(query_param(ecb, "bytes").c_str(), nullptr, 10);
  if (!register_completion(ecb, stream_completed, s) ||
      !send_head(ecb, "200 OK", "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(s->total) + "\r\n")) {
    delete s;
    return HSE_STATUS_ERROR;
  }
  stream_from(s, 0);  // the first write; the rest follow from completions
  return HSE_STATUS_PENDING;
}

DWORD echo_async(Ecb* ecb) {
  auto* e = new Echo(ecb);
  e->unknown_length = ecb->cbTotalBytes == 0xFFFFFFFF;
  e->total = ecb->cbTotalBytes;
  e->received = ecb->cbAvailable;
  std::string headers = "Content-Type: application/octet-stream\r\n";
  headers += e->unknown_length ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + std::to_string(e->total) + "\r\n";
  if (!register_completion(ecb, echo_completed, e) || !send_head(ecb, "200 OK", headers)) {
    delete e;
    return HSE_STATUS_ERROR;
  }
  if (ecb->cbAvailable > 0) {
    echo_prepare_write(e, reinterpret_cast<const char*>(ecb->lpbData), ecb->cbAvailable);
    echo_drive(e);
  } else if (echo_next(e, 0, 0)) {  // as if an empty write had completed: read, or end
    echo_drive(e);
  }
  return HSE_STATUS_PENDING;
}

DWORD transmit(Ecb* ecb) {
  const std::string name = query_param(ecb, "name");
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos)
    return respond(ecb, "400 Bad Request", "text/plain", "name must be a plain file name\n");
  const std::string path = variable(ecb, "APPL_PHYSICAL_PATH").value_or("") + name;
  const platform::OpenFile opened = platform::open_for_transmit(path);
  if (!opened.file) return respond(ecb, "404 Not Found", "text/plain", "no file " + name + "\n");
  auto* t = new Transmit(ecb);
  t->file = opened.file;
  t->head = "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(opened.size) + "\r\n\r\n";
  HSE_TF_INFO tf = {};
  tf.pfnHseIO = transmit_completed;
  tf.pContext = t;
  tf.hFile = opened.file;
  tf.pszStatusCode = "200 OK";
  tf.pHead = const_cast<char*>(t->head.data());
  tf.HeadLength = static_cast<DWORD>(t->head.size());
  tf.dwFlags = HSE_IO_ASYNC | HSE_IO_SEND_HEADERS;
  switch (t->issue([&] { return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_TRANSMIT_FILE, &tf, nullptr, nullptr); })) {
    case AsyncRequest::Issued::failed:
      platform::close_file(opened.file);
      delete t;  // nothing is pending: the request ends with HttpExtensionProc's status
      return HSE_STATUS_ERROR;
    case AsyncRequest::Issued::later:
      break;
    case AsyncRequest::Issued::inline_done:
      transmit_finish(t, t->inline_error());
      break;
  }
  return HSE_STATUS_PENDING;
}

DWORD slow(Ecb* ecb) {
  // Answers from a thread of its own after ?ms=N: a request still in flight when shutdown begins.
  const long ms = std::strtol(query_param(ecb, "ms").c_str(), nullptr, 10);
  std::thread([ecb, ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    DWORD status = respond(ecb, "200 OK", "text/plain", "slow answer after " + std::to_string(ms) + " ms\n");
    done(ecb, status);
  }).detach();
  return HSE_STATUS_PENDING;
}

}  // namespace ref

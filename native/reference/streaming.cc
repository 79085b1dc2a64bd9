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

  BOOL call() {
    DWORD n = in_flight;
    return ecb()->WriteClient(ecb()->ConnID, buf.data(), &n, HSE_IO_ASYNC);
  }
  // Takes in one write's completion and prepares the next write.
  bool next(DWORD, DWORD error) {
    sent += in_flight;
    if (error || sent == total) {
      finish(error ? HSE_STATUS_ERROR : HSE_STATUS_SUCCESS);
      return false;
    }
    const DWORD n = static_cast<DWORD>(std::min<uint64_t>(kChunk, total - sent));
    for (DWORD i = 0; i < n; ++i) buf[i] = static_cast<char>(pattern_byte(sent + i));
    in_flight = n;  // set before the call: the completion may run before it returns
    return true;
  }
};

// ---- /echo-async: ASYNC_READ_CLIENT and async WriteClient in turn ----
struct Echo : AsyncRequest {
  using AsyncRequest::AsyncRequest;
  enum class Phase { writing, reading, last_chunk } phase = Phase::writing;
  bool unknown_length = false;
  uint64_t total = 0, received = 0;
  std::vector<char> in = std::vector<char>(kChunk);
  std::string out;

  BOOL call();
  bool next(DWORD bytes, DWORD error);
  // The next write: `data` as it came, or as one chunk of a chunked response.
  void prepare_write(const char* data, size_t n);
};

void Echo::prepare_write(const char* data, size_t n) {
  out.clear();
  if (unknown_length) {
    char head[32];
    std::snprintf(head, sizeof head, "%zx\r\n", n);
    out.append(head).append(data, n).append("\r\n");
  } else {
    out.assign(data, n);
  }
  phase = Phase::writing;
}

// Takes in one completion and prepares the next operation; false when the request is over (and
// finished).
bool Echo::next(DWORD bytes, DWORD error) {
  // IIS may end a chunked body with ERROR_HANDLE_EOF instead of a plain read of 0 bytes.
  const bool body_ended = phase == Phase::reading && bytes == 0 && (error == 0 || error == ERROR_HANDLE_EOF);
  if (error && !body_ended) {
    finish(HSE_STATUS_ERROR);
    return false;
  }
  switch (phase) {
    case Phase::writing:
      if (!unknown_length && received >= total) break;
      phase = Phase::reading;
      return true;
    case Phase::reading:
      if (body_ended) {
        if (!unknown_length) break;
        phase = Phase::last_chunk;
        out = "0\r\n\r\n";
        return true;
      }
      received += bytes;
      prepare_write(in.data(), bytes);
      return true;
    case Phase::last_chunk:
      break;
  }
  finish(HSE_STATUS_SUCCESS);
  return false;
}

BOOL Echo::call() {
  if (phase == Phase::reading) {
    DWORD size = static_cast<DWORD>(in.size()), flags = HSE_IO_ASYNC;
    return ecb()->ServerSupportFunction(ecb()->ConnID, HSE_REQ_ASYNC_READ_CLIENT, in.data(), &size, &flags);
  }
  DWORD size = static_cast<DWORD>(out.size());
  return ecb()->WriteClient(ecb()->ConnID, out.data(), &size, HSE_IO_ASYNC);
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

  BOOL call();
  bool next(DWORD bytes, DWORD error);
};

// Takes in one read; false when the body has ended (and the answer is sent).
bool ReadEnd::next(DWORD bytes, DWORD error) {
  const bool known_length = ecb()->cbTotalBytes != 0xFFFFFFFF;
  if (bytes > 0 && error == 0) {
    received += bytes;
    if (!known_length || received < ecb()->cbTotalBytes) return true;
  }
  const nlohmann::json out = {{"received", received}, {"lastBytes", bytes}, {"lastError", error}};
  respond(ecb(), "200 OK", "application/json", out.dump() + "\n");
  finish(HSE_STATUS_SUCCESS);
  return false;
}

BOOL ReadEnd::call() {
  DWORD size = static_cast<DWORD>(buf.size()), flags = HSE_IO_ASYNC;
  return ecb()->ServerSupportFunction(ecb()->ConnID, HSE_REQ_ASYNC_READ_CLIENT, buf.data(), &size, &flags);
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
  if (!register_completion(ecb, chain_completed<ReadEnd>, r)) {
    delete r;
    return HSE_STATUS_ERROR;
  }
  const bool all_preloaded = ecb->cbTotalBytes != 0xFFFFFFFF && r->received >= ecb->cbTotalBytes;
  if (all_preloaded) r->next(0, 0);
  else drive(r);
  return HSE_STATUS_PENDING;
}

DWORD stream(Ecb* ecb) {
  auto* s = new Stream(ecb);
  s->total = std::strtoull(query_param(ecb, "bytes").c_str(), nullptr, 10);
  if (!register_completion(ecb, chain_completed<Stream>, s) ||
      !send_head(ecb, "200 OK", "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(s->total) + "\r\n")) {
    delete s;
    return HSE_STATUS_ERROR;
  }
  if (s->next(0, 0)) drive(s);  // the first write; the rest follow from completions
  return HSE_STATUS_PENDING;
}

DWORD echo_async(Ecb* ecb) {
  auto* e = new Echo(ecb);
  e->unknown_length = ecb->cbTotalBytes == 0xFFFFFFFF;
  e->total = ecb->cbTotalBytes;
  e->received = ecb->cbAvailable;
  std::string headers = "Content-Type: application/octet-stream\r\n";
  headers += e->unknown_length ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + std::to_string(e->total) + "\r\n";
  if (!register_completion(ecb, chain_completed<Echo>, e) || !send_head(ecb, "200 OK", headers)) {
    delete e;
    return HSE_STATUS_ERROR;
  }
  if (ecb->cbAvailable > 0) {
    e->prepare_write(reinterpret_cast<const char*>(ecb->lpbData), ecb->cbAvailable);
    drive(e);
  } else if (e->next(0, 0)) {  // as if an empty write had completed: read, or end
    drive(e);
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

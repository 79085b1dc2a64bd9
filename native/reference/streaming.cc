// Asynchronous routes: each returns HSE_STATUS_PENDING and ends with DONE_WITH_SESSION from a
// completion routine (or its own thread), one async operation outstanding at a time.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "reference/reference.h"

namespace ref {
namespace {

constexpr size_t kChunk = 64 * 1024;

bool register_completion(Ecb* ecb, PFN_HSE_IO_COMPLETION fn, void* ctx) {
  return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<void*>(fn), nullptr,
                                    static_cast<DWORD*>(ctx)) != FALSE;
}

// ---- /stream?bytes=N: N pattern bytes with async WriteClient ----
struct Stream {
  uint64_t total = 0, sent = 0;
  DWORD in_flight = 0;
  std::vector<char> buf = std::vector<char>(kChunk);
};

void WINAPI stream_next(Ecb* ecb, void* ctx, DWORD, DWORD error) {
  auto* s = static_cast<Stream*>(ctx);
  s->sent += s->in_flight;
  if (error || s->sent == s->total) {
    delete s;
    return done(ecb, error ? HSE_STATUS_ERROR : HSE_STATUS_SUCCESS);
  }
  DWORD n = static_cast<DWORD>(std::min<uint64_t>(kChunk, s->total - s->sent));
  for (DWORD i = 0; i < n; ++i) s->buf[i] = static_cast<char>(pattern_byte(s->sent + i));
  s->in_flight = n;  // set before the call: the completion may run before it returns
  if (!ecb->WriteClient(ecb->ConnID, s->buf.data(), &n, HSE_IO_ASYNC)) {
    delete s;
    done(ecb, HSE_STATUS_ERROR);
  }
}

// ---- /echo-async: ASYNC_READ_CLIENT and async WriteClient in turn ----
struct Echo {
  enum class Phase { writing, reading, last_chunk } phase = Phase::writing;
  bool unknown_length = false;
  uint64_t total = 0, received = 0;
  std::vector<char> in = std::vector<char>(kChunk);
  std::string out;
};

void echo_finish(Ecb* ecb, Echo* e, DWORD status) {
  delete e;
  done(ecb, status);
}

void echo_write(Ecb* ecb, Echo* e, const char* data, size_t n) {
  e->out.clear();
  if (e->unknown_length) {
    char head[32];
    std::snprintf(head, sizeof head, "%zx\r\n", n);
    e->out.append(head).append(data, n).append("\r\n");
  } else {
    e->out.assign(data, n);
  }
  e->phase = Echo::Phase::writing;
  DWORD size = static_cast<DWORD>(e->out.size());
  if (!ecb->WriteClient(ecb->ConnID, e->out.data(), &size, HSE_IO_ASYNC)) echo_finish(ecb, e, HSE_STATUS_ERROR);
}

void echo_read_or_end(Ecb* ecb, Echo* e) {
  if (!e->unknown_length && e->received >= e->total) return echo_finish(ecb, e, HSE_STATUS_SUCCESS);
  e->phase = Echo::Phase::reading;
  DWORD size = static_cast<DWORD>(e->in.size()), flags = HSE_IO_ASYNC;
  if (!ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_ASYNC_READ_CLIENT, e->in.data(), &size, &flags))
    echo_finish(ecb, e, HSE_STATUS_ERROR);
}

void WINAPI echo_step(Ecb* ecb, void* ctx, DWORD bytes, DWORD error) {
  auto* e = static_cast<Echo*>(ctx);
  if (error) return echo_finish(ecb, e, HSE_STATUS_ERROR);
  switch (e->phase) {
    case Echo::Phase::writing:
      return echo_read_or_end(ecb, e);
    case Echo::Phase::reading:
      if (bytes == 0) {
        if (!e->unknown_length) return echo_finish(ecb, e, HSE_STATUS_SUCCESS);
        e->phase = Echo::Phase::last_chunk;
        e->out = "0\r\n\r\n";
        DWORD size = static_cast<DWORD>(e->out.size());
        if (!ecb->WriteClient(ecb->ConnID, e->out.data(), &size, HSE_IO_ASYNC)) echo_finish(ecb, e, HSE_STATUS_ERROR);
        return;
      }
      e->received += bytes;
      return echo_write(ecb, e, e->in.data(), bytes);
    case Echo::Phase::last_chunk:
      return echo_finish(ecb, e, HSE_STATUS_SUCCESS);
  }
}

// ---- /file?name=F: TRANSMIT_FILE of a file in the application's directory ----
struct Transmit {
  int fd = -1;
  std::string head;
};

void WINAPI transmit_done(Ecb* ecb, void* ctx, DWORD, DWORD error) {
  auto* t = static_cast<Transmit*>(ctx);
  close(t->fd);
  delete t;
  done(ecb, error ? HSE_STATUS_ERROR : HSE_STATUS_SUCCESS);
}

}  // namespace

DWORD stream(Ecb* ecb) {
  auto* s = new Stream;
  s->total = std::strtoull(query_param(ecb, "bytes").c_str(), nullptr, 10);
  if (!register_completion(ecb, stream_next, s) ||
      !send_head(ecb, "200 OK", "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(s->total) + "\r\n")) {
    delete s;
    return HSE_STATUS_ERROR;
  }
  stream_next(ecb, s, 0, 0);  // the first write; the rest follow from completions
  return HSE_STATUS_PENDING;
}

DWORD echo_async(Ecb* ecb) {
  auto* e = new Echo;
  e->unknown_length = ecb->cbTotalBytes == 0xFFFFFFFF;
  e->total = ecb->cbTotalBytes;
  e->received = ecb->cbAvailable;
  std::string headers = "Content-Type: application/octet-stream\r\n";
  headers += e->unknown_length ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + std::to_string(e->total) + "\r\n";
  if (!register_completion(ecb, echo_step, e) || !send_head(ecb, "200 OK", headers)) {
    delete e;
    return HSE_STATUS_ERROR;
  }
  if (ecb->cbAvailable > 0) echo_write(ecb, e, reinterpret_cast<const char*>(ecb->lpbData), ecb->cbAvailable);
  else echo_read_or_end(ecb, e);
  return HSE_STATUS_PENDING;
}

DWORD transmit(Ecb* ecb) {
  const std::string name = query_param(ecb, "name");
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos)
    return respond(ecb, "400 Bad Request", "text/plain", "name must be a plain file name\n");
  const std::string path = variable(ecb, "APPL_PHYSICAL_PATH").value_or("") + name;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    return respond(ecb, "404 Not Found", "text/plain", "no file " + name + "\n");
  }
  auto* t = new Transmit;
  t->fd = fd;
  t->head = "Content-Type: application/octet-stream\r\nContent-Length: " + std::to_string(st.st_size) + "\r\n\r\n";
  HSE_TF_INFO tf = {};
  tf.pfnHseIO = transmit_done;
  tf.pContext = t;
  tf.hFile = ISAPI_FD_TO_HANDLE(fd);
  tf.pszStatusCode = "200 OK";
  tf.pHead = const_cast<char*>(t->head.data());
  tf.HeadLength = static_cast<DWORD>(t->head.size());
  tf.dwFlags = HSE_IO_ASYNC | HSE_IO_SEND_HEADERS;
  if (!ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_TRANSMIT_FILE, &tf, nullptr, nullptr)) {
    close(fd);
    delete t;
    return HSE_STATUS_ERROR;
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

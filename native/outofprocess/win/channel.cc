// The Windows twin of posix/channel.cc: random bytes from BCryptGenRandom, and the worker's
// connection, a named pipe with a random name, FILE_FLAG_FIRST_PIPE_INSTANCE,
// PIPE_REJECT_REMOTE_CLIENTS and a DACL for the process's own user only (made by pipe_support.cc).
// Strings are UTF-8 here and UTF-16 at every Win32 call (win/utf8.h).
#include "outofprocess/platform.h"
#include "outofprocess/win/pipe_support.h"

#include <windows.h>
// windows.h first: these need its types.
#include <bcrypt.h>

#include <algorithm>
#include <atomic>

namespace isapi_node::outofprocess::platform {
namespace {

using win_support::create_pipe;
using win_support::Handle;
using win_support::kMaxChunk;
using win_support::manual_reset_event;
using win_support::os_error;

// How often a wait that must also watch something else looks again.
constexpr DWORD kSliceMs = 10;

// The connection: the server end of the listener's pipe. One thread blocks in read() while others
// write: the handle is overlapped because Windows serialises synchronous I/O on one handle (a
// pending ReadFile would hold every WriteFile back). Each direction has its own event; the
// caller has one reader and one writer at a time.
class PipeStream : public Stream {
 public:
  PipeStream(Handle pipe, Handle read_event, Handle write_event)
      : pipe_(std::move(pipe)), read_event_(std::move(read_event)), write_event_(std::move(write_event)) {}
  // No thread is inside read() or write() any more: the handle can go (the worker sees its end).
  ~PipeStream() override = default;

  ptrdiff_t read(char* buffer, size_t size) override {
    for (;;) {
      if (closed_) return 0;
      OVERLAPPED overlapped{};
      overlapped.hEvent = read_event_.get();
      DWORD n = 0;
      DWORD error = complete(ReadFile(pipe_.get(), buffer, static_cast<DWORD>(std::min(size, kMaxChunk)), nullptr, &overlapped),
                             overlapped, n);
      if (error == 0) {
        if (n > 0 || size == 0) return static_cast<ptrdiff_t>(n);
        continue;  // an empty write by the worker: not the end
      }
      if (closed_ || error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED || error == ERROR_HANDLE_EOF) return 0;
      return -1;
    }
  }

  bool write(const char* data, size_t size) override {
    while (size > 0) {
      if (closed_) return false;
      OVERLAPPED overlapped{};
      overlapped.hEvent = write_event_.get();
      DWORD n = 0;
      if (complete(WriteFile(pipe_.get(), data, static_cast<DWORD>(std::min(size, kMaxChunk)), nullptr, &overlapped), overlapped,
                   n) != 0 ||
          n == 0)
        return false;
      data += n;
      size -= n;
    }
    return true;
  }

  // The handle stays open (a reader may still be inside ReadFile on it): pending I/O is cancelled,
  // and disconnecting ends the worker's side (its reads fail, it exits) and fails later I/O here.
  void close() override {
    if (closed_.exchange(true)) return;
    CancelIoEx(pipe_.get(), nullptr);
    DisconnectNamedPipe(pipe_.get());
  }

 private:
  // Waits for an overlapped operation started with `started`: 0 when it succeeded, else its error.
  // It never returns while the operation is pending: `overlapped` lives on the caller's stack.
  DWORD complete(BOOL started, OVERLAPPED& overlapped, DWORD& n) {
    if (!started) {
      const DWORD error = GetLastError();
      if (error != ERROR_IO_PENDING) return error;
      // close() may have cancelled before this operation began: it would then wait for ever.
      if (closed_) CancelIoEx(pipe_.get(), &overlapped);
    }
    return GetOverlappedResult(pipe_.get(), &overlapped, &n, TRUE) ? 0 : GetLastError();
  }

  Handle pipe_;
  Handle read_event_;
  Handle write_event_;
  std::atomic<bool> closed_{false};
};

class PipeListener : public Listener {
 public:
  PipeListener(std::string name, Handle pipe) : name_(std::move(name)), pipe_(std::move(pipe)) {}

  const std::string& address() const override { return name_; }

  std::unique_ptr<Stream> accept(std::chrono::milliseconds timeout, const std::function<bool()>& give_up,
                                 std::string& error) override {
    if (!pipe_) return error = "the pipe has already been connected", nullptr;
    Handle event = manual_reset_event(), read_event = manual_reset_event(), write_event = manual_reset_event();
    if (!event || !read_event || !write_event) return error = os_error("CreateEvent"), nullptr;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    OVERLAPPED overlapped{};
    overlapped.hEvent = event.get();
    if (!ConnectNamedPipe(pipe_.get(), &overlapped)) {
      const DWORD code = GetLastError();
      // ERROR_PIPE_CONNECTED: the worker was quicker than this call.
      if (code != ERROR_PIPE_CONNECTED && code != ERROR_IO_PENDING) return error = os_error("ConnectNamedPipe", code), nullptr;
      if (code == ERROR_IO_PENDING) {
        for (;;) {
          const DWORD waited = WaitForSingleObject(event.get(), kSliceMs);
          if (waited == WAIT_OBJECT_0) break;
          if (waited == WAIT_FAILED) error = os_error("WaitForSingleObject");
          else if (give_up()) error = "the worker ended before it connected";
          else if (std::chrono::steady_clock::now() > deadline) error = "the worker did not connect in time";
          else continue;
          // The operation must end before `overlapped` goes.
          CancelIoEx(pipe_.get(), &overlapped);
          DWORD ignored = 0;
          GetOverlappedResult(pipe_.get(), &overlapped, &ignored, TRUE);
          return nullptr;
        }
        DWORD ignored = 0;
        if (!GetOverlappedResult(pipe_.get(), &overlapped, &ignored, FALSE)) return error = os_error("ConnectNamedPipe"), nullptr;
      }
    }
    return std::make_unique<PipeStream>(std::move(pipe_), std::move(read_event), std::move(write_event));
  }

 private:
  const std::string name_;
  Handle pipe_;  // until accept() hands it to the connection
};

}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  for (size_t got = 0; got < n;) {
    const ULONG chunk = static_cast<ULONG>(std::min<size_t>(n - got, 1u << 20));
    if (!BCRYPT_SUCCESS(BCryptGenRandom(nullptr, reinterpret_cast<PUCHAR>(&out[got]), chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
      return "";
    got += chunk;
  }
  return out;
}

std::unique_ptr<Listener> Listener::create(std::string& error) {
  std::string name;
  Handle pipe = create_pipe("isapi-node-", PIPE_ACCESS_DUPLEX, name, error);
  if (!pipe) return nullptr;
  return std::make_unique<PipeListener>(name, std::move(pipe));
}

}  // namespace isapi_node::outofprocess::platform

// What win/channel.cc and win/child_process.cc share: the Handle owner, events, Win32 error texts
// and the named pipes both make (a random name, one instance, local clients of this process's user
// only: pipe_support.cc). The POSIX twins share posix/support.h.
#pragma once
#include <windows.h>

#include <cstddef>
#include <string>

namespace isapi_node::outofprocess::platform::win_support {

// The pipes' buffers: a frame batch of this size is taken without waiting for the other side.
constexpr DWORD kPipeBuffer = 64 * 1024;
// One Read/WriteFile moves at most this much (their counts are DWORDs).
constexpr size_t kMaxChunk = 1u << 30;

std::string os_error(const char* what, DWORD code = GetLastError());

class Handle {
 public:
  Handle() = default;
  explicit Handle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : h_(other.release()) {}
  Handle& operator=(Handle&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Handle() { reset(); }
  HANDLE get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }
  HANDLE release() {
    HANDLE h = h_;
    h_ = nullptr;
    return h;
  }
  void reset(HANDLE h = nullptr) {
    if (h_) CloseHandle(h_);
    h_ = h == INVALID_HANDLE_VALUE ? nullptr : h;
  }

 private:
  HANDLE h_ = nullptr;
};

Handle manual_reset_event();

// A new pipe instance, the only one its random name will ever have (FILE_FLAG_FIRST_PIPE_INSTANCE
// and one instance at most: nobody can create a second instance to catch our client), for local
// clients of this user only. Overlapped: a reader can be stopped and others can write meanwhile.
Handle create_pipe(const std::string& prefix, DWORD direction, std::string& name, std::string& error);

}  // namespace isapi_node::outofprocess::platform::win_support

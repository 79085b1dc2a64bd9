#include "host/platform.h"

#include <dlfcn.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <cerrno>
#include <csignal>

namespace host::platform {

std::vector<std::string> command_line(int argc, char** argv) { return std::vector<std::string>(argv, argv + argc); }

std::tm utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

void name_this_thread(const std::string& name) { pthread_setname_np(pthread_self(), name.substr(0, 15).c_str()); }

void ignore_broken_pipes() { std::signal(SIGPIPE, SIG_IGN); }

bool socket_can_take(Socket socket, uint64_t bytes) {
  int unsent = 0, buffer = 0;
  socklen_t len = sizeof buffer;
  if (::ioctl(socket, SIOCOUTQ, &unsent) != 0 || ::getsockopt(socket, SOL_SOCKET, SO_SNDBUF, &buffer, &len) != 0)
    return false;
  // The kernel counts its bookkeeping in SO_SNDBUF too: half of it is what data can use.
  return static_cast<uint64_t>(unsent) + bytes <= static_cast<uint64_t>(buffer) / 2;
}

bool peer_connected(Socket socket) {
  char probe;
  const ssize_t r = ::recv(socket, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r > 0) return true;
  if (r == 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

int64_t regular_file_size(HANDLE file) {
  const int fd = ISAPI_HANDLE_TO_FD(file);
  struct stat st;
  if (fd <= 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return st.st_size;
}

boost::system::error_code read_file_at(HANDLE file, uint64_t offset, char* buf, size_t n) {
  const int fd = ISAPI_HANDLE_TO_FD(file);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return boost::system::error_code(errno, boost::system::system_category());
    if (r == 0) return boost::asio::error::eof;
    got += static_cast<size_t>(r);
  }
  return {};
}

// RTLD_LOCAL: an extension's own symbols must not leak into the next one loaded (IIS isolates
// DLLs the same way). RTLD_NOW: a missing dependency fails here, not on the first request.
void* load_extension(const std::string& path, std::string& error) {
  void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* why = dlerror();
    error = why ? why : "unknown error";
  }
  return library;
}

void* extension_symbol(void* library, const char* name) { return dlsym(library, name); }

void unload_extension(void* library) { dlclose(library); }

}  // namespace host::platform

// The worker's connection on POSIX (platform.h): random bytes from getrandom(), and a Unix domain
// socket in a private 0700 folder made by mkdtemp. The Windows twin is win/channel.cc.
#include "outofprocess/platform.h"
#include "outofprocess/posix/support.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace isapi_node::outofprocess::platform {
namespace {

using posix_support::kSlice;
using posix_support::os_error;

class SocketStream : public Stream {
 public:
  explicit SocketStream(int fd) : fd_(fd) {}
  ~SocketStream() override { ::close(fd_); }

  ptrdiff_t read(char* buffer, size_t size) override {
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, size, 0);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

  bool write(const char* data, size_t size) override {
    while (size > 0) {
      // MSG_NOSIGNAL: a worker that died must fail the write, not raise SIGPIPE in IIS's process.
      const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  // shutdown, not close: the descriptor stays valid for a reader still inside recv().
  void close() override { ::shutdown(fd_, SHUT_RDWR); }

 private:
  const int fd_;
};

class SocketListener : public Listener {
 public:
  SocketListener(std::string folder, std::string path, int fd)
      : folder_(std::move(folder)), path_(std::move(path)), fd_(fd) {}
  ~SocketListener() override {
    ::close(fd_);
    ::unlink(path_.c_str());
    ::rmdir(folder_.c_str());
  }

  const std::string& address() const override { return path_; }

  std::unique_ptr<Stream> accept(std::chrono::milliseconds timeout, const std::function<bool()>& give_up,
                                 std::string& error) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(kSlice.count()));
      if (ready > 0) {
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) return std::make_unique<SocketStream>(fd);
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) return error = os_error("accept"), nullptr;
      } else if (ready < 0 && errno != EINTR) {
        return error = os_error("poll"), nullptr;
      }
      if (give_up()) return error = "the worker ended before it connected", nullptr;
      if (std::chrono::steady_clock::now() > deadline) return error = "the worker did not connect in time", nullptr;
    }
  }

 private:
  const std::string folder_;
  const std::string path_;
  const int fd_;
};

}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::getrandom(&out[got], n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return "";
    got += static_cast<size_t>(r);
  }
  return out;
}

std::unique_ptr<Listener> Listener::create(std::string& error) {
  const char* tmp = ::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : "/tmp";
  // A socket path must fit sun_path (108 bytes): a long TMPDIR falls back to /tmp.
  if (base.size() > 60) base = "/tmp";
  std::string folder = base + "/isapi-node-XXXXXX";
  // mkdtemp makes the folder 0700: only this user can reach the socket inside.
  if (!::mkdtemp(&folder[0])) return error = os_error(("cannot create a private folder in " + base).c_str()), nullptr;
  const std::string path = folder + "/worker.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = os_error("socket");
    ::rmdir(folder.c_str());
    return nullptr;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0) {
    error = os_error(("cannot listen on " + path).c_str());
    ::close(fd);
    ::unlink(path.c_str());
    ::rmdir(folder.c_str());
    return nullptr;
  }
  return std::make_unique<SocketListener>(folder, path, fd);
}

}  // namespace isapi_node::outofprocess::platform

#include "outofprocess/platform.h"
#include "outofprocess/output_lines.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <atomic>
#include <thread>

namespace isapi_node::outofprocess::platform {
namespace {

std::string os_error(const char* what) { return std::string(what) + ": " + strerror(errno); }

// How often a wait that must also watch something else looks again.
constexpr auto kSlice = std::chrono::milliseconds(10);

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

// PATH lookup in the parent: between fork and exec only async-signal-safe calls may run.
std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = ::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return "";
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : std::string());
  }
  return "status " + std::to_string(status);
}

class PosixChild : public ChildProcess {
 public:
  PosixChild(pid_t pid, int output, std::function<void(const std::string&)> on_line)
      : pid_(pid), output_(output), lines_(std::move(on_line)), reader_([this] { read_output(); }) {}

  ~PosixChild() override {
    if (!ended_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    stop_reading_ = true;
    reader_.join();
    ::close(output_);
  }

  uint64_t pid() const override { return static_cast<uint64_t>(pid_); }

  std::optional<std::string> wait(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (ended_) return how_;
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        how_ = describe_status(status);
        ended_ = true;
        return how_;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kSlice, deadline - std::chrono::steady_clock::now()));
    }
  }

  void kill() override {
    if (!ended_) ::kill(pid_, SIGKILL);
  }

  void wait_output(std::chrono::milliseconds timeout) override { lines_.wait_end(timeout); }

 private:
  void read_output() {
    char buffer[4096];
    for (;;) {
      pollfd p{output_, POLLIN, 0};
      const int ready = ::poll(&p, 1, 100);
      if (ready == 0) {
        if (stop_reading_) break;
        continue;
      }
      if (ready < 0 && errno == EINTR) continue;
      const ssize_t n = ready > 0 ? ::read(output_, buffer, sizeof buffer) : -1;
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      lines_.feed(buffer, static_cast<size_t>(n));
    }
    lines_.end();
  }

  const pid_t pid_;
  const int output_;
  OutputLines lines_;
  std::atomic<bool> stop_reading_{false};
  bool ended_ = false;  // reaped: only the supervising thread calls wait()/kill()
  std::string how_;
  std::thread reader_;
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

std::unique_ptr<ChildProcess> ChildProcess::spawn(const Options& options, std::string& error, bool& not_found) {
  not_found = false;
  const std::string executable = find_executable(options.executable);
  if (executable.empty()) {
    not_found = true;
    error = "'" + options.executable + "' was not found in PATH";
    return nullptr;
  }
  // Everything the child needs is prepared before fork().
  std::vector<std::string> args{executable};
  args.insert(args.end(), options.arguments.begin(), options.arguments.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(&a[0]);
  argv.push_back(nullptr);

  int input[2], output[2], exec_failed[2];
  if (::pipe2(input, O_CLOEXEC) != 0) return error = os_error("pipe"), nullptr;
  if (::pipe2(output, O_CLOEXEC) != 0) {
    ::close(input[0]), ::close(input[1]);
    return error = os_error("pipe"), nullptr;
  }
  if (::pipe2(exec_failed, O_CLOEXEC) != 0) {
    ::close(input[0]), ::close(input[1]), ::close(output[0]), ::close(output[1]);
    return error = os_error("pipe"), nullptr;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
#ifdef __linux__
    // Killed with its parent thread (the backend's launcher, alive as long as the backend), even
    // when the extension's process is killed outright.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
#endif
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    ::dup2(input[0], 0);
    ::dup2(output[1], 1);
    ::dup2(output[1], 2);
    // Nothing else of IIS's process (its sockets, files) leaks into the worker.
    const int keep = exec_failed[1];
    if (keep > 3) ::close_range(3, static_cast<unsigned>(keep - 1), 0);
    ::close_range(static_cast<unsigned>(keep + 1), ~0u, 0);
    ::execv(argv[0], argv.data());
    const int e = errno;
    (void)!::write(keep, &e, sizeof e);
    ::_exit(127);
  }
  ::close(input[0]);
  ::close(output[1]);
  ::close(exec_failed[1]);
  if (pid < 0) {
    error = os_error("fork");
    ::close(input[1]), ::close(output[0]), ::close(exec_failed[0]);
    return nullptr;
  }
  int exec_errno = 0;
  ssize_t r;
  while ((r = ::read(exec_failed[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  ::close(exec_failed[0]);
  if (r > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(input[1]), ::close(output[0]);
    not_found = exec_errno == ENOENT;
    errno = exec_errno;
    error = os_error(("cannot run '" + executable + "'").c_str());
    return nullptr;
  }
  // The input is small (an address and a secret): it fits the pipe, so this cannot block.
  const char* p = options.input.data();
  size_t left = options.input.size();
  while (left > 0) {
    const ssize_t n = ::write(input[1], p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::close(input[1]);
  return std::make_unique<PosixChild>(pid, output[0], options.on_line);
}

}  // namespace isapi_node::outofprocess::platform

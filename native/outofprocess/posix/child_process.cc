// Worker processes on POSIX (platform.h): fork/exec with PR_SET_PDEATHSIG, PATH looked up before
// the fork, every other descriptor closed in the child; standard output and error are read from a
// pipe by a thread of the object's own and cut into lines by outofprocess/output_lines.h. The
// Windows twin is win/child_process.cc.
#include "outofprocess/platform.h"
#include "outofprocess/output_lines.h"
#include "outofprocess/posix/support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <atomic>
#include <thread>

namespace isapi_node::outofprocess::platform {
namespace {

using posix_support::kSlice;
using posix_support::os_error;

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

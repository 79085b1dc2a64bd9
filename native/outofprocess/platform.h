// What the out-of-process backend needs of the OS, implemented by twins with the same file name in
// posix/ (a Unix domain socket in a private 0700 folder, fork/exec with PR_SET_PDEATHSIG) and win/
// (a named pipe with a random name, FILE_FLAG_FIRST_PIPE_INSTANCE and a DACL for the process's own
// identity, CreateProcess into a job object that kills its processes when the extension goes).
// Strings are UTF-8.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace isapi_node::outofprocess::platform {

// `n` bytes from the OS's secure random source; empty when it failed.
std::string random_bytes(size_t n);

// One worker's connection. One thread reads while others write; close() makes a blocked read
// return, so the reader can be joined.
class Stream {
 public:
  virtual ~Stream() = default;
  // Bytes read into `buffer`, 0 at the end (the worker closed it or died), -1 on an error.
  virtual ptrdiff_t read(char* buffer, size_t size) = 0;
  // All of `data`; false when the connection is broken.
  virtual bool write(const char* data, size_t size) = 0;
  // Ends the connection both ways (idempotent, any thread).
  virtual void close() = 0;
};

// The private endpoint one worker connects to; removed with the object.
class Listener {
 public:
  // Null with `error` set when it cannot be made.
  static std::unique_ptr<Listener> create(std::string& error);
  virtual ~Listener() = default;
  // What the worker passes to net.connect(): a socket path or a pipe name.
  virtual const std::string& address() const = 0;
  // The first connection within `timeout`; gives up early when `give_up()` turns true (checked
  // every few milliseconds: the worker exited). Null with `error` set otherwise.
  virtual std::unique_ptr<Stream> accept(std::chrono::milliseconds timeout, const std::function<bool()>& give_up,
                                         std::string& error) = 0;
};

// A worker process: standard input gets `input` and is then closed; standard output and error
// are delivered line by line to `on_line` from a thread of the object's own.
class ChildProcess {
 public:
  struct Options {
    std::string executable;  // a path, or a name looked up in PATH
    std::vector<std::string> arguments;
    std::string input;
    std::function<void(const std::string& line)> on_line;
  };
  // Null with `error` set when it could not start; `not_found` tells a missing executable apart.
  static std::unique_ptr<ChildProcess> spawn(const Options& options, std::string& error, bool& not_found);
  // Kills the process if it still runs, and reaps it.
  virtual ~ChildProcess() = default;
  virtual uint64_t pid() const = 0;
  // How it ended ("exit code 7", "signal 9 (Killed)") once it has, within `timeout`; else nullopt.
  virtual std::optional<std::string> wait(std::chrono::milliseconds timeout) = 0;
  // Ends it at once (SIGKILL, TerminateProcess); wait() then reports it.
  virtual void kill() = 0;
  // After it ended: waits, at most `timeout`, until its last output reached `on_line` (a
  // descendant still holding its output open would make that never).
  virtual void wait_output(std::chrono::milliseconds timeout) = 0;
};

}  // namespace isapi_node::outofprocess::platform

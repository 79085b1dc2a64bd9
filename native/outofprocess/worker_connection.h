// The extension's end of one worker's connection (docs/protocol.md): the handshake, the requests
// multiplexed on it by id, their credits, and the frames written in batches.
//
// Threads: serve() runs on the worker's reader thread and is the only reader; every other method
// may be called from any thread (pool threads submit, IIS threads complete sends and reads). The
// first thread that finds no write in progress writes everything queued, including frames other
// threads add meanwhile, so frames produced together leave in one write without a writer thread.
// `mutex_` guards the requests, `out_mutex_` the outgoing bytes; neither is held while a request's
// methods run.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "backend/backend.h"
#include "outofprocess/frame.h"
#include "outofprocess/platform.h"

namespace isapi_node::outofprocess {

struct WorkerSettings {
  unsigned index = 0;
  std::string secret;         // the kSecretBytes the worker must present in HELLO
  std::string configuration;  // WELCOME's JSON
};

class WorkerConnection {
 public:
  WorkerConnection(std::unique_ptr<platform::Stream> stream, WorkerSettings settings, BackendHost& host);

  // Reads and handles frames until the connection ends; returns why it ended, for the trace.
  std::string serve();
  // Waits until the worker is READY (nullopt), reported a failure, or `timeout` passed.
  std::optional<StartFailure> wait_ready(std::chrono::milliseconds timeout);
  // Sends the request to the worker with `vars` as its server variables.
  void submit(std::shared_ptr<RequestHandle> request, Pairs vars);
  // Requests the worker has not finished answering (the dispatcher's measure of its load).
  size_t in_flight() const { return in_flight_; }
  // Time since the worker's last frame: its heartbeats keep this short while its loop turns.
  std::chrono::milliseconds silent_for() const;
  // The worker's pid as it reported it in HELLO (0 before).
  uint64_t pid() const { return pid_; }
  // Breaks the connection: serve() returns.
  void close() { stream_->close(); }
  // Ends every request still in flight: `status` page, or the connection closed when headers left.
  void fail_all(unsigned status, const std::string& reason);

 private:
  enum class Stage { hello, ready, serving };
  struct Exchange {
    std::shared_ptr<RequestHandle> request;
    uint64_t unconfirmed = 0;  // response bytes sent but not yet confirmed by a SENT
    bool reading = false;      // a READ is outstanding
    bool finished = false;     // the final SEND arrived
  };

  void handle(const FrameSplitter::Frame& frame);
  void on_hello(PayloadReader& in);
  void on_ready(uint8_t flags, PayloadReader& in);
  void on_send(uint64_t id, uint8_t flags, PayloadReader& in);
  void on_read(uint64_t id, PayloadReader& in);
  void on_abort(uint64_t id, PayloadReader& in);
  // Forgets the request, whose end was decided (final send completed, abort, gone), and returns
  // it; null when it was already forgotten.
  std::shared_ptr<RequestHandle> forget(uint64_t id);
  void write(std::string frame);
  void settle_start(std::optional<StartFailure> failure);

  const std::unique_ptr<platform::Stream> stream_;
  const WorkerSettings settings_;
  BackendHost& host_;
  std::atomic<int64_t> last_heard_;
  std::atomic<uint64_t> pid_{0};
  std::atomic<size_t> in_flight_{0};
  Stage stage_ = Stage::hello;  // the reader thread's alone

  std::mutex mutex_;
  std::condition_variable started_cv_;
  bool start_settled_ = false;
  std::optional<StartFailure> start_failure_;
  std::unordered_map<uint64_t, Exchange> exchanges_;
  bool closed_ = false;  // fail_all() ran: nothing more is taken

  std::mutex out_mutex_;
  std::string out_;
  bool writing_ = false;
  bool broken_ = false;
};

}  // namespace isapi_node::outofprocess

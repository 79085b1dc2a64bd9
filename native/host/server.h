// The listening side of the host: the pool threads (`--threads`), which do the I/O and call into
// the extension, an acceptor, and the graceful shutdown IIS performs on recycle.
//
// Each pool thread runs an io_context of its own and owns the connections the acceptor deals to
// it: a request is read, handed to the extension and finished on one thread, and completions an
// extension starts from its own threads wake only the thread that owns the connection. (One
// io_context shared by every thread had its threads handing work to each other through a
// condition variable: on 2 cores the ceiling benchmark ran at 60% of one thread's rate.)
//
// The IIS pool (iis_pool.h, --iis-threads) is a second set of threads that own no connection: the
// hostile modes run HttpExtensionProc and completions there.
#pragma once
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "host/iis_pool.h"
#include "host/server_context.h"

namespace host {

class Connection;

class Server {
 public:
  Server(const HostOptions& options, ContractMonitor& monitor, ExtensionModule* extension, Authenticator auth);
  ~Server();
  ServerContext& context() { return ctx_; }

  // Binds and listens; throws std::runtime_error naming the address and the cause.
  void listen();
  uint16_t port() const;
  void start_threads();
  // Blocks until SIGTERM or SIGINT.
  void wait_for_signal();
  // Stops accepting, closes idle connections and waits for active sessions to end, at most
  // `deadline`. Returns true when none is left; otherwise each survivor is reported and cut off.
  bool drain(std::chrono::milliseconds deadline);
  // Stops the pool and the IIS pool. Returns false when a thread is still inside extension code
  // after a grace period (the caller must then end the process without unwinding).
  bool stop();

 private:
  void accept();
  boost::asio::io_context& next_shard();

  std::vector<std::unique_ptr<boost::asio::io_context>> shards_;  // one per pool thread
  size_t next_shard_ = 0;
  boost::asio::io_context& io_;  // shards_[0]: the acceptor and the signals
  // Declared after the shards: its pending jobs hold sessions whose sockets belong to a shard, so
  // it must be destroyed first.
  IisPool iis_pool_;
  ServerContext ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Registered at construction, so a signal that arrives before wait_for_signal() is kept.
  boost::asio::signal_set signals_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned> running_threads_{0};
  std::mutex connections_mutex_;
  std::vector<std::weak_ptr<Connection>> connections_;
};

}  // namespace host

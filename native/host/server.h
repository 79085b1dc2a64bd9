// The listening side of the host: one io_context run by the pool threads (`--threads`), which
// also call into the extension, an acceptor, and the graceful shutdown IIS performs on recycle.
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
  // Stops the pool. Returns false when a pool thread is still inside extension code after a grace
  // period (the caller must then end the process without unwinding).
  bool stop();

 private:
  void accept();

  boost::asio::io_context io_;
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

#include "host/server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <algorithm>
#include <cstdio>
#include <future>
#include <iostream>
#include <stdexcept>

#include "host/connection.h"
#include "host/platform.h"
#include "host/session.h"

namespace host {
namespace net = boost::asio;
using boost::system::error_code;

namespace {
// How long stop() waits for pool threads to leave extension code once the pool is stopped.
constexpr auto kThreadExitGrace = std::chrono::seconds(2);

std::vector<std::unique_ptr<net::io_context>> make_shards(unsigned threads) {
  std::vector<std::unique_ptr<net::io_context>> shards;
  // Concurrency hint 1: each io_context is run by exactly one thread (others only post to it).
  for (unsigned i = 0; i < std::max(threads, 1u); ++i) shards.push_back(std::make_unique<net::io_context>(1));
  return shards;
}
}  // namespace

Server::Server(const HostOptions& options, ContractMonitor& monitor, ExtensionModule* extension, Authenticator auth)
    : shards_(make_shards(options.threads)),
      io_(*shards_.front()),
      iis_pool_(options.hostility.iis_threads),
      ctx_{options, SiteConfig{}, std::move(auth), monitor, extension, iis_pool_, {}},
      acceptor_(io_),
      signals_(io_, SIGTERM, SIGINT) {
  ctx_.site.virtual_dir = options.virtual_dir;
  ctx_.site.physical_path = options.physical_path;
  ctx_.site.site_id = options.site_id;
  ctx_.site.https = options.https;
  ctx_.site.max_header_bytes = options.max_header_bytes;
  ctx_.site.preload_bytes = options.preload_bytes;
}

Server::~Server() = default;

void Server::listen() {
  error_code ec;
  auto address = net::ip::make_address(ctx_.options.listen_address, ec);
  if (ec) throw std::runtime_error("'" + ctx_.options.listen_address + "' is not an IP address");
  net::ip::tcp::endpoint endpoint(address, ctx_.options.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + ctx_.options.listen_address + ":" +
                             std::to_string(ctx_.options.port) + ": " + ec.message());
  accept();
}

uint16_t Server::port() const { return acceptor_.local_endpoint().port(); }

net::io_context& Server::next_shard() {
  net::io_context& shard = *shards_[next_shard_];
  next_shard_ = (next_shard_ + 1) % shards_.size();
  return shard;
}

void Server::accept() {
  // The new socket belongs to the next shard in turn: connections are dealt round-robin.
  acceptor_.async_accept(next_shard(), [this](error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      auto connection = std::make_shared<Connection>(std::move(socket), ctx_);
      {
        std::lock_guard<std::mutex> lock(connections_mutex_);
        // Forget closed connections now and then, so the list tracks the live ones.
        if (connections_.size() >= 64 && connections_.size() % 64 == 0) {
          connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                            [](const auto& w) { return w.expired(); }),
                             connections_.end());
        }
        connections_.push_back(connection);
      }
      connection->start();
    }
    accept();
  });
}

void Server::start_threads() {
  for (auto& shard : shards_) {
    ++running_threads_;
    threads_.emplace_back([this, io = shard.get(), number = threads_.size()] {
      // Named, so a debugger, top -H or an extension can tell the connection threads from IIS's.
      platform::name_this_thread("host-io-" + std::to_string(number));
      auto guard = net::make_work_guard(*io);
      // A handler that throws must not end the thread (std::terminate): say so and go on.
      for (;;) {
        try {
          io->run();
          break;
        } catch (const std::exception& e) {
          std::cerr << "isapi-host: a pool job failed: " << e.what() << std::endl;
        }
      }
      --running_threads_;
    });
  }
  iis_pool_.start();
}

void Server::wait_for_signal() {
  auto signalled = std::make_shared<std::promise<int>>();
  auto once = std::make_shared<std::once_flag>();
  auto stop = [signalled, once](int why) { std::call_once(*once, [&] { signalled->set_value(why); }); };
  signals_.async_wait([stop](error_code ec, int number) { stop(ec ? 0 : number); });
  if (ctx_.options.stop_on_stdin_close) {
    // Blocked in a read for the rest of the process: detached, it ends with it.
    std::thread([stop] {
      char sink[256];
      while (std::fread(sink, 1, sizeof sink, stdin) > 0) {
      }
      stop(0);
    }).detach();
  }
  signalled->get_future().wait();
}

bool Server::drain(std::chrono::milliseconds deadline) {
  ctx_.draining = true;
  std::promise<void> closed;
  net::post(io_, [this, &closed] {
    error_code ignored;
    acceptor_.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  {
    std::lock_guard<std::mutex> lock(connections_mutex_);
    for (auto& weak : connections_)
      if (auto c = weak.lock()) c->close_if_idle();
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (ctx_.monitor.active_sessions() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (ctx_.monitor.active_sessions() == 0) return true;
  for (auto& session : ctx_.registry.live_sessions()) session->abandon();
  return false;
}

bool Server::stop() {
  for (auto& shard : shards_) shard->stop();
  iis_pool_.stop();
  const auto until = std::chrono::steady_clock::now() + kThreadExitGrace;
  auto busy = [this] { return running_threads_ > 0 || iis_pool_.running() > 0; };
  while (busy() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (busy()) {
    for (auto& t : threads_) t.detach();
    iis_pool_.detach();
    return false;
  }
  for (auto& t : threads_) t.join();
  iis_pool_.join();
  return true;
}

}  // namespace host

// IIS's own worker threads, as the host plays them: a small Boost.Asio thread pool (--iis-threads)
// that owns no connection. With --proc-thread pool HttpExtensionProc runs here, and with
// --completions other/delayed/mixed completions are delivered here, in parallel with whatever the
// extension is doing on its other threads for the same request.
#pragma once
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace host {

class IisPool {
 public:
  explicit IisPool(unsigned threads);

  void start();
  // Runs `job` on one of the pool's threads.
  template <class Job>
  void post(Job job) {
    boost::asio::post(io_, std::move(job));
  }
  // Runs `job` on one of the pool's threads once `delay` has passed.
  template <class Job>
  void post_after(std::chrono::microseconds delay, Job job) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    timer->async_wait([timer, job = std::move(job)](const boost::system::error_code&) mutable { job(); });
  }

  // Stops running jobs (the ones not yet started are dropped).
  void stop() { io_.stop(); }
  // Threads still running (inside a job, or not yet out of run() after stop()).
  unsigned running() const { return running_; }
  void join();
  // For a thread stuck in extension code: the process ends without waiting for it.
  void detach();

 private:
  boost::asio::io_context io_;
  unsigned thread_count_;
  std::vector<std::thread> threads_;
  std::atomic<unsigned> running_{0};
};

}  // namespace host

#include "host/iis_pool.h"

#include <boost/asio/executor_work_guard.hpp>
#include <iostream>

#include "host/platform.h"

namespace host {

IisPool::IisPool(unsigned threads) : io_(static_cast<int>(threads)), thread_count_(threads) {}

void IisPool::start() {
  for (unsigned i = 0; i < thread_count_; ++i) {
    ++running_;
    threads_.emplace_back([this, i] {
      // Named, so a debugger, top -H or an extension can tell IIS's threads from the connections'.
      platform::name_this_thread("iis-pool-" + std::to_string(i));
      auto guard = boost::asio::make_work_guard(io_);
      // A job that throws must not end the thread (std::terminate): say so and go on.
      for (;;) {
        try {
          io_.run();
          break;
        } catch (const std::exception& e) {
          std::cerr << "isapi-host: an IIS pool job failed: " << e.what() << std::endl;
        }
      }
      --running_;
    });
  }
}

void IisPool::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void IisPool::detach() {
  for (auto& t : threads_)
    if (t.joinable()) t.detach();
}

}  // namespace host

// A thread with a stack big enough for V8, whatever the process's default: IIS threads have
// 256 KiB (x86) or 512 KiB (x64) while V8 assumes about 1 MiB, and a thread made by std::thread
// inherits the process's default. Every JS worker and Node's start-up run on one of these. libuv
// (which libnode carries on every platform) sets the size, so no platform twin is needed.
#pragma once
#include <uv.h>

#include <functional>
#include <memory>

namespace isapi_node::runtime {

class LargeStackThread {
 public:
  static constexpr size_t kStackBytes = 8u << 20;

  LargeStackThread() = default;
  ~LargeStackThread();  // joins, as std::thread would have to be
  LargeStackThread(const LargeStackThread&) = delete;
  LargeStackThread& operator=(const LargeStackThread&) = delete;

  // Starts `body` on a new thread; throws std::system_error when the thread cannot be made.
  void start(std::function<void()> body);
  bool joinable() const { return started_; }
  void join();

  // Runs `body` on a new large-stack thread and waits for it.
  static void run(std::function<void()> body);

 private:
  static void entry(void* arg);
  uv_thread_t thread_{};
  std::unique_ptr<std::function<void()>> body_;
  bool started_ = false;
};

}  // namespace isapi_node::runtime

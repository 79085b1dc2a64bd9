#include "runtime/large_stack_thread.h"

#include <system_error>

namespace isapi_node::runtime {

LargeStackThread::~LargeStackThread() { join(); }

void LargeStackThread::entry(void* arg) { (*static_cast<std::function<void()>*>(arg))(); }

void LargeStackThread::start(std::function<void()> body) {
  body_ = std::make_unique<std::function<void()>>(std::move(body));
  uv_thread_options_t options{};
  options.flags = UV_THREAD_HAS_STACK_SIZE;
  options.stack_size = kStackBytes;
  if (const int error = uv_thread_create_ex(&thread_, &options, &LargeStackThread::entry, body_.get()))
    throw std::system_error(-error, std::generic_category(), "cannot start a JavaScript thread");
  started_ = true;
}

void LargeStackThread::join() {
  if (!started_) return;
  uv_thread_join(&thread_);
  started_ = false;
  body_.reset();
}

void LargeStackThread::run(std::function<void()> body) {
  LargeStackThread thread;
  thread.start(std::move(body));
  thread.join();
}

}  // namespace isapi_node::runtime

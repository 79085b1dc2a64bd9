#include "reference/async_request.h"

#include "reference/platform.h"

// Each thread's issue() frames, innermost first, are chained through platform::thread_slot().
namespace ref {

void AsyncRequest::begin_issue(IssueFrame& frame) {
  holds_.fetch_add(1, std::memory_order_relaxed);
  frame.outer = static_cast<IssueFrame*>(platform::thread_slot());
  platform::set_thread_slot(&frame);
}

AsyncRequest::Issued AsyncRequest::end_issue(IssueFrame& frame, bool ok) {
  platform::set_thread_slot(frame.outer);
  const Issued issued = !ok ? Issued::failed : frame.completed_inline ? Issued::inline_done : Issued::later;
  // After `later`, the chain may have finished on another thread already: this may be the last hold.
  release();
  return issued;
}

bool AsyncRequest::take_inline(DWORD bytes, DWORD error) {
  auto* frame = static_cast<IssueFrame*>(platform::thread_slot());
  if (!frame || frame->request != this) return false;
  frame->completed_inline = true;
  inline_bytes_ = bytes;
  inline_error_ = error;
  return true;
}

void AsyncRequest::finish(DWORD status) {
  status_ = status;
  release();
}

void AsyncRequest::release() {
  if (holds_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  done(ecb_, status_);
  delete this;
}

}  // namespace ref

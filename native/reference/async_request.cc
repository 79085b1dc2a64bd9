#include "reference/async_request.h"

#include <pthread.h>

namespace ref {
namespace {

// The issue() frames of each thread, innermost first. A pthread key rather than a thread_local:
// ThreadSanitizer's interceptor crashes on the dynamic TLS of a dlopen'ed library, and the
// extension runs under it too.
pthread_key_t issuing_key;
pthread_once_t issuing_key_once = PTHREAD_ONCE_INIT;

pthread_key_t issuing() {
  pthread_once(&issuing_key_once, [] { pthread_key_create(&issuing_key, nullptr); });
  return issuing_key;
}

}  // namespace

void AsyncRequest::begin_issue(IssueFrame& frame) {
  holds_.fetch_add(1, std::memory_order_relaxed);
  frame.outer = static_cast<IssueFrame*>(pthread_getspecific(issuing()));
  pthread_setspecific(issuing(), &frame);
}

AsyncRequest::Issued AsyncRequest::end_issue(IssueFrame& frame, bool ok) {
  pthread_setspecific(issuing(), frame.outer);
  const Issued issued = !ok ? Issued::failed : frame.completed_inline ? Issued::inline_done : Issued::later;
  // After `later`, the chain may have finished on another thread already: this may be the last hold.
  release();
  return issued;
}

bool AsyncRequest::take_inline(DWORD bytes, DWORD error) {
  auto* frame = static_cast<IssueFrame*>(pthread_getspecific(issuing()));
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

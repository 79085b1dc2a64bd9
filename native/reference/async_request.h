// A request HttpExtensionProc left PENDING and a chain of async operations carries on. IIS may run
// a completion on any thread, in parallel with the thread still returning from the call that
// started the operation, before HttpExtensionProc has returned, or inline inside that very call.
// This base class makes all of these safe:
// - DONE_WITH_SESSION goes out only once the chain has finished *and* no thread is inside an ECB
//   call made through issue(): on IIS, DONE frees the ECB under any such call.
// - A completion that arrives inline is handed back to the loop that issued the call instead of
//   recursing, so a long chain on a server that completes inline (Apache does) keeps a flat stack.
#pragma once
#include <atomic>

#include "reference/reference.h"

namespace ref {

class AsyncRequest {
 public:
  enum class Issued {
    failed,       // the call returned FALSE: no completion will come
    later,        // the completion comes on its own, maybe already has: `this` may be gone
    inline_done,  // it completed inside the call: inline_bytes()/inline_error() hold the result
  };

  explicit AsyncRequest(Ecb* ecb) : ecb_(ecb) {}
  virtual ~AsyncRequest() = default;
  AsyncRequest(const AsyncRequest&) = delete;
  AsyncRequest& operator=(const AsyncRequest&) = delete;

  Ecb* ecb() const { return ecb_; }

  // Makes one ECB call that starts an async operation (the completion routine's context must be
  // this object). After `later`, the caller must not touch `this` again.
  template <class Call>
  Issued issue(Call&& call) {
    IssueFrame frame{this};
    begin_issue(frame);
    const BOOL ok = call();
    return end_issue(frame, ok != FALSE);
  }
  // The completion routine's first step: true when the completion arrived inline, inside issue() on
  // this thread; it is then recorded for the issuing loop and the routine must return at once.
  bool take_inline(DWORD bytes, DWORD error);
  DWORD inline_bytes() const { return inline_bytes_; }
  DWORD inline_error() const { return inline_error_; }

  // The chain is over: DONE_WITH_SESSION with `status` once no call is in progress, then
  // `delete this`. The caller must not touch `this` again.
  void finish(DWORD status);

 private:
  // One issue() in progress, on the issuing thread's stack; the thread's innermost one is found
  // through platform::thread_slot() (platform.h says why not thread_local).
  struct IssueFrame {
    AsyncRequest* request;
    bool completed_inline = false;
    IssueFrame* outer = nullptr;
  };
  void begin_issue(IssueFrame& frame);
  Issued end_issue(IssueFrame& frame, bool ok);
  void release();

  Ecb* const ecb_;
  // One for the chain (released by finish()), one per call in progress through issue(): whoever
  // lets go last sends DONE.
  std::atomic<int> holds_{1};
  DWORD status_ = HSE_STATUS_SUCCESS;
  DWORD inline_bytes_ = 0, inline_error_ = 0;
};

// A request whose operations follow one another. `Chain` derives from AsyncRequest and has
//   BOOL call();                          the next ECB call; its completion routine is chain_completed<Chain>
//   bool next(DWORD bytes, DWORD error);  takes one completion in and prepares the next call; false
//                                         once it has finished the request
// drive() issues call after call for as long as they complete inline, so the stack stays flat.
template <class Chain>
void drive(Chain* c) {
  for (;;) {
    switch (c->issue([c] { return c->call(); })) {
      case AsyncRequest::Issued::failed: return c->finish(HSE_STATUS_ERROR);
      case AsyncRequest::Issued::later: return;
      case AsyncRequest::Issued::inline_done:
        if (!c->next(c->inline_bytes(), c->inline_error())) return;
        break;
    }
  }
}

template <class Chain>
void WINAPI chain_completed(Ecb*, void* ctx, DWORD bytes, DWORD error) {
  auto* c = static_cast<Chain*>(ctx);
  if (c->take_inline(bytes, error)) return;
  if (c->next(bytes, error)) drive(c);
}

}  // namespace ref

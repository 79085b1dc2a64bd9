// /breach?kind=K: breaks the ISAPI contract on purpose, one way per kind, so the tests can show
// the host's strict checker catches each. Never imitate.
#include <condition_variable>
#include <mutex>
#include <string>

#include "reference/reference.h"

namespace ref {
namespace {

// The first write's completion can run on another thread before the second call is even made;
// it waits for that call, so the breach is the same on every run.
struct SecondCall {
  std::mutex mutex;
  std::condition_variable issued_cv;
  bool issued = false;
};

void WINAPI end_after_second_call(Ecb* ecb, void* ctx, DWORD, DWORD) {
  auto* second = static_cast<SecondCall*>(ctx);
  {
    std::unique_lock<std::mutex> lock(second->mutex);
    second->issued_cv.wait(lock, [second] { return second->issued; });
  }
  delete second;
  done(ecb);
}

}  // namespace

DWORD breach(Ecb* ecb) {
  const std::string kind = query_param(ecb, "kind");
  if (kind == "double-done") {
    respond(ecb, "200 OK", "text/plain", "done twice\n");
    done(ecb);
    done(ecb);
    return HSE_STATUS_PENDING;
  }
  if (kind == "after-done") {
    respond(ecb, "200 OK", "text/plain", "written after done\n");
    done(ecb);
    DWORD n = 4;
    ecb->WriteClient(ecb->ConnID, const_cast<char*>("late"), &n, HSE_IO_SYNC);
    return HSE_STATUS_PENDING;
  }
  if (kind == "concurrent-async") {
    static char first[] = "ab", second[] = "cd";
    auto* pending = new SecondCall;
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<void*>(end_after_second_call),
                               nullptr, reinterpret_cast<DWORD*>(pending));
    send_head(ecb, "200 OK", "Content-Type: text/plain\r\nContent-Length: 2\r\n");
    DWORD n1 = 2, n2 = 2;
    ecb->WriteClient(ecb->ConnID, first, &n1, HSE_IO_ASYNC);
    ecb->WriteClient(ecb->ConnID, second, &n2, HSE_IO_ASYNC);  // the breach: one is still outstanding
    {
      std::lock_guard<std::mutex> lock(pending->mutex);
      pending->issued = true;
    }
    pending->issued_cv.notify_one();
    return HSE_STATUS_PENDING;
  }
  if (kind == "foreign-conn") {
    char buf[64];
    DWORD size = sizeof buf;
    ecb->GetServerVariable(reinterpret_cast<HCONN>(static_cast<uintptr_t>(0xdead0000u)), const_cast<char*>("URL"), buf,
                           &size);
    return respond(ecb, "200 OK", "text/plain", "used a foreign ConnID\n");
  }
  return respond(ecb, "400 Bad Request", "text/plain", "unknown breach kind\n");
}

}  // namespace ref

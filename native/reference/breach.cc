// /breach?kind=K: breaks the ISAPI contract on purpose, one way per kind, so the tests can show
// the host's strict checker catches each. Never imitate.
#include <chrono>
#include <string>
#include <thread>

#include "reference/reference.h"

namespace ref {
namespace {

// The async read stays outstanding until the client sends the rest of its body, which the test
// holds back: the write issued meanwhile is a second async operation on every run.
struct HeldRead {
  char buffer[64];
};

void WINAPI answer_after_read(Ecb* ecb, void* ctx, DWORD, DWORD) {
  delete static_cast<HeldRead*>(ctx);
  respond(ecb, "200 OK", "text/plain", "read completed\n");
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
    // Needs a request body larger than the preload, whose tail the client holds back.
    auto* held = new HeldRead;
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<void*>(answer_after_read), nullptr,
                               reinterpret_cast<DWORD*>(held));
    DWORD size = sizeof held->buffer, flags = HSE_IO_ASYNC;
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_ASYNC_READ_CLIENT, held->buffer, &size, &flags);
    static char early[] = "ab";
    DWORD n = 2;
    ecb->WriteClient(ecb->ConnID, early, &n, HSE_IO_ASYNC);  // the breach: the read is outstanding
    return HSE_STATUS_PENDING;
  }
  if (kind == "done-during-call") {
    // Needs a request body the client holds back (and no preload): one thread waits inside
    // ReadClient for it while another sends DONE_WITH_SESSION, which on IIS frees the ECB under
    // the read.
    respond(ecb, "200 OK", "text/plain", "done during a call\n");
    std::thread([ecb] {
      char buf[64];
      DWORD size = sizeof buf;
      ecb->ReadClient(ecb->ConnID, buf, &size);
    }).detach();
    std::thread([ecb] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the reader is inside by now
      done(ecb);
    }).detach();
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

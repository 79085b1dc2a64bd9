// The Win32 "last error" slot, which on Windows lives in the thread environment block. On Linux the
// host and every extension it loads must share one slot per thread, so the host defines it and
// exports it (see exports.list); extensions resolve these two symbols when they are loaded.
#include "isapi/isapi.h"

namespace {
thread_local DWORD last_error = 0;
}

extern "C" __attribute__((visibility("default"))) void SetLastError(DWORD code) { last_error = code; }
extern "C" __attribute__((visibility("default"))) DWORD GetLastError(void) { return last_error; }

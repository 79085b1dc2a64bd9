// The four function pointers of every ECB. They receive only a ConnID, so they find the session
// through the registry of the one ServerContext the host runs, and report a stale or unknown
// ConnID as a contract breach instead of trusting it. Each call is counted as in progress on its
// session while it runs, so DONE_WITH_SESSION arriving during another thread's call is caught
// (done_during_call), and no C++ exception ever leaves them.
#pragma once
#include "host/server_context.h"
#include "isapi/isapi.h"

namespace host {

// Must be called once, before the first request, with the context that outlives all requests.
void install_callbacks(ServerContext* context);
// Points the ECB's callback fields at the host's implementations.
void fill_callbacks(EXTENSION_CONTROL_BLOCK& ecb);

}  // namespace host

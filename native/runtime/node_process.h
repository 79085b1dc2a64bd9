// Node's once-per-process half (embedding comes in two halves, as in Node's own embedding test):
// process-wide initialization, the V8 platform, V8 itself. Done once, on first use, and never
// undone: Node cannot be initialized twice in one process, and the process (the IIS worker) ends
// soon after the extension is unloaded.
#pragma once
#include <cstdint>
#include <string>

namespace node {
class MultiIsolatePlatform;
}

namespace isapi_node::runtime {

// The shared platform, or null with `error` set when Node could not be initialized. V8's flags are
// process-wide and fixed before V8 starts: the first caller's `max_heap_mb` (0: V8's default) is
// every worker's old-space limit.
node::MultiIsolatePlatform* node_platform(uint32_t max_heap_mb, std::string& error);

}  // namespace isapi_node::runtime

// Node's once-per-process half (embedding comes in two halves, as in Node's own embedding test):
// process-wide initialization, the V8 platform, V8 itself. Done once, on first use, and never
// undone: Node cannot be initialized twice in one process, and the process (the IIS worker) ends
// soon after the extension is unloaded.
#pragma once
#include <string>

namespace node {
class MultiIsolatePlatform;
}

namespace isapi_node::runtime {

// The shared platform, or null with `error` set when Node could not be initialized.
node::MultiIsolatePlatform* node_platform(std::string& error);

}  // namespace isapi_node::runtime

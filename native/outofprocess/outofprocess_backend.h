// The out-of-process hosting model (docs/protocol.md): the app runs in `processes` supervised
// worker processes of the user's own Node, each serving many requests over one private
// connection. Built into the extension itself: nothing of libnode is loaded.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace isapi_node::outofprocess {

// What only this model needs beyond BackendConfig (which crosses the C seam to the in-process
// library, so it stays as it is).
struct OutOfProcessConfig {
  unsigned processes = 1;
  std::string node_path = "node";
  std::string worker_entry;                   // absolute path of dist/worker/main.js
  std::vector<std::string> server_variables;  // sent with each request beyond the protocol's own list
};

std::unique_ptr<Backend> make_outofprocess_backend(const BackendConfig& config, const OutOfProcessConfig& oop,
                                                   BackendHost& host);

}  // namespace isapi_node::outofprocess

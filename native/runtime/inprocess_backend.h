// The in-process backend, in the C++ view of the seam (backend.h); backend_export.cc offers it to
// the extension through the C ABI (backend_abi.h).
#pragma once
#include <memory>

#include "backend/backend.h"

namespace isapi_node::runtime {

std::unique_ptr<Backend> make_inprocess_backend(const BackendConfig& config, BackendHost& host);

}  // namespace isapi_node::runtime

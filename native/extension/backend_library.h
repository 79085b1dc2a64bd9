// The extension's side of the C seam (backend/backend_abi.h): a backend library opened by its one
// exported symbol, version-checked, and seen from here as a C++ Backend (backend.h). Requests
// cross as reference-counted C handles; the host table turns calls on them back into calls on the
// extension's RequestHandle.
#pragma once
#include <memory>
#include <string>

#include "backend/backend.h"

namespace isapi_node {

// Opens the backend in the already loaded `library`, or null with `error` set (not a backend
// library, another version of the interface, or it could not create its backend). `host` must
// outlive the backend.
std::unique_ptr<Backend> open_backend_library(void* library, const BackendConfig& config, BackendHost& host,
                                              std::string& error);

}  // namespace isapi_node

// Builds the RequestRecord the JS side turns into an environ, from the ECB and IIS's server
// variables. Runs on a pool thread, never on an IIS thread.
#pragma once
#include <optional>
#include <string>

#include "backend/backend.h"
#include "isapi/isapi.h"

namespace isapi_node {

RequestRecord build_request_record(EXTENSION_CONTROL_BLOCK* ecb, uint64_t id);

// A server variable, growing the buffer when IIS asks for more (and at least doubling it, since
// old IIS versions under-report the size); nullopt when IIS has no such variable.
std::optional<std::string> server_variable(EXTENSION_CONTROL_BLOCK* ecb, const char* name);

}  // namespace isapi_node

// Builds the RequestRecord the JS side turns into an environ, from the ECB and IIS's server
// variables. Runs on a pool thread, never on an IIS thread.
#pragma once
#include <optional>
#include <string>

#include "backend/backend.h"
#include "isapi/isapi.h"

namespace isapi_node {

// The ECB's cbTotalBytes for a body of unknown length (chunked) or of 4 GB or more.
inline constexpr DWORD kUnknownBodyLength = 0xFFFFFFFF;

RequestRecord build_request_record(EXTENSION_CONTROL_BLOCK* ecb, uint64_t id);

}  // namespace isapi_node

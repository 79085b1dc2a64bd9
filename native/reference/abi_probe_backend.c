/* A backend library from a future release, for the extension's tests: it opens, but its table
 * says another version of the backend interface. The extension must refuse it with a clear
 * startup failure instead of calling into a table it does not understand. */
#include "backend/backend_abi.h"
#include "isapi/isapi.h"

static const isapi_node_backend_api future_api = {ISAPI_NODE_ABI_VERSION + 1, sizeof(isapi_node_backend_api), 0, 0,
                                                  0, 0, 0};

ISAPI_NODE_EXPORT isapi_node_backend* isapi_node_open_backend(uint32_t abi_version,
                                                              const isapi_node_backend_config* config,
                                                              const isapi_node_host_api* host,
                                                              const isapi_node_backend_api** api, char* error,
                                                              size_t error_size) {
  (void)abi_version, (void)config, (void)host, (void)error, (void)error_size;
  *api = &future_api;
  return (isapi_node_backend*)&future_api; /* never used: the extension refuses the table first */
}

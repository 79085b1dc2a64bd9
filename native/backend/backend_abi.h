/* The binary seam between the ISAPI extension and a backend library (the in-process runtime,
 * isapi_node_inproc): plain C, versioned, so an extension built by one compiler (mingw) can load
 * a runtime built by another (MSVC, which libnode.dll requires on Windows). Nothing but C types
 * crosses it: no std:: type, no vtable, no exception, no C runtime object (a file is an OS handle,
 * memory is freed by the side that allocated it).
 *
 * Ownership and threads:
 *  - a request is the extension's; the backend holds references (retain/release) and calls the
 *    request functions from any thread;
 *  - a completion, a listener and a sink are called at most once, on any thread, never inside the
 *    call that passed them; `dispose` is called exactly once when the extension drops a listener
 *    (after it fired, or when the request ended without firing it);
 *  - bytes passed in (isapi_node_bytes) are borrowed for the call only.
 * Each side keeps its own C++ view of the seam (backend.h); backend_abi_extension.cc and
 * backend_abi_runtime.cc translate. */
#ifndef ISAPI_NODE_BACKEND_ABI_H
#define ISAPI_NODE_BACKEND_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised on any change to a struct or a function below. Both sides refuse a different version. */
#define ISAPI_NODE_ABI_VERSION 1u

typedef struct {
  const char* data;
  size_t size;
} isapi_node_bytes;

typedef struct {
  isapi_node_bytes name;
  isapi_node_bytes value;
} isapi_node_pair;

/* A file to send: a HANDLE on Windows, a file descriptor elsewhere; borrowed until the completion. */
typedef intptr_t isapi_node_os_file;

typedef struct {
  uint64_t id;
  isapi_node_bytes method, path, query, raw_url;
  const isapi_node_pair* headers; /* as received */
  size_t header_count;
  const isapi_node_pair* vars; /* the record variables IIS had */
  size_t var_count;
  int64_t total_bytes; /* -1: unknown (chunked) */
  isapi_node_bytes preload;
} isapi_node_record;

typedef struct {
  isapi_node_bytes status; /* "200 OK" */
  const isapi_node_pair* headers;
  size_t header_count;
} isapi_node_head;

/* ok = 0: the client is gone (or the request was aborted). `data`: bytes read, or a value. */
typedef void (*isapi_node_completion)(void* context, int ok, const char* data, size_t size);
typedef void (*isapi_node_callback)(void* context);
/* Two strings at once (a start failure's kind and detail). */
typedef void (*isapi_node_pair_sink)(void* context, isapi_node_bytes first, isapi_node_bytes second);

typedef struct isapi_node_request isapi_node_request;

/* What the extension offers a backend. */
typedef struct {
  uint32_t version; /* ISAPI_NODE_ABI_VERSION */
  uint32_t size;    /* sizeof(isapi_node_host_api) */
  void (*retain)(isapi_node_request* request);
  void (*release)(isapi_node_request* request);
  /* Valid while the caller holds a reference. */
  const isapi_node_record* (*record)(isapi_node_request* request);
  /* `head` on the first send only (null after); `final` ends the response. */
  void (*send)(isapi_node_request* request, const isapi_node_head* head, isapi_node_bytes chunk, int final,
               isapi_node_completion done, void* context);
  void (*send_file)(isapi_node_request* request, const isapi_node_head* head, isapi_node_os_file file,
                    uint64_t offset, uint64_t length, int final, isapi_node_completion done, void* context);
  void (*read)(isapi_node_request* request, size_t max, isapi_node_completion done, void* context);
  /* Ends the request abnormally, at most once: a page with `status` (500 for an abort) when nothing
   * was sent, else the connection closed. `reason` goes to the trace, never to the client. */
  void (*fail)(isapi_node_request* request, unsigned status, isapi_node_bytes reason);
  /* Looks the variable up now and calls `deliver` before returning (ok = 0: IIS has none). */
  void (*server_variable)(isapi_node_request* request, isapi_node_bytes name, isapi_node_completion deliver,
                          void* context);
  void (*on_client_gone)(isapi_node_request* request, isapi_node_callback listener, isapi_node_callback dispose,
                         void* context);
  /* The trace channel. */
  void (*trace)(void* host, isapi_node_bytes source, isapi_node_bytes text);
  void* host;
} isapi_node_host_api;

typedef struct {
  uint32_t size; /* sizeof(isapi_node_backend_config) */
  isapi_node_bytes app_module, app_export, bootstrap, libnode;
  uint32_t workers;
  uint32_t validate;
  uint32_t start_timeout_ms;
  uint32_t rapid_fail_count;
  uint32_t rapid_fail_window_ms;
  uint32_t hang_timeout_ms;
  uint32_t max_heap_mb;
  uint64_t max_request_body_bytes;
} isapi_node_backend_config;

typedef struct isapi_node_backend isapi_node_backend;

/* What a backend offers the extension. */
typedef struct {
  uint32_t version; /* ISAPI_NODE_ABI_VERSION */
  uint32_t size;    /* sizeof(isapi_node_backend_api) */
  /* Boots the JS side and loads the app; blocks. Returns 1 when ready; else 0 after calling
   * `failure` with the failure's kind and detail. */
  int (*start)(isapi_node_backend* backend, isapi_node_pair_sink failure, void* context);
  /* Takes over one reference to `request` (the extension retained it for the backend). */
  void (*submit)(isapi_node_backend* backend, isapi_node_request* request);
  void (*stop)(isapi_node_backend* backend);
  /* Returns 1 and calls `deliver` with the reason when the backend gave up; 0 while healthy. */
  int (*unhealthy)(isapi_node_backend* backend, isapi_node_completion deliver, void* context);
  void (*destroy)(isapi_node_backend* backend);
} isapi_node_backend_api;

/* Exported by a backend library. Null (with `error` filled, NUL-terminated) when it cannot open,
 * for instance a different `abi_version`. The config and host table are copied or kept: `host`
 * must outlive the backend. */
typedef isapi_node_backend* (*isapi_node_open_backend_fn)(uint32_t abi_version, const isapi_node_backend_config* config,
                                                            const isapi_node_host_api* host,
                                                            const isapi_node_backend_api** api, char* error,
                                                            size_t error_size);
#define ISAPI_NODE_OPEN_BACKEND_SYMBOL "isapi_node_open_backend"

#ifdef __cplusplus
}
#endif

#endif /* ISAPI_NODE_BACKEND_ABI_H */

// The extension's configuration: a JSON file beside the extension, named after it
// (isapi_node.so → isapi_node.json), as pywin32's _dispatch.dll finds its dispatch.py; the
// ISAPI_NODE_CONFIG environment variable may point elsewhere. Relative paths in it are relative to
// the file itself.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace isapi_node {

struct ExtensionConfig {
  std::string source;              // the file it was read from
  std::string app;                 // absolute path of the app module
  std::string app_export;          // "" = default export / module.exports
  std::string hosting_model = "inprocess";  // or "outofprocess" (docs/protocol.md)
  unsigned workers = 1;            // JavaScript workers (in-process)
  unsigned processes = 1;          // worker processes (out-of-process)
  std::string node_path = "node";  // the Node executable of out-of-process workers (PATH lookup without a folder)
  std::vector<std::string> server_variables;  // sent with each request to out-of-process workers
  bool dev_errors = false;         // startup failure pages show the detail (message and stack)
  unsigned pool_threads = 4;       // the native pool that prepares requests
  std::string trace = "stderr";    // "stderr" or a file path; without "trace": platform::default_trace
  uint64_t trace_max_bytes = 64ull << 20;  // past it the trace file is rotated (FILE.1); 0: never
  uint32_t shutdown_timeout_ms = 30000;
  uint32_t start_timeout_ms = 30000;
  std::string package_root;        // where dist/runtime/bootstrap.cjs lives
  std::string libnode;             // optional explicit libnode to load first (ISAPI_NODE_LIBNODE overrides)
  std::string libnode_named_by;    // where `libnode` came from, for its error message
  bool validate = false;           // run the app inside validate(app) (lib/validate)
  uint32_t request_timeout_ms = 120000;  // a request not finished by then is ended (504); 0: none
  uint32_t max_pending_requests = 5000;  // in flight at once before 503 (IIS's appConcurrentRequestLimit; 0: no limit)
  uint32_t hang_timeout_ms = 30000;      // a worker whose event loop has not turned by then is replaced; 0: never
  uint64_t max_request_body_bytes = 30000000;  // IIS's maxAllowedContentLength default; larger bodies get 413
  uint32_t max_heap_mb = 0;              // V8 old-space limit per worker; 0: V8's default for the machine
  unsigned rapid_fail_count = 5;   // worker ends within the window that stop the restarts (IIS's default)
  uint32_t rapid_fail_window_ms = 300000;
};

struct ConfigResult {
  std::optional<ExtensionConfig> config;
  std::string error;  // why there is none: names the file, the key and the fix
  std::string file;   // the file read (or looked for)
};

// Reads the configuration for the extension file at `module_path`.
ConfigResult load_config(const std::string& module_path);

// The directory part of a path ("" for a bare name), and the file name without its extension.
std::string directory_of(const std::string& path);
std::string stem_of(const std::string& path);

}  // namespace isapi_node

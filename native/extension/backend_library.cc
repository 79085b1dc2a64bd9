#include "extension/backend_library.h"

#include <atomic>
#include <vector>

#include "backend/abi_convert.h"
#include "backend/backend_abi.h"
#include "extension/platform.h"

// One request lent to a backend: the extension's handle, its record in C form (pointing into the
// handle's own record, which lives as long as the handle), and the backend's references.
struct isapi_node_request {
  explicit isapi_node_request(std::shared_ptr<isapi_node::RequestHandle> h) : handle(std::move(h)) {
    using isapi_node::abi::bytes;
    const isapi_node::RequestRecord& r = handle->record();
    headers = isapi_node::abi::pairs_of(r.headers);
    for (size_t i = 0; i < isapi_node::kRecordVariableCount; ++i)
      if (r.vars[i]) vars.push_back({bytes(isapi_node::kRecordVariables[i]), bytes(*r.vars[i])});
    record = {r.id,          bytes(r.method), bytes(r.path),     bytes(r.query),   bytes(r.raw_url), headers.data(),
              headers.size(), vars.data(),    vars.size(),       r.total_bytes,    bytes(r.preload)};
  }
  std::shared_ptr<isapi_node::RequestHandle> handle;
  std::vector<isapi_node_pair> headers, vars;
  isapi_node_record record{};
  std::atomic<unsigned> references{1};
};

namespace isapi_node {
namespace {

using abi::text;

std::optional<ResponseHead> head_of(const isapi_node_head* head) {
  if (!head) return std::nullopt;
  return ResponseHead{text(head->status), abi::copy_pairs(head->headers, head->header_count)};
}

Completion completion_of(isapi_node_completion done, void* context) {
  return [done, context](bool ok, std::string data) { done(context, ok ? 1 : 0, data.data(), data.size()); };
}

// The backend's listener, dropped (dispose) with the last copy of the std::function holding it.
struct ForeignListener {
  ForeignListener(isapi_node_callback f, isapi_node_callback d, void* c) : fire(f), dispose(d), context(c) {}
  ForeignListener(const ForeignListener&) = delete;  // one owner: dispose runs once
  ForeignListener& operator=(const ForeignListener&) = delete;
  ~ForeignListener() { dispose(context); }
  const isapi_node_callback fire, dispose;
  void* const context;
};

// ---- the host table: each function catches everything, since its caller is C ----

void retain(isapi_node_request* r) { r->references.fetch_add(1); }
void release(isapi_node_request* r) {
  if (r->references.fetch_sub(1) == 1) delete r;
}
const isapi_node_record* record(isapi_node_request* r) { return &r->record; }

void send(isapi_node_request* r, const isapi_node_head* head, isapi_node_bytes chunk, int final,
          isapi_node_completion done, void* context) {
  try {
    r->handle->send(head_of(head), text(chunk), final != 0, completion_of(done, context));
  } catch (...) {
    r->handle->fail(500, "the extension could not queue a send");
  }
}

void send_file(isapi_node_request* r, const isapi_node_head* head, isapi_node_os_file file, uint64_t offset,
               uint64_t length, int final, isapi_node_completion done, void* context) {
  try {
    r->handle->send_file(head_of(head), file, offset, length, final != 0, completion_of(done, context));
  } catch (...) {
    r->handle->fail(500, "the extension could not queue a file send");
  }
}

void read(isapi_node_request* r, size_t max, isapi_node_completion done, void* context) {
  try {
    r->handle->read(max, completion_of(done, context));
  } catch (...) {
    r->handle->fail(500, "the extension could not queue a read");
  }
}

void fail(isapi_node_request* r, unsigned status, isapi_node_bytes reason) {
  try {
    r->handle->fail(status, text(reason));
  } catch (...) {
  }
}

void server_variable(isapi_node_request* r, isapi_node_bytes name, isapi_node_completion deliver, void* context) {
  std::optional<std::string> value;
  try {
    value = r->handle->server_variable(text(name));
  } catch (...) {
  }
  if (value) deliver(context, 1, value->data(), value->size());
  else deliver(context, 0, nullptr, 0);
}

void on_client_gone(isapi_node_request* r, isapi_node_callback listener, isapi_node_callback dispose, void* context) {
  try {
    auto holder = std::make_shared<ForeignListener>(listener, dispose, context);
    r->handle->on_client_gone([holder] { holder->fire(holder->context); });
  } catch (...) {
  }
}

void trace(void* host, isapi_node_bytes source, isapi_node_bytes text_bytes) {
  try {
    static_cast<BackendHost*>(host)->trace(text(source), text(text_bytes));
  } catch (...) {
  }
}

// The C++ Backend over a C backend table.
class LibraryBackend final : public Backend {
 public:
  LibraryBackend(BackendHost& host) {
    host_api_ = {ISAPI_NODE_ABI_VERSION, sizeof(isapi_node_host_api), retain, release, record, send, send_file, read,
                 fail, server_variable, on_client_gone, trace, &host};
  }
  ~LibraryBackend() override {
    if (backend_) api_->destroy(backend_);
  }

  bool open(isapi_node_open_backend_fn open_fn, const BackendConfig& c, std::string& error) {
    isapi_node_backend_config config{};
    config.size = sizeof config;
#define ISAPI_NODE_LEND_TEXT(field) config.field = abi::bytes(c.field);
#define ISAPI_NODE_COPY_NUMBER(field) config.field = c.field;
    ISAPI_NODE_CONFIG_TEXTS(ISAPI_NODE_LEND_TEXT)
    ISAPI_NODE_CONFIG_NUMBERS(ISAPI_NODE_COPY_NUMBER)
#undef ISAPI_NODE_LEND_TEXT
#undef ISAPI_NODE_COPY_NUMBER
    config.validate = c.validate ? 1 : 0;
    char message[512] = {0};
    backend_ = open_fn(ISAPI_NODE_ABI_VERSION, &config, &host_api_, &api_, message, sizeof message);
    if (!backend_) {
      error = message[0] ? message : "the backend library could not open its backend";
      return false;
    }
    if (!api_ || api_->version != ISAPI_NODE_ABI_VERSION || api_->size < sizeof(isapi_node_backend_api)) {
      error = "the backend library speaks another version of the backend interface than the extension (" +
              std::to_string(ISAPI_NODE_ABI_VERSION) + "): install both from the same release";
      backend_ = nullptr;  // its destroy() cannot be trusted either
      return false;
    }
    return true;
  }

  std::optional<StartFailure> start() override {
    StartFailure failure;
    const int ready = api_->start(
        backend_,
        [](void* context, isapi_node_bytes kind, isapi_node_bytes detail) {
          *static_cast<StartFailure*>(context) = StartFailure{text(kind), text(detail)};
        },
        &failure);
    if (ready) return std::nullopt;
    return failure;
  }

  void submit(std::shared_ptr<RequestHandle> request) override {
    isapi_node_request* lent = nullptr;
    try {
      lent = new isapi_node_request(request);
    } catch (...) {
      return request->fail(503, "out of memory for the request's record");
    }
    api_->submit(backend_, lent);
  }

  void stop() override { api_->stop(backend_); }

  std::optional<std::string> unhealthy() override {
    std::optional<std::string> why;
    api_->unhealthy(
        backend_,
        [](void* context, int, const char* data, size_t size) {
          static_cast<std::optional<std::string>*>(context)->emplace(data, size);
        },
        &why);
    return why;
  }

 private:
  isapi_node_host_api host_api_{};
  const isapi_node_backend_api* api_ = nullptr;
  isapi_node_backend* backend_ = nullptr;
};

}  // namespace

std::unique_ptr<Backend> open_backend_library(void* library, const BackendConfig& config, BackendHost& host,
                                              std::string& error) {
  auto open_fn = reinterpret_cast<isapi_node_open_backend_fn>(
      platform::find_symbol(library, ISAPI_NODE_OPEN_BACKEND_SYMBOL, error));
  if (!open_fn) {
    error = "it is not an isapi-node backend library: " + error;
    return nullptr;
  }
  auto backend = std::make_unique<LibraryBackend>(host);
  if (!backend->open(open_fn, config, error)) return nullptr;
  return backend;
}

}  // namespace isapi_node

// The runtime's side of the C seam (backend/backend_abi.h): `isapi_node_open_backend`, the one
// symbol the library exports, and the translation between the C tables and the C++ view the
// runtime is written against (backend.h). Nothing thrown crosses back into the extension.
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/abi_convert.h"
#include "backend/backend_abi.h"
#include "isapi/isapi.h"
#include "runtime/inprocess_backend.h"

namespace isapi_node::runtime {
namespace {

using abi::bytes;
using abi::text;

// A C++ callback carried through a C context pointer, called and freed once.
struct CompletionBox {
  Completion done;
  static void call(void* context, int ok, const char* data, size_t size) {
    std::unique_ptr<CompletionBox> box(static_cast<CompletionBox*>(context));
    try {
      box->done(ok != 0, data ? std::string(data, size) : std::string());
    } catch (...) {
      // A completion's failure is the runtime's to report (the bridge does); here it must stop.
    }
  }
};

struct ListenerBox {
  std::function<void()> listener;
  static void fire(void* context) {
    try {
      static_cast<ListenerBox*>(context)->listener();
    } catch (...) {
    }
  }
  static void dispose(void* context) { delete static_cast<ListenerBox*>(context); }
};

// The C form of a response head, valid while this object lives (for the one call).
class CHead {
 public:
  explicit CHead(const std::optional<ResponseHead>& head) {
    if (!head) return;
    pairs_ = abi::pairs_of(head->headers);
    head_ = {bytes(head->status), pairs_.data(), pairs_.size()};
    present_ = true;
  }
  const isapi_node_head* get() const { return present_ ? &head_ : nullptr; }

 private:
  std::vector<isapi_node_pair> pairs_;
  isapi_node_head head_{};
  bool present_ = false;
};

RequestRecord copy_record(const isapi_node_record& r) {
  RequestRecord out;
  out.id = r.id;
  out.method = text(r.method);
  out.path = text(r.path);
  out.query = text(r.query);
  out.raw_url = text(r.raw_url);
  out.headers = abi::copy_pairs(r.headers, r.header_count);
  for (size_t i = 0; i < r.var_count; ++i) {
    // By name: the extension and this runtime may come from different builds.
    const size_t at = record_variable_index({r.vars[i].name.data, r.vars[i].name.size});
    if (at < kRecordVariableCount) out.vars[at] = text(r.vars[i].value);
  }
  out.total_bytes = r.total_bytes;
  out.preload = text(r.preload);
  return out;
}

// One request of the extension, as the runtime sees it. Holds the reference submit() handed over.
class AbiRequest final : public RequestHandle {
 public:
  AbiRequest(const isapi_node_host_api& host, isapi_node_request* request)
      : host_(host), request_(request), record_(copy_record(*host.record(request))) {}
  ~AbiRequest() override { host_.release(request_); }

  const RequestRecord& record() const override { return record_; }

  void send(std::optional<ResponseHead> head, std::string chunk, bool final, Completion done) override {
    const CHead c_head(head);
    host_.send(request_, c_head.get(), bytes(chunk), final, &CompletionBox::call, new CompletionBox{std::move(done)});
  }
  void send_file(std::optional<ResponseHead> head, OsFile file, uint64_t offset, uint64_t length, bool final,
                 Completion done) override {
    const CHead c_head(head);
    host_.send_file(request_, c_head.get(), file, offset, length, final, &CompletionBox::call,
                    new CompletionBox{std::move(done)});
  }
  void read(size_t max, Completion done) override {
    host_.read(request_, max, &CompletionBox::call, new CompletionBox{std::move(done)});
  }
  void abort(const std::string& reason) override { host_.fail(request_, 500, bytes(reason)); }
  void fail(unsigned status, const std::string& reason) override { host_.fail(request_, status, bytes(reason)); }
  std::optional<std::string> server_variable(const std::string& name) override {
    std::optional<std::string> value;
    host_.server_variable(
        request_, bytes(name),
        [](void* context, int ok, const char* data, size_t size) {
          if (ok) static_cast<std::optional<std::string>*>(context)->emplace(data, size);
        },
        &value);
    return value;
  }
  void on_client_gone(std::function<void()> listener) override {
    host_.on_client_gone(request_, &ListenerBox::fire, &ListenerBox::dispose, new ListenerBox{std::move(listener)});
  }

 private:
  const isapi_node_host_api host_;  // a copy: a request may outlive the backend that took it
  isapi_node_request* const request_;
  const RequestRecord record_;
};

class AbiHost final : public BackendHost {
 public:
  explicit AbiHost(const isapi_node_host_api& host) : host_(host) {}
  void trace(const std::string& source, const std::string& text) override {
    host_.trace(host_.host, bytes(source), bytes(text));
  }

 private:
  const isapi_node_host_api& host_;
};

BackendConfig copy_config(const isapi_node_backend_config& c) {
  BackendConfig out;
#define ISAPI_NODE_COPY_TEXT(field) out.field = text(c.field);
#define ISAPI_NODE_COPY_NUMBER(field) out.field = c.field;
  ISAPI_NODE_CONFIG_TEXTS(ISAPI_NODE_COPY_TEXT)
  ISAPI_NODE_CONFIG_NUMBERS(ISAPI_NODE_COPY_NUMBER)
#undef ISAPI_NODE_COPY_TEXT
#undef ISAPI_NODE_COPY_NUMBER
  out.validate = c.validate != 0;
  return out;
}

}  // namespace
}  // namespace isapi_node::runtime

// The C types are opaque to the extension; here they are these.
struct isapi_node_backend {
  isapi_node_backend(const isapi_node_host_api& host_api, const isapi_node_backend_config& c)
      : host(host_api), config(isapi_node::runtime::copy_config(c)), trace(host), backend(
            isapi_node::runtime::make_inprocess_backend(config, trace)) {}
  const isapi_node_host_api host;  // a copy: the extension's table may be on its stack
  const isapi_node::BackendConfig config;
  isapi_node::runtime::AbiHost trace;
  std::unique_ptr<isapi_node::Backend> backend;
};

namespace {

using isapi_node::abi::bytes;
using isapi_node::runtime::AbiRequest;

int start_backend(isapi_node_backend* b, isapi_node_pair_sink failure, void* context) {
  std::string kind, detail;
  try {
    auto result = b->backend->start();
    if (!result) return 1;
    kind = result->kind;
    detail = result->detail;
  } catch (const std::exception& e) {
    kind = "runtime_failed";
    detail = std::string("the in-process runtime failed to start: ") + e.what();
  } catch (...) {
    kind = "runtime_failed";
    detail = "the in-process runtime failed to start";
  }
  failure(context, bytes(kind), bytes(detail));
  return 0;
}

void submit_request(isapi_node_backend* b, isapi_node_request* request) {
  std::shared_ptr<AbiRequest> handle;
  try {
    handle = std::make_shared<AbiRequest>(b->host, request);
  } catch (...) {
    // Out of memory for the wrapper: the request is answered and its reference given back.
    b->host.fail(request, 503, bytes(std::string("out of memory")));
    b->host.release(request);
    return;
  }
  try {
    b->backend->submit(handle);  // a copy: `handle` keeps the reference alive for the catch below
  } catch (...) {
    handle->fail(503, "the in-process runtime could not take the request");
  }
}

void stop_backend(isapi_node_backend* b) {
  try {
    b->backend->stop();
  } catch (...) {
  }
}

int backend_unhealthy(isapi_node_backend* b, isapi_node_completion deliver, void* context) {
  try {
    if (auto why = b->backend->unhealthy()) {
      deliver(context, 1, why->data(), why->size());
      return 1;
    }
  } catch (...) {
  }
  return 0;
}

void destroy_backend(isapi_node_backend* b) {
  try {
    delete b;
  } catch (...) {
  }
}

const isapi_node_backend_api kBackendApi = {
    ISAPI_NODE_ABI_VERSION, sizeof(isapi_node_backend_api), start_backend, submit_request, stop_backend,
    backend_unhealthy,      destroy_backend,
};

void set_error(char* error, size_t size, const std::string& text) {
  if (!error || size == 0) return;
  const size_t n = std::min(size - 1, text.size());
  std::memcpy(error, text.data(), n);
  error[n] = '\0';
}

}  // namespace

ISAPI_NODE_EXPORT isapi_node_backend* isapi_node_open_backend(uint32_t abi_version, const isapi_node_backend_config* config,
                                                       const isapi_node_host_api* host,
                                                       const isapi_node_backend_api** api, char* error,
                                                       size_t error_size) {
  if (abi_version != ISAPI_NODE_ABI_VERSION || !host || host->version != ISAPI_NODE_ABI_VERSION ||
      host->size < sizeof(isapi_node_host_api) || !config || config->size < sizeof(isapi_node_backend_config)) {
    set_error(error, error_size,
              "the in-process runtime speaks version " + std::to_string(ISAPI_NODE_ABI_VERSION) +
                  " of the backend interface and the extension version " + std::to_string(abi_version) +
                  ": install the extension and the runtime from the same release");
    return nullptr;
  }
  try {
    auto* backend = new isapi_node_backend(*host, *config);
    *api = &kBackendApi;
    return backend;
  } catch (const std::exception& e) {
    set_error(error, error_size, std::string("cannot create the in-process runtime: ") + e.what());
  } catch (...) {
    set_error(error, error_size, "cannot create the in-process runtime");
  }
  return nullptr;
}

#include "extension/extension_state.h"

#include <chrono>
#include <iterator>

#include "extension/backend_library.h"
#include "extension/failure_page.h"
#include "extension/isapi_request.h"
#include "extension/no_throw.h"
#include "extension/platform.h"
#include "extension/request_record.h"
#include "outofprocess/outofprocess_backend.h"

namespace isapi_node {
namespace {

// After the deadline, aborted requests still need their last completion before DONE.
constexpr auto kAbortGrace = std::chrono::seconds(5);

// What users see for each kind of startup failure; the detail stays on the trace channel.
struct FailureText {
  const char* kind;
  const char* title;
  const char* explanation;
};
constexpr FailureText kFailureTexts[] = {
    {"config_invalid", "Configuration error", "The isapi-node configuration file is missing or invalid."},
    {"libnode_missing", "Node runtime not found", "The in-process hosting model needs libnode, which could not be loaded."},
    {"bootstrap_missing", "isapi-node is not built", "The isapi-node JavaScript runtime files are missing."},
    {"app_not_found", "Application not found", "The application module named in the configuration does not exist."},
    {"app_failed", "Application failed to start", "The application threw an error while it was being loaded."},
    {"node_not_found", "Node not found", "The out-of-process hosting model could not find the Node executable (\"nodePath\")."},
    {"node_too_old", "Node is too old", "The out-of-process hosting model needs Node 18 or later (\"nodePath\")."},
    {"worker_missing", "isapi-node is not built", "The isapi-node worker files for the out-of-process hosting model are missing."},
    {"runtime_failed", "Node runtime failed to start", "The Node runtime could not be started."},
};

const FailureText& failure_text(const std::string& kind) {
  for (const auto& t : kFailureTexts)
    if (kind == t.kind) return t;
  return kFailureTexts[std::size(kFailureTexts) - 1];
}

}  // namespace

ExtensionState::~ExtensionState() { set_exception_trace(nullptr); }

void ExtensionState::fail_start(const std::string& kind, const std::string& detail) {
  failure_ = StartFailure{kind, detail};
  trace_.write("isapi-node", "startup failure [" + kind + "]: " + detail +
                                 "\nEvery request will be answered with a 500 page until this is fixed and the "
                                 "application is restarted.");
}

void ExtensionState::start() {
  const std::string module_path = platform::own_module_path();
  ConfigResult loaded = load_config(module_path);
  if (!loaded.config) {
    // Where a configuration without "trace" would trace: on Windows a file beside it, since
    // w3wp.exe's standard error goes nowhere and this is the failure most in need of saying.
    trace_.open(platform::default_trace(loaded.file), ExtensionConfig{}.trace_max_bytes);
    return fail_start("config_invalid", loaded.error);
  }
  config_ = std::move(loaded.config);
  trace_.open(config_->trace, config_->trace_max_bytes);
  set_exception_trace(&trace_);
  pool_ = std::make_unique<ThreadPool>(config_->pool_threads);

  const std::string bootstrap =
      platform::join_path(platform::join_path(platform::join_path(config_->package_root, "dist"), "runtime"),
                          "bootstrap.cjs");
  if (!platform::is_regular_file(config_->app))
    return fail_start("app_not_found", "the app module '" + config_->app + "' does not exist (\"app\" in " +
                                           config_->source + ")");

  BackendConfig bc;
  bc.app_module = config_->app;
  bc.app_export = config_->app_export;
  bc.bootstrap = bootstrap;
  bc.libnode = config_->libnode;
  bc.validate = config_->validate;
#define ISAPI_NODE_COPY_NUMBER(field) bc.field = config_->field;
  ISAPI_NODE_CONFIG_NUMBERS(ISAPI_NODE_COPY_NUMBER)
#undef ISAPI_NODE_COPY_NUMBER
  const bool oop = config_->hosting_model == "outofprocess";
  backend_ = oop ? start_outofprocess(bc) : start_inprocess(bc, directory_of(module_path));
  if (!backend_) return;
  // At least once a second: a client that left is noticed within about that.
  timeouts_ = std::make_unique<TimeoutSweeper>(check_period(config_->request_timeout_ms), [this] { sweep(); });
  trace_.write("isapi-node", "ready: " + config_->app + " with " +
                                 std::to_string(oop ? config_->processes : config_->workers) +
                                 (oop ? " worker process(es) of " + config_->node_path : std::string(" JavaScript worker(s)")) +
                                 ", configuration " + config_->source);
}

std::unique_ptr<Backend> ExtensionState::start_outofprocess(const BackendConfig& bc) {
  outofprocess::OutOfProcessConfig oop;
  oop.processes = config_->processes;
  oop.node_path = config_->node_path;
  oop.server_variables = config_->server_variables;
  oop.worker_entry =
      platform::join_path(platform::join_path(platform::join_path(config_->package_root, "dist"), "worker"), "main.js");
  if (!platform::is_regular_file(oop.worker_entry))
    return fail_start("worker_missing", "'" + oop.worker_entry + "' does not exist: build the package (npm run build), or "
                                        "set \"packageRoot\" in " + config_->source), nullptr;
  auto backend = outofprocess::make_outofprocess_backend(bc, oop, *this);
  if (auto failure = backend->start()) {
    backend->stop();
    return fail_start(failure->kind, failure->detail), nullptr;
  }
  return backend;
}

std::unique_ptr<Backend> ExtensionState::start_inprocess(const BackendConfig& bc, const std::string& extension_dir) {
  if (!platform::is_regular_file(bc.bootstrap))
    return fail_start("bootstrap_missing", "'" + bc.bootstrap + "' does not exist: build the package (npm run build), "
                                          "or set \"packageRoot\" in " + config_->source), nullptr;
  std::string error;
  if (!config_->libnode.empty() && !platform::load_library(config_->libnode, true, error))
    return fail_start("libnode_missing", "cannot load \"libnode\" '" + config_->libnode + "' named in " +
                                             config_->libnode_named_by + ": " + error), nullptr;
  if (config_->libnode.empty())
    if (const std::string why = platform::missing_libnode(extension_dir); !why.empty())
      return fail_start("libnode_missing", why + " (" + platform::kLibnodeHint + ")"), nullptr;
  const std::string library = platform::join_path(extension_dir, platform::kInprocessLibrary);
  backend_library_ = platform::load_library(library, false, error);
  if (!backend_library_) {
    const bool libnode = platform::failed_for_libnode(error);
    return fail_start(libnode ? "libnode_missing" : "runtime_failed",
                      "cannot load '" + library + "': " + error +
                          (libnode ? std::string(" (") + platform::kLibnodeHint + ")" : std::string())), nullptr;
  }
  auto backend = open_backend_library(backend_library_, bc, *this, error);
  if (!backend) return fail_start("runtime_failed", "'" + library + "': " + error), nullptr;
  if (auto failure = backend->start()) {
    backend->stop();
    return fail_start(failure->kind, failure->detail), nullptr;
  }
  return backend;
}

DWORD ExtensionState::answer_now(EXTENSION_CONTROL_BLOCK* ecb, unsigned status, const std::string& title,
                                 const std::string& explanation, const std::string& extra_headers,
                                 bool keep_connection, const std::string& detail) {
  Page page = error_page(status, title, explanation, detail);
  page.header_block.insert(page.header_block.size() - 2, extra_headers);  // before the blank line
  HSE_SEND_HEADER_EX_INFO info{};
  info.pszStatus = page.status.c_str();
  info.cchStatus = static_cast<DWORD>(page.status.size());
  info.pszHeader = page.header_block.c_str();
  info.cchHeader = static_cast<DWORD>(page.header_block.size());
  info.fKeepConn = keep_connection ? TRUE : FALSE;
  if (!ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, nullptr, nullptr))
    return HSE_STATUS_ERROR;
  DWORD size = static_cast<DWORD>(page.body.size());
  if (std::string(ecb->lpszMethod ? ecb->lpszMethod : "") != "HEAD" &&
      !ecb->WriteClient(ecb->ConnID, const_cast<char*>(page.body.data()), &size, HSE_IO_SYNC))
    return HSE_STATUS_ERROR;
  return HSE_STATUS_SUCCESS;
}

DWORD ExtensionState::handle(EXTENSION_CONTROL_BLOCK* ecb) {
  if (failure_) {
    const FailureText& text = failure_text(failure_->kind);
    // devErrors (iisnode's devErrorsEnabled): the detail on the page too, for a developer's machine.
    const bool dev = config_ && config_->dev_errors;
    return answer_now(ecb, 500, text.title,
                      std::string(text.explanation) + " Startup failure: " + failure_->kind +
                          (dev ? "." : ". The details are on the isapi-node trace channel."),
                      "", true, dev ? failure_->detail : "");
  }
  if (draining_) return answer_now(ecb, 503, "Service Unavailable", "The application is shutting down; try again.");
  if (auto why = backend_->unhealthy()) {
    // IIS's rapid-fail protection, for our workers: ask IIS once to recycle the process (a fresh
    // one starts the app again), and answer what arrives meanwhile at once.
    if (!unhealthy_reported_.exchange(true)) {
      trace_.write("isapi-node", "reporting the process unhealthy to IIS (HSE_REQ_REPORT_UNHEALTHY): " + *why);
      ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_REPORT_UNHEALTHY, const_cast<char*>(why->c_str()), nullptr,
                                 nullptr);
    }
    return answer_now(ecb, 503, "Service Unavailable",
                      "The application's JavaScript workers kept failing and are no longer restarted; IIS has been "
                      "asked to recycle the process. The details are on the isapi-node trace channel.");
  }
  // As IIS's request filtering does for maxAllowedContentLength: a body announced larger than the
  // limit is refused before anything reads it, and the connection closed rather than drained.
  // Chunked bodies (cbTotalBytes unknown) are counted as the app reads them (lib/core/input.ts).
  const uint64_t max_body = config_->max_request_body_bytes;
  if (max_body != 0 && ecb->cbTotalBytes != kUnknownBodyLength && ecb->cbTotalBytes > max_body)
    return answer_now(ecb, 413, "Payload Too Large",
                      "The request body is larger than this application accepts (" + std::to_string(max_body) +
                          " bytes, \"maxRequestBodyBytes\").",
                      "", /*keep_connection=*/false);
  // Nothing here blocks. The record is gathered on this IIS thread (GetServerVariable and
  // HSE_REQ_IO_COMPLETION answer at once) and handed straight to the JavaScript side, which queues
  // it and wakes its worker: one thread hand-off per request instead of two. From the moment it is
  // handed on, the request may run to its end on other threads before this returns.
  auto request = std::make_shared<IsapiRequest>(
      ecb, ++next_id_, *this, [this](std::function<void()> job) { defer(std::move(job)); },
      [this](IsapiRequest* r) { request_ended(r); });
  {
    std::lock_guard<std::mutex> lock(inflight_mutex_);
    // Load shedding, as IIS's appConcurrentRequestLimit: past the limit a request is answered at
    // once, without memory or JavaScript spent on it, so a burst cannot grow the queues unbounded.
    const bool shed = config_->max_pending_requests != 0 && inflight_.size() >= config_->max_pending_requests;
    if (shed != shedding_) {
      shedding_ = shed;
      if (shed)
        trace_.write("isapi-node", std::to_string(inflight_.size()) +
                                       " requests in flight (\"maxPendingRequests\"): answering 503 with Retry-After "
                                       "until some finish");
    }
    if (shed) {
      request.reset();
    } else {
      inflight_.emplace(request.get(), request);
    }
  }
  if (!request)
    return answer_now(ecb, 503, "Service Unavailable", "The server is busy; try again in a moment.", "Retry-After: 1\r\n");
  if (!request->prepare()) return HSE_STATUS_PENDING;  // it has already sent DONE_WITH_SESSION
  auto hand_on = [this, request] {
    if (draining_) return request->abort_with("the application is shutting down", 503);
    backend_->submit(request);
  };
  if (!backend_->submit_may_block()) {
    hand_on();
    return HSE_STATUS_PENDING;
  }
  bool queued = false;
  try {
    queued = pool_->post(hand_on);
  } catch (...) {
    queued = false;  // out of memory for the job: the request was never handed on
  }
  if (!queued) request->abort_with("the application is shutting down", 503);
  return HSE_STATUS_PENDING;
}

void ExtensionState::sweep() {
  const uint32_t timeout = config_->request_timeout_ms;
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<IsapiRequest>> requests;
  {
    std::lock_guard<std::mutex> lock(inflight_mutex_);
    requests.reserve(inflight_.size());
    for (auto& [ptr, request] : inflight_) requests.push_back(request);
  }
  for (auto& request : requests) {
    if (timeout && now - request->started() > std::chrono::milliseconds(timeout))
      request->time_out(timeout);
    else
      request->check_connected();
  }
}

void ExtensionState::request_ended(IsapiRequest* request) {
  std::lock_guard<std::mutex> lock(inflight_mutex_);
  inflight_.erase(request);
  if (inflight_.empty()) inflight_cv_.notify_all();
}

void ExtensionState::defer(std::function<void()> job) {
  if (!pool_ || !pool_->post(job)) job();
}

bool ExtensionState::stop() {
  draining_ = true;
  if (timeouts_) timeouts_->stop();
  bool all_ended = true;
  if (config_) {
    std::unique_lock<std::mutex> lock(inflight_mutex_);
    const auto deadline = std::chrono::milliseconds(config_->shutdown_timeout_ms);
    if (!inflight_cv_.wait_for(lock, deadline, [this] { return inflight_.empty(); })) {
      std::vector<std::shared_ptr<IsapiRequest>> late;
      for (auto& [ptr, request] : inflight_) late.push_back(request);
      lock.unlock();
      trace_.write("isapi-node", std::to_string(late.size()) +
                                     " request(s) still running at the shutdown deadline: answering 503 or closing");
      // Closing the connection also cuts short an operation still outstanding (a send to a client
      // that stopped reading): its completion must come back before anything here is freed.
      for (auto& request : late) request->abort_with("the shutdown deadline passed", 503, true);
      late.clear();
      lock.lock();
      all_ended = inflight_cv_.wait_for(lock, kAbortGrace, [this] { return inflight_.empty(); });
    }
  }
  if (backend_) backend_->stop();
  backend_.reset();
  if (!all_ended) {
    // IIS still owes completions for these: the pool and this state must outlive them.
    trace_.write("isapi-node", "stopped with requests whose IIS operations never completed; their memory is kept");
    return false;
  }
  if (pool_) pool_->stop();
  trace_.write("isapi-node", "stopped");
  return true;
}

}  // namespace isapi_node

// The extension's one instance: configuration, trace channel, pool, backend and the requests in
// flight. GetExtensionVersion creates it, TerminateExtension destroys it; between the two,
// HttpExtensionProc hands each request to it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "backend/backend.h"
#include "extension/config.h"
#include "extension/thread_pool.h"
#include "extension/timeout_sweeper.h"
#include "extension/trace.h"
#include "isapi/isapi.h"

namespace isapi_node {

class IsapiRequest;

class ExtensionState : public BackendHost {
 public:
  ExtensionState() = default;
  ~ExtensionState() override;

  // Reads the configuration and boots the backend. Never fails the load: a startup failure is
  // kept, traced, and answered as a 500 page naming its kind, so IIS keeps the extension and the
  // user sees what went wrong.
  void start();
  DWORD handle(EXTENSION_CONTROL_BLOCK* ecb);
  // Stops taking requests, lets those in flight finish within the configured deadline, aborts the
  // rest, stops the backend and the pool. False when some request's IIS operation never completed
  // even after the connection was closed: then this object must not be destroyed.
  bool stop();

  void trace(const std::string& source, const std::string& text) override { trace_.write(source, text); }

 private:
  // Answers synchronously, without the backend; `extra_headers` ("Name: value\r\n"...) join the page's.
  // Without `keep_connection` IIS closes the connection after the page (a body left unread).
  DWORD answer_now(EXTENSION_CONTROL_BLOCK* ecb, unsigned status, const std::string& title,
                   const std::string& explanation, const std::string& extra_headers = "",
                   bool keep_connection = true, const std::string& detail = "");
  void fail_start(const std::string& kind, const std::string& detail);
  // The backend of the configured hosting model, started; on failure fail_start() ran and null.
  std::unique_ptr<Backend> start_inprocess(const BackendConfig& bc, const std::string& extension_dir);
  std::unique_ptr<Backend> start_outofprocess(const BackendConfig& bc);
  void request_ended(IsapiRequest* request);
  // The sweeper's job: ends the requests that ran past requestTimeoutMs, and asks IIS whether the
  // clients of the others are still there.
  void sweep();
  void defer(std::function<void()> job);

  Trace trace_;
  std::optional<ExtensionConfig> config_;
  std::optional<StartFailure> failure_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Backend> backend_;  // over backend_library_'s C interface
  std::unique_ptr<TimeoutSweeper> timeouts_;
  void* backend_library_ = nullptr;
  std::atomic<bool> draining_{false};
  std::atomic<bool> unhealthy_reported_{false};
  std::atomic<uint64_t> next_id_{0};
  std::mutex inflight_mutex_;
  std::condition_variable inflight_cv_;
  std::unordered_map<IsapiRequest*, std::shared_ptr<IsapiRequest>> inflight_;
  bool shedding_ = false;  // guarded by inflight_mutex_: the last request was shed (traced once per episode)
};

}  // namespace isapi_node

// The in-process hosting model: Node embedded in the IIS worker, one environment per configured
// JavaScript worker. Built as its own library (isapi_node_inproc), the only one linked to libnode,
// so a missing libnode is an answered startup failure rather than an extension that cannot load.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "runtime/inprocess_backend.h"
#include "runtime/large_stack_thread.h"
#include "runtime/node_process.h"
#include "runtime/worker_supervisor.h"

namespace isapi_node::runtime {
namespace {

class InProcessBackend : public Backend {
 public:
  InProcessBackend(const BackendConfig& config, BackendHost& host) : config_(config), host_(host) {}
  ~InProcessBackend() override { stop(); }

  std::optional<StartFailure> start() override {
    std::string error;
    node::MultiIsolatePlatform* platform = nullptr;
    // Not on the calling thread: it is IIS's, with too small a stack for V8's start-up.
    LargeStackThread::run([&] { platform = node_platform(config_.max_heap_mb, error); });
    if (!platform) return StartFailure{"runtime_failed", error};
    workers_ = std::make_unique<WorkerSupervisor>(config_, host_, platform);
    return workers_->start();
  }

  void submit(std::shared_ptr<RequestHandle> request) override {
    if (!workers_) return request->fail(503, "the in-process runtime is not running");
    workers_->submit(std::move(request));
  }

  void stop() override {
    if (workers_) workers_->stop();
    workers_.reset();
  }

  std::optional<std::string> unhealthy() override { return workers_ ? workers_->gave_up() : std::nullopt; }

 private:
  const BackendConfig config_;
  BackendHost& host_;
  std::unique_ptr<WorkerSupervisor> workers_;
};

}  // namespace

std::unique_ptr<Backend> make_inprocess_backend(const BackendConfig& config, BackendHost& host) {
  return std::make_unique<InProcessBackend>(config, host);
}

}  // namespace isapi_node::runtime

// The in-process hosting model: Node embedded in the IIS worker, one environment per configured
// JavaScript worker. Built as its own library (isapi_node_inproc), the only one linked to libnode,
// so a missing libnode is an answered startup failure rather than an extension that cannot load.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
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
    node::MultiIsolatePlatform* platform = node_platform(config_.max_heap_mb, error);
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
}  // namespace isapi_node::runtime

extern "C" __attribute__((visibility("default"))) isapi_node::Backend* isapi_node_create_inprocess_backend(
    const isapi_node::BackendConfig* config, isapi_node::BackendHost* host) {
  return new isapi_node::runtime::InProcessBackend(*config, *host);
}

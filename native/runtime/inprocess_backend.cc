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
#include "backend/worker_supervisor.h"
#include "runtime/js_worker.h"

namespace isapi_node::runtime {
namespace {

class InProcessBackend : public SupervisedBackend {
 public:
  using SupervisedBackend::SupervisedBackend;
  ~InProcessBackend() override { stop(); }

 private:
  std::optional<StartFailure> prepare() override {
    std::string error;
    // Not on the calling thread: it is IIS's, with too small a stack for V8's start-up.
    LargeStackThread::run([&] { platform_ = node_platform(config_.max_heap_mb, error); });
    if (!platform_) return StartFailure{"runtime_failed", error};
    return std::nullopt;
  }

  unsigned worker_count() const override { return config_.workers; }

  std::shared_ptr<SupervisedWorker> make_worker(unsigned index, SupervisedWorker::Ended ended) override {
    return std::make_shared<JsWorker>(index, config_, host_, platform_, std::move(ended));
  }

  node::MultiIsolatePlatform* platform_ = nullptr;
};

}  // namespace

std::unique_ptr<Backend> make_inprocess_backend(const BackendConfig& config, BackendHost& host) {
  return std::make_unique<InProcessBackend>(config, host);
}

}  // namespace isapi_node::runtime

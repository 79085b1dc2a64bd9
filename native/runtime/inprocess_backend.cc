// The in-process hosting model: Node embedded in the IIS worker, one environment per configured
// JavaScript worker. Built as its own library (isapi_node_inproc), the only one linked to libnode,
// so a missing libnode is an answered startup failure rather than an extension that cannot load.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "runtime/js_worker.h"
#include "runtime/node_process.h"

namespace isapi_node::runtime {
namespace {

class InProcessBackend : public Backend {
 public:
  InProcessBackend(const BackendConfig& config, BackendHost& host) : config_(config), host_(host) {}
  ~InProcessBackend() override { stop(); }

  std::optional<StartFailure> start() override {
    std::string error;
    node::MultiIsolatePlatform* platform = node_platform(error);
    if (!platform) return StartFailure{"runtime_failed", error};
    for (unsigned i = 0; i < config_.workers; ++i) {
      workers_.push_back(std::make_unique<JsWorker>(i, config_, host_, platform));
      if (auto failure = workers_.back()->start()) return failure;
    }
    return std::nullopt;
  }

  void submit(std::shared_ptr<RequestHandle> request) override {
    // The least busy live worker takes it: a slow request on one worker does not hold up the next.
    JsWorker* best = nullptr;
    for (auto& w : workers_)
      if (w->alive() && (!best || w->in_flight() < best->in_flight())) best = w.get();
    if (!best) {
      // Every worker's event loop has ended (the app called process.exit()): say so, never hang.
      if (!dead_reported_.exchange(true))
        host_.trace("isapi-node", "no JavaScript worker is running: requests are answered 500 until the application is restarted");
      return request->abort("no JavaScript worker is running");
    }
    best->submit(std::move(request));
  }

  void stop() override {
    for (auto& w : workers_) w->stop();
    workers_.clear();
  }

 private:
  const BackendConfig config_;
  BackendHost& host_;
  std::vector<std::unique_ptr<JsWorker>> workers_;
  std::atomic<bool> dead_reported_{false};
};

}  // namespace
}  // namespace isapi_node::runtime

extern "C" __attribute__((visibility("default"))) isapi_node::Backend* isapi_node_create_inprocess_backend(
    const isapi_node::BackendConfig* config, isapi_node::BackendHost* host) {
  return new isapi_node::runtime::InProcessBackend(*config, *host);
}

#include "outofprocess/outofprocess_backend.h"

#include <future>
#include <nlohmann/json.hpp>

#include "backend/worker_supervisor.h"
#include "extension/thread_pool.h"
#include "outofprocess/worker_process.h"

namespace isapi_node::outofprocess {
namespace {

// The server variables every request carries to a worker beyond the record's (docs/protocol.md):
// those an app most often asks isapi.server_variable for.
constexpr const char* kForwardedVariables[] = {"URL", "INSTANCE_ID", "APPL_PHYSICAL_PATH", "PATH_TRANSLATED",
                                               "LOGON_USER", "AUTH_USER"};

class OutOfProcessBackend : public SupervisedBackend {
 public:
  OutOfProcessBackend(const BackendConfig& config, const OutOfProcessConfig& oop, BackendHost& host)
      : SupervisedBackend(config, host), oop_(oop) {
    launch_.node_path = oop_.node_path;
    if (config_.max_heap_mb) launch_.arguments.push_back("--max-old-space-size=" + std::to_string(config_.max_heap_mb));
    launch_.arguments.push_back(oop_.worker_entry);
    launch_.configuration = [this](unsigned index) {
      return nlohmann::json{
          {"app", config_.app_module},
          {"export", config_.app_export},
          {"validate", config_.validate},
          {"maxRequestBodyBytes", config_.max_request_body_bytes},
          {"processes", oop_.processes},
          {"index", index},
          {"heartbeatMs", check_period(config_.hang_timeout_ms).count()},
      }
          .dump();
    };
    for (const char* name : kForwardedVariables) launch_.extra_variables.emplace_back(name);
    launch_.extra_variables.insert(launch_.extra_variables.end(), oop_.server_variables.begin(), oop_.server_variables.end());
    launch_.on_launcher = [this](const std::function<void()>& job) {
      std::promise<void> done;
      if (!launcher_.post([&] {
            job();
            done.set_value();
          }))
        return job();
      done.get_future().wait();
    };
  }
  ~OutOfProcessBackend() override { stop(); }
  // The REQUEST frame is written on the calling thread, and a worker that stopped reading leaves
  // its socket full.
  bool submit_may_block() const override { return true; }

 private:
  unsigned worker_count() const override { return oop_.processes; }

  std::shared_ptr<SupervisedWorker> make_worker(unsigned index, SupervisedWorker::Ended ended) override {
    return std::make_shared<WorkerProcess>(index, config_, launch_, host_, std::move(ended));
  }

  const OutOfProcessConfig oop_;
  WorkerLaunch launch_;
  // Every worker is started from this one thread, alive as long as the backend.
  ThreadPool launcher_{1};
};

}  // namespace

std::unique_ptr<Backend> make_outofprocess_backend(const BackendConfig& config, const OutOfProcessConfig& oop,
                                                   BackendHost& host) {
  return std::make_unique<OutOfProcessBackend>(config, oop, host);
}

}  // namespace isapi_node::outofprocess

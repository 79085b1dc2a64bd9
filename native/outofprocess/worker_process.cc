#include "outofprocess/worker_process.h"

#include <nlohmann/json.hpp>

#include "common/hex.h"

namespace isapi_node::outofprocess {
namespace {

// Lines of a worker's output kept for the trace record of its end.
constexpr size_t kLastLines = 10;
// How long a worker whose connection closed may take to exit before it is killed.
constexpr auto kExitGrace = std::chrono::seconds(2);

}  // namespace

WorkerProcess::WorkerProcess(unsigned index, const BackendConfig& config, const WorkerLaunch& launch,
                             BackendHost& host, Ended ended)
    : index_(index), config_(config), launch_(launch), host_(host), ended_(std::move(ended)) {}

WorkerProcess::~WorkerProcess() { stop(); }

std::string WorkerProcess::name() const {
  return "JavaScript worker " + std::to_string(index_) + " (pid " + std::to_string(pid_) + ")";
}

void WorkerProcess::on_output(const std::string& line) {
  host_.trace("worker " + std::to_string(pid_), line);
  // Node's own words when V8 gives up on a full heap (then it aborts).
  if (line.find("JavaScript heap out of memory") != std::string::npos) out_of_heap_ = true;
  std::lock_guard<std::mutex> lock(output_mutex_);
  last_lines_.push_back(line);
  if (last_lines_.size() > kLastLines) last_lines_.pop_front();
}

std::optional<StartFailure> WorkerProcess::start() {
  std::string error;
  auto listener = platform::Listener::create(error);
  if (!listener) return StartFailure{"runtime_failed", "cannot make the worker's private connection: " + error};
  const std::string secret = platform::random_bytes(kSecretBytes);
  if (secret.size() != kSecretBytes) return StartFailure{"runtime_failed", "the OS gave no random bytes for the worker's secret"};

  platform::ChildProcess::Options options;
  options.executable = launch_.node_path;
  options.arguments = launch_.arguments;
  // The address and the secret go over standard input: never on a command line or in the
  // environment, where other processes of the machine could read them.
  options.input = nlohmann::json{{"address", listener->address()}, {"secret", hex::encode(secret)}}.dump() + "\n";
  options.on_line = [this](const std::string& line) { on_output(line); };
  bool not_found = false;
  launch_.on_launcher([&] { child_ = platform::ChildProcess::spawn(options, error, not_found); });
  if (!child_)
    return StartFailure{not_found ? "node_not_found" : "runtime_failed",
                        "cannot start the worker with \"nodePath\" '" + launch_.node_path + "': " + error +
                            (not_found ? " (install Node 18 or later, or set \"nodePath\" to node's full path)" : "")};
  pid_ = child_->pid();

  auto exited = [this] {
    std::lock_guard<std::mutex> lock(child_mutex_);
    return child_->wait(std::chrono::milliseconds(0)).has_value();
  };
  auto stream = listener->accept(std::chrono::milliseconds(config_.start_timeout_ms), exited, error);
  if (!stream) {
    const std::string how = reap(std::chrono::milliseconds(0));
    child_->wait_output(std::chrono::milliseconds(500));
    std::string output;
    {
      std::lock_guard<std::mutex> lock(output_mutex_);
      for (const auto& l : last_lines_) output += "\n  " + l;
    }
    const bool too_old = how == "exit code " + std::to_string(kNodeTooOldExit);
    return StartFailure{too_old ? "node_too_old" : "runtime_failed",
                        name() + " did not connect: " + error + " (" + how + ")" +
                            (output.empty() ? "" : "; its last output:" + output)};
  }
  connection_ = std::make_shared<WorkerConnection>(std::move(stream), WorkerSettings{index_, secret, launch_.configuration(index_)},
                                                   host_);
  running_ = true;
  reader_ = std::thread([this] { run(); });
  if (auto failure = connection_->wait_ready(std::chrono::milliseconds(config_.start_timeout_ms))) {
    stopping_ = true;
    connection_->close();
    return failure;
  }
  return std::nullopt;
}

void WorkerProcess::run() {
  const std::string why = connection_->serve();
  running_ = false;
  connection_->fail_all(502, name() + " ended while answering (" + why + ")");
  if (stopping_) return;
  // The connection ended first (a crash closes it too): the process has ended or soon will; one
  // that broke the protocol or hung is ended here.
  if (hung_ || why.rfind("it broke", 0) == 0) {
    std::lock_guard<std::mutex> lock(child_mutex_);
    child_->kill();
  }
  std::string how = reap(kExitGrace);
  child_->wait_output(std::chrono::milliseconds(500));
  std::string output;
  {
    std::lock_guard<std::mutex> lock(output_mutex_);
    for (const auto& l : last_lines_) output += "\n  " + l;
  }
  host_.trace("isapi-node", name() + ": " + why + ", " + how + (output.empty() ? "" : "; its last output:" + output));
  // Said as the in-process model says it, so the supervisor's trace reads the same in both.
  if (out_of_heap_) {
    const std::string limit = config_.max_heap_mb ? std::to_string(config_.max_heap_mb) + " MB" : "Node's default";
    host_.trace("isapi-node", name() + " reached its heap limit (" + limit +
                                  (config_.max_heap_mb ? ", \"maxHeapMb\"" : "; set \"maxHeapMb\" to choose") +
                                  "): it is stopped and replaced, its requests get 502. Look for a request that buffers "
                                  "without bound or a cache that only grows.");
    how = "its heap reached the limit (" + limit + ")";
  } else if (hung_) {
    how = "its event loop was blocked for " + std::to_string(blocked_ms_) + " ms";
  }
  if (ended_) ended_(index_, how);
}

std::string WorkerProcess::reap(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    std::lock_guard<std::mutex> lock(child_mutex_);
    if (auto how = child_->wait(std::chrono::milliseconds(20))) return *how;
    if (std::chrono::steady_clock::now() >= deadline) child_->kill();
  }
}

void WorkerProcess::submit(std::shared_ptr<RequestHandle> request) {
  Pairs vars;
  const RequestRecord& record = request->record();
  vars.reserve(kRecordVariableCount + launch_.extra_variables.size());
  for (size_t i = 0; i < kRecordVariableCount; ++i)
    if (record.vars[i]) vars.emplace_back(kRecordVariables[i], *record.vars[i]);
  // Out of process, isapi.server_variable cannot ask IIS later: what it may need goes along now.
  for (const auto& name : launch_.extra_variables)
    if (auto value = request->server_variable(name)) vars.emplace_back(name, std::move(*value));
  connection_->submit(std::move(request), std::move(vars));
}

std::chrono::milliseconds WorkerProcess::loop_blocked_for() const {
  return connection_ ? connection_->silent_for() : std::chrono::milliseconds(0);
}

void WorkerProcess::end_hung(std::chrono::milliseconds blocked) {
  if (stopping_ || hung_) return;
  blocked_ms_ = blocked.count();
  hung_ = true;
  host_.trace("isapi-node", name() + ": its event loop has not turned for " + std::to_string(blocked.count()) +
                                " ms (\"hangTimeoutMs\" is " + std::to_string(config_.hang_timeout_ms) +
                                "); it is stopped and replaced, its requests get 502");
  std::lock_guard<std::mutex> lock(child_mutex_);
  if (child_) child_->kill();
}

void WorkerProcess::stop() {
  stopping_ = true;
  // The worker exits when its connection closes; one that does not is killed after the grace.
  if (connection_) connection_->close();
  if (reader_.joinable()) reader_.join();
  if (child_) reap(kExitGrace);
  // Its output reader calls on_output() until the child object is gone: gone now, before the
  // members on_output() uses are.
  {
    std::lock_guard<std::mutex> lock(child_mutex_);
    child_.reset();
  }
  if (connection_) connection_->fail_all(503, "the application is stopping");
}

}  // namespace isapi_node::outofprocess

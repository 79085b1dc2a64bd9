#include "runtime/node_process.h"

#include <node.h>
#include <v8.h>

#include <memory>
#include <mutex>

namespace isapi_node::runtime {
namespace {

// Threads V8 may use for background work (GC, compilation) for all workers together.
constexpr int kPlatformThreads = 4;

std::once_flag g_once;
std::unique_ptr<node::MultiIsolatePlatform> g_platform;
std::string g_error;

void initialize(uint32_t max_heap_mb) {
  using Flags = node::ProcessInitializationFlags::Flags;
  // The host process owns stdio and its signal handlers (IIS, or isapi-host's graceful shutdown):
  // Node must leave both alone. V8 and its platform are set up below, shared by every worker.
  auto result = node::InitializeOncePerProcess(
      {"isapi-node"}, {Flags::kNoStdioInitialization, Flags::kNoDefaultSignalHandling, Flags::kNoInitializeV8,
                       Flags::kNoInitializeNodeV8Platform, Flags::kNoPrintHelpOrVersionOutput});
  if (result->early_return() || result->exit_code() != 0) {
    g_error = "node::InitializeOncePerProcess failed (exit code " + std::to_string(result->exit_code()) + ")";
    for (const auto& e : result->errors()) g_error += ": " + e;
    return;
  }
  // Each isolate reads it when it is created: the limit is per worker, as --max-old-space-size is
  // per Node process.
  if (max_heap_mb) {
    const std::string flag = "--max-old-space-size=" + std::to_string(max_heap_mb);
    v8::V8::SetFlagsFromString(flag.c_str(), flag.size());
  }
  g_platform = node::MultiIsolatePlatform::Create(kPlatformThreads);
  v8::V8::InitializePlatform(g_platform.get());
  v8::V8::Initialize();
}

}  // namespace

node::MultiIsolatePlatform* node_platform(uint32_t max_heap_mb, std::string& error) {
  std::call_once(g_once, initialize, max_heap_mb);
  if (!g_platform) error = g_error;
  return g_platform.get();
}

}  // namespace isapi_node::runtime

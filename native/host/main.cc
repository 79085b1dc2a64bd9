// isapi-host: loads one ISAPI extension and serves HTTP through it, playing IIS's part of the
// contract. For tests, development and benchmarks on machines without IIS; never a production
// server.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "host/auth.h"
#include "host/callbacks.h"
#include "host/contract_monitor.h"
#include "host/extension_module.h"
#include "host/options.h"
#include "host/platform.h"
#include "host/server.h"

namespace {

// Exit codes, so scripts can tell the failures apart.
constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;        // bad command line or configuration
constexpr int kExitViolations = 3;   // --strict and the extension breached the contract

host::Authenticator make_authenticator(const host::HostOptions& o) {
  if (!o.auth_user.empty()) return host::Authenticator::windows_user(o.auth_user, o.auth_type);
  if (!o.basic_users_file.empty()) return host::Authenticator::basic_from_file(o.basic_users_file);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = kExitOk;
  std::vector<std::string> args = host::platform::command_line(argc, argv);
  std::vector<char*> utf8_argv;
  for (auto& arg : args) utf8_argv.push_back(arg.data());
  auto options = host::parse_options(static_cast<int>(utf8_argv.size()), utf8_argv.data(), exit_code);
  if (!options) return exit_code;
  // Always said, so that any run (a failing test's above all) can be replayed.
  std::cerr << "isapi-host: seed " << options->hostility.seed << " (replay with --seed " << options->hostility.seed
            << ")" << std::endl;
  // A client that hangs up must surface as a failed write, never kill the host.
  host::platform::ignore_broken_pipes();

  std::unique_ptr<host::ExtensionModule> module;
  host::Authenticator auth;
  try {
    module = std::make_unique<host::ExtensionModule>(options->extension_path);
    auth = make_authenticator(*options);
  } catch (const std::exception& e) {
    std::cerr << "isapi-host: " << e.what() << std::endl;
    return kExitUsage;
  }

  host::ContractMonitor monitor;
  const bool loaded = module->initialize();
  if (!loaded)
    std::cerr << "isapi-host: GetExtensionVersion returned FALSE: the extension refused to load; every request "
                 "will be answered 500, as IIS does (see the extension's own log for why)"
              << std::endl;

  host::Server server(*options, monitor, loaded ? module.get() : nullptr, std::move(auth));
  host::install_callbacks(&server.context());
  try {
    server.listen();
  } catch (const std::exception& e) {
    std::cerr << "isapi-host: " << e.what() << std::endl;
    return kExitUsage;
  }
  server.start_threads();
  std::cout << "isapi-host: listening on http://" << options->listen_address << ":" << server.port()
            << options->virtual_dir << (options->virtual_dir == "/" ? "" : "/") << " (extension: "
            << (loaded ? module->description() : "failed to initialize") << ")" << std::endl;

  server.wait_for_signal();
  std::cerr << "isapi-host: shutting down" << std::endl;
  // IIS calls TerminateExtension only once every request is processed; when the deadline passes
  // it ends the worker instead, and so does the host. With --terminate-early the extension is told
  // at once, its requests still running (connections go on being served meanwhile), so that its
  // own drain and deadline are what end them.
  bool terminated = false;
  if (options->terminate_early && loaded) terminated = module->terminate(HSE_TERM_MUST_UNLOAD);
  const bool drained = server.drain(std::chrono::milliseconds(options->shutdown_timeout_ms));
  if (drained && loaded && !options->terminate_early) terminated = module->terminate(HSE_TERM_MUST_UNLOAD);
  const bool threads_stopped = server.stop();

  if (!options->stats_file.empty() &&
      !monitor.write_stats(options->stats_file, options->hostility.seed, loaded ? module->description() : "", loaded,
                           terminated))
    std::cerr << "isapi-host: cannot write the stats file '" << options->stats_file << "'" << std::endl;
  if (monitor.violation_count() > 0)
    std::cerr << "isapi-host: " << monitor.violation_count() << " contract violation(s)" << std::endl;
  exit_code = options->strict && monitor.violation_count() > 0 ? kExitViolations : kExitOk;
  if (!threads_stopped) {
    // A pool thread is stuck in extension code: unwinding would destroy what it uses.
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(exit_code);
  }
  return exit_code;
}

#include "host/options.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <utility>
#include <vector>

#include "host/code_page.h"

namespace host {
namespace {

std::string current_directory() {
  std::error_code error;
  const auto dir = std::filesystem::current_path(error);
  return error ? std::string(".") : dir.u8string();
}

// A usage mistake: printed with the help, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// IIS keeps virtual directories as "/name" without a trailing slash (the root is "/").
std::string normalize_virtual_dir(std::string dir) {
  if (dir.empty() || dir[0] != '/') dir.insert(dir.begin(), '/');
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

// One of an option's named values, or a usage error that lists them.
template <class Value>
Value one_of(const std::string& option, const std::string& given, const std::vector<std::pair<const char*, Value>>& values) {
  std::string names;
  for (const auto& [name, value] : values) {
    if (given == name) return value;
    names += names.empty() ? name : std::string("|") + name;
  }
  throw UsageError("--" + option + " must be " + names + ", not '" + given + "'");
}

uint64_t unsigned_number(const std::string& option, const std::string& given) {
  if (given.empty() || given.size() > 20 || given.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("--" + option + " must be a non-negative integer, not '" + given + "'");
  try {
    return std::stoull(given);
  } catch (const std::exception&) {
    throw UsageError("--" + option + " is out of range: '" + given + "'");
  }
}

// Without --seed: one from the clock (and the system's entropy, so two hosts started in the same
// tick differ), below 2^53 so that the stats file's JSON number reads back exactly in JavaScript.
uint64_t seed_from_clock() {
  const auto ticks = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  SeededRandom mixer(ticks, std::random_device{}(), SeededRandom::Purpose::preload);
  return mixer.next() >> 11;
}

}  // namespace

std::optional<HostOptions> parse_options(int argc, char** argv, int& exit_code) {
  HostOptions o;
  uint64_t max_body = 0;
  bool hostile = false;
  std::string proc_thread, completions, preload, code_page, chunked_end, seed;
  uint32_t call_jitter_us = 0;
  CLI::App app(
      "isapi-host: an HTTP/1.1 server that loads one ISAPI extension and plays IIS's side of the contract",
      "isapi-host");
  // Every value option shows its default in --help, as program_options did.
  app.option_defaults()->always_capture_default();
  app.add_option("-e,--extension", o.extension_path, "ISAPI extension to load (.so, .dll)")->required();
  app.add_option("--listen", o.listen_address, "address to listen on");
  app.add_option("-p,--port", o.port, "port (0: any free port)");
  app.add_option("--threads", o.threads, "pool threads (I/O and extension calls)");
  app.add_option("--preload", preload, "body bytes preloaded into the ECB: BYTES or random (49152; hostile: random)");
  app.add_option("--virtual-dir", o.virtual_dir, "application path the `*` script map serves");
  app.add_option("--physical-path", o.physical_path, "APPL_PHYSICAL_PATH (default: working directory)");
  app.add_option("--site-id", o.site_id, "INSTANCE_ID");
  app.add_option("--auth-user", o.auth_user, "authenticate every request as this user (Windows authentication)");
  app.add_option("--auth-type", o.auth_type, "AUTH_TYPE reported with --auth-user");
  app.add_option("--basic-users", o.basic_users_file, "require Basic authentication against a file of user:password lines");
  app.add_flag("--https", o.https, "report HTTPS=on (as behind TLS termination)");
  app.add_flag("--strict", o.strict, "exit non-zero when the extension breached the contract");
  app.add_option("--stats-file", o.stats_file, "write session counts and contract violations as JSON at exit");
  app.add_option("--shutdown-timeout", o.shutdown_timeout_ms, "ms to let pending sessions finish at shutdown");
  app.add_flag("--terminate-early", o.terminate_early,
               "call TerminateExtension as shutdown begins, with requests still running (the extension's own drain "
               "and deadline decide)");
  app.add_option("--max-header-bytes", o.max_header_bytes, "largest request line + headers (431 beyond)");
  auto* max_body_option = app.add_option("--max-body-bytes", max_body, "largest request body (413 beyond; default unlimited)");
  app.add_option("--idle-timeout", o.idle_timeout_ms, "ms a keep-alive connection may stay idle");
  app.add_flag("--access-log", o.access_log, "log each request to stderr");
  app.add_flag("--stop-on-stdin-close", o.stop_on_stdin_close,
               "shut down as on SIGTERM when standard input ends (how a harness stops the host under Wine, where a "
               "Unix signal does not reach a Windows program)");
  app.add_flag("--hostile", hostile,
               "behave as IIS may at its worst: --proc-thread pool --completions mixed --preload random --code-page 1252 "
               "--chunked-end random --call-jitter-us 200 (each still settable)");
  auto* proc_thread_option = app.add_option("--proc-thread", proc_thread,
                                            "where HttpExtensionProc runs: own (the connection's thread) or pool (an IIS pool thread) (own)");
  app.add_option("--iis-threads", o.hostility.iis_threads, "threads of the IIS pool");
  auto* completions_option =
      app.add_option("--completions", completions, "how async completions arrive: own, other, delayed, inline or mixed (own)");
  app.add_option("--completion-delay-us", o.hostility.completion_delay_us, "the longest random delay of a delayed completion");
  auto* code_page_option =
      app.add_option("--code-page", code_page, "ANSI code page of the path and identity variables: utf8 or 1252 (utf8)");
  auto* chunked_end_option = app.add_option(
      "--chunked-end", chunked_end, "the end of a chunked upload to ASYNC_READ_CLIENT: zero, error (ERROR_HANDLE_EOF) or random (zero)");
  auto* jitter_option = app.add_option("--call-jitter-us", call_jitter_us, "one callback in four sleeps up to this long (0; hostile: 200)");
  auto* seed_option = app.add_option("--seed", seed, "seed of every random choice (default: from the clock; always printed)");

  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      std::cout << app.help() << "\n";
      exit_code = 0;
      return std::nullopt;
    } catch (const CLI::ParseError& e) {
      throw UsageError(e.what());
    }
    if (o.threads == 0 || o.threads > 1024) throw UsageError("--threads must be between 1 and 1024");
    if (o.hostility.iis_threads == 0 || o.hostility.iis_threads > 1024)
      throw UsageError("--iis-threads must be between 1 and 1024");
    if (o.max_header_bytes < 1024) throw UsageError("--max-header-bytes must be at least 1024");
    if (!o.auth_user.empty() && !o.basic_users_file.empty())
      throw UsageError("--auth-user and --basic-users are two authentication schemes: choose one");

    // --hostile changes the defaults; an option given explicitly wins over it.
    auto chosen = [hostile](const CLI::Option* option, const std::string& given, const char* plain, const char* when_hostile) {
      return option->count() ? given : std::string(hostile ? when_hostile : plain);
    };
    HostilitySettings& h = o.hostility;
    h.proc_thread = one_of<ProcThread>("proc-thread", chosen(proc_thread_option, proc_thread, "own", "pool"),
                                       {{"own", ProcThread::own}, {"pool", ProcThread::pool}});
    h.completions = one_of<CompletionMode>(
        "completions", chosen(completions_option, completions, "own", "mixed"),
        {{"own", CompletionMode::own}, {"other", CompletionMode::other}, {"delayed", CompletionMode::delayed},
         {"inline", CompletionMode::inline_call}, {"mixed", CompletionMode::mixed}});
    h.chunked_end = one_of<ChunkedEnd>("chunked-end", chosen(chunked_end_option, chunked_end, "zero", "random"),
                                       {{"zero", ChunkedEnd::zero}, {"error", ChunkedEnd::error}, {"random", ChunkedEnd::random}});
    h.call_jitter_us = jitter_option->count() ? call_jitter_us : hostile ? 200 : 0;
    const std::string preload_value = chosen(app.get_option("--preload"), preload, "49152", "random");
    h.preload_random = preload_value == "random";
    if (!h.preload_random) {
      const uint64_t bytes = unsigned_number("preload", preload_value);
      if (bytes > 0xFFFFFFFFull) throw UsageError("--preload is out of range: '" + preload_value + "'");
      o.preload_bytes = static_cast<uint32_t>(bytes);
    }
    const std::string code_page_name = chosen(code_page_option, code_page, "utf8", "1252");
    o.code_page = CodePage::named(code_page_name);
    if (!o.code_page)
      throw UsageError("--code-page must be one of " + std::string(CodePage::known_names()) + ", not '" + code_page_name + "'");
    h.seed = seed_option->count() ? unsigned_number("seed", seed) : seed_from_clock();
  } catch (const UsageError& e) {
    std::cerr << "isapi-host: " << e.what() << "\n\n" << app.help() << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  if (max_body_option->count()) o.max_body_bytes = max_body;
  if (o.physical_path.empty()) o.physical_path = current_directory();
  o.virtual_dir = normalize_virtual_dir(o.virtual_dir);
  return o;
}

}  // namespace host

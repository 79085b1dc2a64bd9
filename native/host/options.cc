#include "host/options.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>
#include <random>
#include <utility>
#include <vector>

#include "host/code_page.h"

namespace po = boost::program_options;

namespace host {
namespace {

std::string current_directory() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

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
  throw po::error("--" + option + " must be " + names + ", not '" + given + "'");
}

uint64_t unsigned_number(const std::string& option, const std::string& given) {
  if (given.empty() || given.size() > 20 || given.find_first_not_of("0123456789") != std::string::npos)
    throw po::error("--" + option + " must be a non-negative integer, not '" + given + "'");
  try {
    return std::stoull(given);
  } catch (const std::exception&) {
    throw po::error("--" + option + " is out of range: '" + given + "'");
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
  po::options_description desc(
      "isapi-host: an HTTP/1.1 server that loads one ISAPI extension and plays IIS's side of the "
      "contract\n\nUsage: isapi-host --extension FILE [options]\n\nOptions");
  desc.add_options()
      ("help,h", "show this help")
      ("extension,e", po::value(&o.extension_path)->required(), "ISAPI extension to load (.so)")
      ("listen", po::value(&o.listen_address)->default_value(o.listen_address), "address to listen on")
      ("port,p", po::value(&o.port)->default_value(o.port), "port (0: any free port)")
      ("threads", po::value(&o.threads)->default_value(o.threads), "pool threads (I/O and extension calls)")
      ("preload", po::value(&preload), "body bytes preloaded into the ECB: BYTES or random (49152; hostile: random)")
      ("virtual-dir", po::value(&o.virtual_dir)->default_value(o.virtual_dir), "application path the `*` script map serves")
      ("physical-path", po::value(&o.physical_path), "APPL_PHYSICAL_PATH (default: working directory)")
      ("site-id", po::value(&o.site_id)->default_value(o.site_id), "INSTANCE_ID")
      ("auth-user", po::value(&o.auth_user), "authenticate every request as this user (Windows authentication)")
      ("auth-type", po::value(&o.auth_type)->default_value(o.auth_type), "AUTH_TYPE reported with --auth-user")
      ("basic-users", po::value(&o.basic_users_file), "require Basic authentication against a file of user:password lines")
      ("https", po::bool_switch(&o.https), "report HTTPS=on (as behind TLS termination)")
      ("strict", po::bool_switch(&o.strict), "exit non-zero when the extension breached the contract")
      ("stats-file", po::value(&o.stats_file), "write session counts and contract violations as JSON at exit")
      ("shutdown-timeout", po::value(&o.shutdown_timeout_ms)->default_value(o.shutdown_timeout_ms), "ms to let pending sessions finish at shutdown")
      ("terminate-early", po::bool_switch(&o.terminate_early), "call TerminateExtension as shutdown begins, with requests still running (the extension's own drain and deadline decide)")
      ("max-header-bytes", po::value(&o.max_header_bytes)->default_value(o.max_header_bytes), "largest request line + headers (431 beyond)")
      ("max-body-bytes", po::value(&max_body), "largest request body (413 beyond; default unlimited)")
      ("idle-timeout", po::value(&o.idle_timeout_ms)->default_value(o.idle_timeout_ms), "ms a keep-alive connection may stay idle")
      ("access-log", po::bool_switch(&o.access_log), "log each request to stderr")
      ("hostile", po::bool_switch(&hostile),
       "behave as IIS may at its worst: --proc-thread pool --completions mixed --preload random --code-page 1252 "
       "--chunked-end random --call-jitter-us 200 (each still settable)")
      ("proc-thread", po::value(&proc_thread), "where HttpExtensionProc runs: own (the connection's thread) or pool (an IIS pool thread) (own)")
      ("iis-threads", po::value(&o.hostility.iis_threads)->default_value(o.hostility.iis_threads), "threads of the IIS pool")
      ("completions", po::value(&completions), "how async completions arrive: own, other, delayed, inline or mixed (own)")
      ("completion-delay-us", po::value(&o.hostility.completion_delay_us)->default_value(o.hostility.completion_delay_us),
       "the longest random delay of a delayed completion")
      ("code-page", po::value(&code_page), "ANSI code page of the path and identity variables: utf8 or 1252 (utf8)")
      ("chunked-end", po::value(&chunked_end), "the end of a chunked upload to ASYNC_READ_CLIENT: zero, error (ERROR_HANDLE_EOF) or random (zero)")
      ("call-jitter-us", po::value(&call_jitter_us), "one callback in four sleeps up to this long (0; hostile: 200)")
      ("seed", po::value(&seed), "seed of every random choice (default: from the clock; always printed)");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
    if (o.threads == 0 || o.threads > 1024) throw po::error("--threads must be between 1 and 1024");
    if (o.hostility.iis_threads == 0 || o.hostility.iis_threads > 1024)
      throw po::error("--iis-threads must be between 1 and 1024");
    if (o.max_header_bytes < 1024) throw po::error("--max-header-bytes must be at least 1024");
    if (!o.auth_user.empty() && !o.basic_users_file.empty())
      throw po::error("--auth-user and --basic-users are two authentication schemes: choose one");

    // --hostile changes the defaults; an option given explicitly wins over it.
    auto chosen = [&vm, hostile](const char* option, const std::string& given, const char* plain, const char* when_hostile) {
      return vm.count(option) ? given : std::string(hostile ? when_hostile : plain);
    };
    HostilitySettings& h = o.hostility;
    h.proc_thread = one_of<ProcThread>("proc-thread", chosen("proc-thread", proc_thread, "own", "pool"),
                                       {{"own", ProcThread::own}, {"pool", ProcThread::pool}});
    h.completions = one_of<CompletionMode>(
        "completions", chosen("completions", completions, "own", "mixed"),
        {{"own", CompletionMode::own}, {"other", CompletionMode::other}, {"delayed", CompletionMode::delayed},
         {"inline", CompletionMode::inline_call}, {"mixed", CompletionMode::mixed}});
    h.chunked_end = one_of<ChunkedEnd>("chunked-end", chosen("chunked-end", chunked_end, "zero", "random"),
                                       {{"zero", ChunkedEnd::zero}, {"error", ChunkedEnd::error}, {"random", ChunkedEnd::random}});
    h.call_jitter_us = vm.count("call-jitter-us") ? call_jitter_us : hostile ? 200 : 0;
    const std::string preload_value = chosen("preload", preload, "49152", "random");
    h.preload_random = preload_value == "random";
    if (!h.preload_random) {
      const uint64_t bytes = unsigned_number("preload", preload_value);
      if (bytes > 0xFFFFFFFFull) throw po::error("--preload is out of range: '" + preload_value + "'");
      o.preload_bytes = static_cast<uint32_t>(bytes);
    }
    const std::string code_page_name = chosen("code-page", code_page, "utf8", "1252");
    o.code_page = CodePage::named(code_page_name);
    if (!o.code_page)
      throw po::error("--code-page must be one of " + std::string(CodePage::known_names()) + ", not '" + code_page_name + "'");
    h.seed = vm.count("seed") ? unsigned_number("seed", seed) : seed_from_clock();
  } catch (const po::error& e) {
    std::cerr << "isapi-host: " << e.what() << "\n\n" << desc << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  if (vm.count("max-body-bytes")) o.max_body_bytes = max_body;
  if (o.physical_path.empty()) o.physical_path = current_directory();
  o.virtual_dir = normalize_virtual_dir(o.virtual_dir);
  return o;
}

}  // namespace host

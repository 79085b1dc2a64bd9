// The test host's command line: what it loads, where it listens, and how it plays IIS.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "host/hostility.h"

namespace host {

class CodePage;

struct HostOptions {
  std::string extension_path;       // the ISAPI extension (.so) to load
  std::string listen_address = "127.0.0.1";
  uint16_t port = 0;                // 0: any free port, printed on stdout once listening
  unsigned threads = 8;             // the pool that runs I/O and calls into the extension
  uint32_t preload_bytes = 49152;   // IIS's uploadReadAheadSize default (the limit with --preload random)
  std::string virtual_dir = "/";    // the application the `*` script map belongs to
  std::string physical_path;        // APPL_PHYSICAL_PATH; the working directory by default
  unsigned site_id = 1;             // INSTANCE_ID, part of APPL_MD_PATH
  std::string auth_user;            // every request authenticated as this user (Windows auth)
  std::string auth_type = "Negotiate";
  std::string basic_users_file;     // "user:password" lines: Basic authentication is required
  bool https = false;               // report HTTPS=on, as behind IIS's TLS termination
  bool strict = false;              // contract breaches make the exit code non-zero
  std::string stats_file;           // JSON written at exit
  uint32_t shutdown_timeout_ms = 30000;
  bool terminate_early = false;     // TerminateExtension before the drain, with sessions still pending
  uint32_t max_header_bytes = 16384;  // http.sys MaxRequestBytes default
  std::optional<uint64_t> max_body_bytes;
  uint32_t idle_timeout_ms = 120000;  // IIS connectionTimeout default
  bool access_log = false;
  bool stop_on_stdin_close = false;  // shut down as on SIGTERM when standard input ends (Wine has no SIGTERM for it)
  // The ANSI code page of the path and identity variables (code_page.h); never null once parsed.
  const CodePage* code_page = nullptr;
  // --hostile and its parts, and the seed of every random choice.
  HostilitySettings hostility;
};

// Parses argv. On --help prints usage and returns nullopt with exit_code 0; on a bad command line
// prints the reason and the usage to stderr and returns nullopt with exit_code 2.
std::optional<HostOptions> parse_options(int argc, char** argv, int& exit_code);

}  // namespace host

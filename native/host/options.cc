#include "host/options.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>

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

}  // namespace

std::optional<HostOptions> parse_options(int argc, char** argv, int& exit_code) {
  HostOptions o;
  uint64_t max_body = 0;
  po::options_description desc(
      "isapi-host: an HTTP/1.1 server that loads one ISAPI extension and plays IIS's side of the "
      "contract\n\nUsage: isapi-host --extension FILE [options]\n\nOptions");
  desc.add_options()
      ("help,h", "show this help")
      ("extension,e", po::value(&o.extension_path)->required(), "ISAPI extension to load (.so)")
      ("listen", po::value(&o.listen_address)->default_value(o.listen_address), "address to listen on")
      ("port,p", po::value(&o.port)->default_value(o.port), "port (0: any free port)")
      ("threads", po::value(&o.threads)->default_value(o.threads), "pool threads (I/O and extension calls)")
      ("preload", po::value(&o.preload_bytes)->default_value(o.preload_bytes), "body bytes preloaded into the ECB")
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
      ("max-header-bytes", po::value(&o.max_header_bytes)->default_value(o.max_header_bytes), "largest request line + headers (431 beyond)")
      ("max-body-bytes", po::value(&max_body), "largest request body (413 beyond; default unlimited)")
      ("idle-timeout", po::value(&o.idle_timeout_ms)->default_value(o.idle_timeout_ms), "ms a keep-alive connection may stay idle")
      ("access-log", po::bool_switch(&o.access_log), "log each request to stderr");

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
    if (o.max_header_bytes < 1024) throw po::error("--max-header-bytes must be at least 1024");
    if (!o.auth_user.empty() && !o.basic_users_file.empty())
      throw po::error("--auth-user and --basic-users are two authentication schemes: choose one");
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

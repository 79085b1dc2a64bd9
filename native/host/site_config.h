// The one application the host serves: what IIS would read from its configuration for the site
// and the virtual directory that carries the `*` script map.
#pragma once
#include "common/ascii.h"

#include <string>

namespace host {

struct SiteConfig {
  std::string virtual_dir = "/";  // "/" or "/name" (no trailing slash)
  std::string physical_path;      // the directory the virtual directory maps to
  unsigned site_id = 1;
  bool https = false;
  unsigned max_header_bytes = 16384;
  uint32_t preload_bytes = 49152;

  // "/LM/W3SVC/1/ROOT" for the root application, "/LM/W3SVC/1/ROOT/app" under /app.
  std::string appl_md_path() const {
    std::string p = "/LM/W3SVC/" + std::to_string(site_id) + "/ROOT";
    if (virtual_dir != "/") p += virtual_dir;
    return p;
  }
  // True when the (decoded) path belongs to the application.
  // IIS compares URL paths case-insensitively, as Windows paths are.
  bool serves(const std::string& path) const {
    if (virtual_dir == "/") return true;
    if (!ascii::equals_ignoring_case(std::string_view(path).substr(0, virtual_dir.size()), virtual_dir)) return false;
    return path.size() == virtual_dir.size() || path[virtual_dir.size()] == '/';
  }
  // Physical path of a URL inside the application (IIS maps the rest of the URL below the
  // virtual directory onto its physical directory).
  std::string physical_path_of(const std::string& url) const {
    std::string rest = url;
    if (virtual_dir != "/" && serves(url)) rest = url.substr(virtual_dir.size());
    std::string base = physical_path;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (rest.empty() || rest[0] != '/') rest.insert(rest.begin(), '/');
    return base + rest;
  }
};

}  // namespace host

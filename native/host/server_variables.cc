#include "host/server_variables.h"

#include <boost/beast/core/string.hpp>
#include <cctype>
#include <unordered_map>

namespace host {
namespace {

constexpr const char* kServerSoftware = "isapi-host/0.1";

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// HTTP_X_FOO names the header X-Foo: underscores stand for dashes.
std::string header_name_from_variable(std::string_view mangled) {
  std::string name(mangled);
  for (auto& c : name)
    if (c == '_') c = '-';
  return name;
}

std::string mangle_header_name(std::string_view name) {
  std::string out = "HTTP_";
  for (char c : name) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

std::string all_http(const RequestInfo& r) {
  // One line per distinct header, values of repeats merged, in the order first seen.
  std::string out;
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : r.headers) {
    bool dup = false;
    for (auto s : seen) dup = dup || boost::beast::iequals(s, name);
    if (dup) continue;
    seen.push_back(name);
    out += mangle_header_name(name);
    out += ':';
    out += *r.header(name);
    out += "\r\n";
  }
  return out;
}

std::string all_raw(const RequestInfo& r) {
  std::string out;
  for (const auto& [name, value] : r.headers) out.append(name).append(": ").append(value).append("\r\n");
  return out;
}

std::string server_name(const RequestInfo& r) {
  auto host = r.header("Host");
  if (!host || host->empty()) return r.local.address;
  std::string h = *host;
  size_t colon = h.rfind(':');
  size_t bracket = h.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) h.resize(colon);
  return h;
}

using Getter = std::string (*)(const RequestInfo&, const SiteConfig&);

const std::unordered_map<std::string, Getter>& fixed_variables() {
  static const std::unordered_map<std::string, Getter> table = {
      {"ALL_HTTP", [](const RequestInfo& r, const SiteConfig&) { return all_http(r); }},
      {"ALL_RAW", [](const RequestInfo& r, const SiteConfig&) { return all_raw(r); }},
      {"APPL_MD_PATH", [](const RequestInfo&, const SiteConfig& s) { return s.appl_md_path(); }},
      {"APPL_PHYSICAL_PATH",
       [](const RequestInfo&, const SiteConfig& s) {
         std::string p = s.physical_path;
         if (p.empty() || p.back() != '/') p.push_back('/');
         return p;
       }},
      {"AUTH_TYPE", [](const RequestInfo& r, const SiteConfig&) { return r.auth.type; }},
      {"AUTH_USER", [](const RequestInfo& r, const SiteConfig&) { return r.auth.user; }},
      {"AUTH_PASSWORD", [](const RequestInfo& r, const SiteConfig&) { return r.auth.password; }},
      {"LOGON_USER", [](const RequestInfo& r, const SiteConfig&) { return r.auth.user; }},
      {"REMOTE_USER", [](const RequestInfo& r, const SiteConfig&) { return r.auth.user; }},
      {"REMOTE_ADDR", [](const RequestInfo& r, const SiteConfig&) { return r.remote.address; }},
      {"REMOTE_HOST", [](const RequestInfo& r, const SiteConfig&) { return r.remote.address; }},
      {"REMOTE_PORT", [](const RequestInfo& r, const SiteConfig&) { return std::to_string(r.remote.port); }},
      {"LOCAL_ADDR", [](const RequestInfo& r, const SiteConfig&) { return r.local.address; }},
      {"REQUEST_METHOD", [](const RequestInfo& r, const SiteConfig&) { return r.method; }},
      {"URL", [](const RequestInfo& r, const SiteConfig&) { return r.path; }},
      {"SCRIPT_NAME", [](const RequestInfo& r, const SiteConfig&) { return r.path; }},
      {"PATH_INFO", [](const RequestInfo& r, const SiteConfig&) { return r.path; }},
      {"PATH_TRANSLATED", [](const RequestInfo& r, const SiteConfig& s) { return s.physical_path_of(r.path); }},
      {"UNENCODED_URL", [](const RequestInfo& r, const SiteConfig&) { return r.raw_target; }},
      {"QUERY_STRING", [](const RequestInfo& r, const SiteConfig&) { return r.query; }},
      {"CONTENT_LENGTH",
       [](const RequestInfo& r, const SiteConfig&) {
         // IIS reports 0 without a Content-Length (chunked too): cbTotalBytes says "unknown".
         return std::to_string(r.content_length.value_or(0));
       }},
      {"CONTENT_TYPE", [](const RequestInfo& r, const SiteConfig&) { return r.header("Content-Type").value_or(""); }},
      {"SERVER_NAME", [](const RequestInfo& r, const SiteConfig&) { return server_name(r); }},
      {"SERVER_PORT", [](const RequestInfo& r, const SiteConfig&) { return std::to_string(r.local.port); }},
      {"SERVER_PORT_SECURE", [](const RequestInfo&, const SiteConfig& s) { return std::string(s.https ? "1" : "0"); }},
      {"SERVER_PROTOCOL",
       [](const RequestInfo& r, const SiteConfig&) { return std::string(r.version == 10 ? "HTTP/1.0" : "HTTP/1.1"); }},
      {"SERVER_SOFTWARE", [](const RequestInfo&, const SiteConfig&) { return std::string(kServerSoftware); }},
      {"GATEWAY_INTERFACE", [](const RequestInfo&, const SiteConfig&) { return std::string("CGI/1.1"); }},
      {"HTTPS", [](const RequestInfo&, const SiteConfig& s) { return std::string(s.https ? "on" : "off"); }},
      {"HTTPS_KEYSIZE", [](const RequestInfo&, const SiteConfig& s) { return std::string(s.https ? "256" : ""); }},
      {"HTTPS_SECRETKEYSIZE", [](const RequestInfo&, const SiteConfig& s) { return std::string(s.https ? "2048" : ""); }},
      {"HTTPS_SERVER_ISSUER", [](const RequestInfo&, const SiteConfig&) { return std::string(); }},
      {"HTTPS_SERVER_SUBJECT", [](const RequestInfo&, const SiteConfig&) { return std::string(); }},
      {"CERT_COOKIE", [](const RequestInfo&, const SiteConfig&) { return std::string(); }},
      {"CERT_FLAGS", [](const RequestInfo&, const SiteConfig&) { return std::string(); }},
      {"CERT_ISSUER", [](const RequestInfo&, const SiteConfig&) { return std::string(); }},
      {"CERT_SERIALNUMBER", [](const RequestInfo&, const SiteConfig&) { return std::string(); }},
      {"CERT_SUBJECT", [](const RequestInfo&, const SiteConfig&) { return std::string(); }},
      {"INSTANCE_ID", [](const RequestInfo&, const SiteConfig& s) { return std::to_string(s.site_id); }},
      {"INSTANCE_META_PATH",
       [](const RequestInfo&, const SiteConfig& s) { return "/LM/W3SVC/" + std::to_string(s.site_id); }},
      // Not headers, despite the prefix: IIS answers these two from the request line.
      {"HTTP_URL", [](const RequestInfo& r, const SiteConfig&) { return r.raw_target; }},
      {"HTTP_VERSION",
       [](const RequestInfo& r, const SiteConfig&) { return std::string(r.version == 10 ? "HTTP/1.0" : "HTTP/1.1"); }},
  };
  return table;
}

}  // namespace

bool has_unicode_form(std::string_view name) {
  // IIS's list; the host implements most of these (the others are unknown variables here).
  static constexpr std::string_view kNames[] = {
      "URL",          "PATH_INFO",          "SCRIPT_NAME", "PATH_TRANSLATED", "SCRIPT_TRANSLATED",
      "APPL_MD_PATH", "APPL_PHYSICAL_PATH", "AUTH_USER",   "LOGON_USER",      "REMOTE_USER",
      "UNMAPPED_REMOTE_USER", "APP_POOL_ID",
  };
  for (std::string_view known : kNames)
    if (boost::beast::iequals(name, known)) return true;
  return false;
}

std::optional<std::string> server_variable(const RequestInfo& request, const SiteConfig& site, std::string_view name) {
  const std::string key = upper(name);
  const auto& table = fixed_variables();
  if (auto it = table.find(key); it != table.end()) return it->second(request, site);
  if (key.rfind("HTTP_", 0) == 0 && key.size() > 5) return request.header(header_name_from_variable(key.substr(5)));
  if (key.rfind("HEADER_", 0) == 0 && key.size() > 7) return request.header(name.substr(7));
  return std::nullopt;
}

}  // namespace host

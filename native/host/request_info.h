// What the host knows of one request once its header is read: everything the ECB and the server
// variables are built from. Built and validated before any extension code runs, so bad input is
// refused the way http.sys refuses it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

namespace host {

struct SiteConfig;

struct Endpoint {
  std::string address;
  uint16_t port = 0;
};

struct AuthIdentity {
  std::string type;      // AUTH_TYPE: "" when anonymous
  std::string user;      // AUTH_USER, LOGON_USER, REMOTE_USER
  std::string password;  // AUTH_PASSWORD (Basic only)
};

struct RequestInfo {
  std::string method;
  std::string raw_target;     // as received: UNENCODED_URL
  std::string path;           // percent-decoded, dot segments removed: URL, SCRIPT_NAME, PATH_INFO
  std::string query;          // after '?', not decoded: QUERY_STRING
  unsigned version = 11;      // 10 or 11
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  Endpoint remote, local;
  AuthIdentity auth;
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;     // what the client asked for
  bool expects_continue = false;

  bool has_body() const { return chunked || (content_length && *content_length > 0); }
  // Every value of a header (case-insensitive name), joined with ", " as http.sys merges them.
  std::optional<std::string> header(std::string_view name) const;
};

// A request the host answers itself, before the extension sees it.
struct Refusal {
  unsigned status;
  std::string reason;  // for the body and the log
};

// Fills `out` from a parsed header, or returns why the request must be refused (400 for malformed
// targets, bad escapes, both Content-Length and Transfer-Encoding, a missing Host on HTTP/1.1).
std::optional<Refusal> read_request_header(const boost::beast::http::request_header<>& header,
                                           RequestInfo& out);

// Percent-decodes a path and removes dot segments; nullopt when it is malformed, holds a NUL, or
// climbs above the root.
std::optional<std::string> canonical_path(std::string_view raw_path);

}  // namespace host

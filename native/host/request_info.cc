#include "host/request_info.h"

#include "host/http_tokens.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

namespace host {
namespace http = boost::beast::http;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

}  // namespace

std::optional<std::string> RequestInfo::header(std::string_view name) const {
  std::optional<std::string> joined;
  for (const auto& [n, v] : headers) {
    if (!iequals(n, name)) continue;
    if (joined) joined->append(", ").append(v);
    else joined = v;
  }
  return joined;
}

std::optional<std::string> canonical_path(std::string_view raw) {
  if (raw.empty() || raw[0] != '/') return std::nullopt;
  std::string decoded;
  decoded.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return std::nullopt;
      int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    decoded.push_back(c == '\\' ? '/' : c);  // http.sys treats '\' as a separator
  }
  // Remove "." and ".." segments (RFC 3986 5.2.4); climbing above the root is refused.
  std::vector<std::string_view> segments;
  std::string_view rest(decoded);
  rest.remove_prefix(1);
  bool trailing_slash = false;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (seg == "..") {
      if (segments.empty()) return std::nullopt;
      segments.pop_back();
      trailing_slash = last;
    } else if (seg == ".") {
      trailing_slash = last;
    } else if (seg.empty() && !last) {
      // "//" collapses, as http.sys does.
    } else {
      if (!seg.empty()) segments.push_back(seg);
      trailing_slash = last && seg.empty();
    }
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i) out.push_back('/');
    out.append(segments[i]);
  }
  if (trailing_slash && out.size() > 1) out.push_back('/');
  return out;
}

std::optional<Refusal> read_request_header(const http::request_header<>& header, RequestInfo& out) {
  out.method = std::string(header.method_string());
  out.version = header.version();
  if (out.version != 10 && out.version != 11) return Refusal{505, "HTTP version not supported"};
  out.raw_target = std::string(header.target());
  out.headers.clear();
  for (const auto& field : header)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));

  std::string_view target = out.raw_target;
  if (target.empty() || target[0] != '/') {
    // Absolute-form targets (a proxy request) and "*" are not for an application.
    return Refusal{400, "request target must be an absolute path"};
  }
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  auto path = canonical_path(raw_path);
  if (!path) return Refusal{400, "malformed URL path"};
  out.path = std::move(*path);

  if (out.version == 11 && header.count(http::field::host) == 0) return Refusal{400, "HTTP/1.1 request without Host"};
  if (header.count(http::field::host) > 1) return Refusal{400, "more than one Host header"};

  const bool has_te = header.count(http::field::transfer_encoding) > 0;
  const bool has_cl = header.count(http::field::content_length) > 0;
  // A request with both is the classic smuggling vector; http.sys refuses it outright.
  if (has_te && has_cl) return Refusal{400, "both Content-Length and Transfer-Encoding"};
  out.chunked = false;
  out.content_length.reset();
  if (has_te) {
    auto te = header[http::field::transfer_encoding];
    if (!iequals(te, "chunked")) return Refusal{501, "unsupported Transfer-Encoding"};
    out.chunked = true;
  } else if (has_cl) {
    if (header.count(http::field::content_length) > 1) return Refusal{400, "more than one Content-Length"};
    auto cl = header[http::field::content_length];
    uint64_t value = 0;
    if (cl.empty() || cl.size() > 19) return Refusal{400, "bad Content-Length"};
    for (char c : cl) {
      if (c < '0' || c > '9') return Refusal{400, "bad Content-Length"};
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    out.content_length = value;
  }

  auto connection = header[http::field::connection];
  out.keep_alive = out.version == 11 ? !has_token(connection, "close") : has_token(connection, "keep-alive");
  auto expect = header[http::field::expect];
  if (!expect.empty()) {
    if (!iequals(expect, "100-continue")) return Refusal{417, "unsupported Expect"};
    out.expects_continue = out.version == 11;
  } else {
    out.expects_continue = false;
  }
  return std::nullopt;
}

}  // namespace host

#include "host/response_state.h"

#include "host/http_tokens.h"
#include "host/platform.h"

#include <boost/beast/core/string.hpp>
#include <cctype>
#include <ctime>
#include <mutex>

namespace host {
namespace {

unsigned parse_status_code(std::string_view status) {
  unsigned code = 0;
  size_t i = 0;
  for (; i < status.size() && i < 3 && std::isdigit(static_cast<unsigned char>(status[i])); ++i)
    code = code * 10 + static_cast<unsigned>(status[i] - '0');
  return i == 3 ? code : 0;
}

}  // namespace

std::string ResponseState::start(std::string_view status, std::string_view block, bool extension_keeps_conn) {
  head_sent_ = true;
  if (status.empty()) status = "200 OK";
  status_code_ = parse_status_code(status);
  if (status_code_ == 0) status_code_ = 200;  // IIS logs 200 for a status it cannot read

  // The extension's block: "Name: value\r\n" lines, maybe closed by a blank line. Lines ending in a
  // bare "\n" are accepted as IIS accepts them.
  while (!block.empty() && (block.back() == '\n' || block.back() == '\r')) block.remove_suffix(1);
  std::string lines;
  bool has_server = false, says_close = false;
  std::string_view rest = block;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = trim_ows(line.substr(0, colon)), value = trim_ows(line.substr(colon + 1));
      if (boost::beast::iequals(name, "Content-Length")) {
        uint64_t v = 0;
        bool ok = !value.empty();
        for (char c : value) {
          if (!std::isdigit(static_cast<unsigned char>(c))) { ok = false; break; }
          v = v * 10 + static_cast<uint64_t>(c - '0');
        }
        if (ok) content_length_ = v;
      } else if (boost::beast::iequals(name, "Transfer-Encoding")) {
        chunked_ = has_token(value, "chunked");
      } else if (boost::beast::iequals(name, "Connection")) {
        says_close = says_close || has_token(value, "close");
      } else if (boost::beast::iequals(name, "Server")) {
        has_server = true;
      }
    }
    lines.append(line).append("\r\n");
  }
  if (chunked_) content_length_.reset();  // chunked wins, as in RFC 9112
  if (says_close || !extension_keeps_conn || http_version_ == 10) keep_alive_ = false;
  const bool delimited = !body_allowed() || content_length_ || chunked_;
  if (!delimited) keep_alive_ = false;

  std::string head;
  head.reserve(64 + status.size() + lines.size());
  head.append(http_version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(status).append("\r\n");
  head.append("Date: ").append(http_date_now()).append("\r\n");
  if (!has_server) head.append("Server: isapi-host\r\n");
  head.append(lines);
  if (!keep_alive_ && !says_close) head.append("Connection: close\r\n");
  head.append("\r\n");
  return head;
}

bool ResponseState::body_allowed() const {
  return !head_request_ && status_code_ >= 200 && status_code_ != 204 && status_code_ != 304;
}

uint64_t ResponseState::admit_body(uint64_t n) {
  if (!body_allowed()) return 0;
  if (content_length_ && body_bytes_ + n > *content_length_) {
    overflowed_ = true;
    keep_alive_ = false;
    n = *content_length_ - body_bytes_;
  }
  body_bytes_ += n;
  return n;
}

void ResponseState::observe_chunked(std::string_view bytes) {
  if (!chunked_) return;
  chunk_tail_.append(bytes.size() > 16 ? bytes.substr(bytes.size() - 16) : bytes);
  if (chunk_tail_.size() > 16) chunk_tail_.erase(0, chunk_tail_.size() - 16);
}

bool ResponseState::chunked_terminated() const {
  // The last chunk is "0\r\n" followed by the blank line (trailers are not used by extensions here).
  const std::string_view tail(chunk_tail_);
  constexpr std::string_view last = "0\r\n\r\n";
  if (tail.size() < last.size() || tail.substr(tail.size() - last.size()) != last) return false;
  if (tail.size() == last.size()) return body_bytes_ == last.size();
  char before = tail[tail.size() - last.size() - 1];
  return before == '\n';
}

bool ResponseState::body_incomplete() const {
  if (!head_sent_ || !body_allowed()) return false;
  if (content_length_) return body_bytes_ < *content_length_;
  if (chunked_) return !chunked_terminated();
  return false;
}

bool ResponseState::reusable() const {
  if (!keep_alive_ || !head_sent_ || overflowed_) return false;
  if (!body_allowed()) return true;
  if (content_length_) return body_bytes_ == *content_length_;
  if (chunked_) return chunked_terminated();
  return false;
}

std::string http_date_now() {
  static std::mutex mutex;
  static std::time_t cached_second = 0;
  static std::string cached;
  std::time_t now = std::time(nullptr);
  std::lock_guard<std::mutex> lock(mutex);
  if (now != cached_second) {
    const std::tm tm = platform::utc_time(now);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

}  // namespace host

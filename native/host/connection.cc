#include "host/connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <algorithm>
#include <cctype>
#include <iostream>
#include <limits>

#include "host/platform.h"
#include "host/response_state.h"
#include "host/session.h"

namespace host {
namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

// After refusing a request the host stops sending and drains what the client still sends for a
// moment, so the refusal is not lost to a TCP reset (the client may still be sending its body).
constexpr uint32_t kLingerMs = 2000;

// Socket reads of request bytes (headers and body) are at most this large.
constexpr size_t kReadBufferBytes = 64 * 1024;

const char* reason_phrase(unsigned status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 413: return "Request Entity Too Large";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

Endpoint endpoint_of(const net::ip::tcp::endpoint& e) {
  auto addr = e.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
  return {addr.to_string(), e.port()};
}

// Beast's verdicts on malformed input (as opposed to the client going away mid-message).
bool is_parse_error(const error_code& ec) {
  return ec && &ec.category() == &http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Beast reports every unreadable version as bad_version; http.sys answers 505 to a well-formed
// request line naming a version it does not speak ("... HTTP/2.0") and 400 to the rest.
bool names_http_version(const boost::beast::flat_buffer& buffer) {
  std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
  std::string_view line = bytes.substr(0, bytes.find("\r\n"));
  if (std::count(line.begin(), line.end(), ' ') != 2 || line.size() < 9) return false;
  std::string_view v = line.substr(line.size() - 9);
  return v.substr(0, 6) == " HTTP/" && std::isdigit(static_cast<unsigned char>(v[6])) && v[7] == '.' &&
         std::isdigit(static_cast<unsigned char>(v[8]));
}

// Body-read errors Beast reports for a full caller buffer: not an error for us.
void clear_need_buffer(error_code& ec) {
  if (ec == http::error::need_buffer) ec = {};
}

}  // namespace

Connection::Connection(net::ip::tcp::socket socket, ServerContext& context)
    : ctx_(context), socket_(std::move(socket)), timer_(socket_.get_executor()) {
  // Beast sizes each socket read by the buffer's spare capacity (512 bytes at least): without room
  // reserved up front, bodies would arrive in 512-byte reads.
  buffer_.reserve(kReadBufferBytes);
}

void Connection::start() {
  error_code ec;
  socket_.set_option(net::ip::tcp::no_delay(true), ec);
  // A connection's addresses never change: asked once, not per request (two system calls).
  remote_ = endpoint_of(socket_.remote_endpoint(ec));
  local_ = endpoint_of(socket_.local_endpoint(ec));
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void Connection::arm_timer(uint32_t ms) {
  timer_.expires_after(std::chrono::milliseconds(ms));
  timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) {
      error_code ignored;
      self->socket_.cancel(ignored);
    }
  });
}

void Connection::read_header() {
  if (ctx_.draining) return lingering_close();
  state_ = State::reading_header;
  parser_.emplace();
  parser_->header_limit(ctx_.site.max_header_bytes);
  // Not boost::none for "unlimited": Boost 1.74's parser compares the length against the empty
  // optional and refuses every body.
  parser_->body_limit(ctx_.options.max_body_bytes.value_or(std::numeric_limits<uint64_t>::max()));
  arm_timer(ctx_.options.idle_timeout_ms);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
}

void Connection::close_if_idle() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->state_ == State::reading_header) {
      error_code ignored;
      self->socket_.cancel(ignored);
    }
  });
}

void Connection::on_header(error_code ec) {
  timer_.cancel();
  if (ec) {
    if (ec == http::error::header_limit) return refuse(431, "request header too large");
    if (ec == http::error::body_limit) return refuse(413, "request body too large");
    if (ec == http::error::bad_version && names_http_version(buffer_)) return refuse(505, "HTTP version not supported");
    if (is_parse_error(ec)) return refuse(400, "malformed request: " + ec.message());
    return lingering_close();  // client closed, idle timeout, or shutdown
  }
  if (ctx_.draining) return refuse(503, "the server is shutting down");

  request_ = RequestInfo{};
  if (auto refusal = read_request_header(parser_->get().base(), request_))
    return refuse(refusal->status, refusal->reason);
  if (!ctx_.site.serves(request_.path)) return refuse(404, "no application is mapped at this URL");
  request_.remote = remote_;
  request_.local = local_;
  if (!ctx_.auth.authenticate(request_))
    return refuse(401, "authentication required", "WWW-Authenticate: " + ctx_.auth.challenge() + "\r\n");
  if (ctx_.options.access_log)
    std::cerr << "isapi-host: " << request_.remote.address << " " << request_.method << " " << request_.raw_target
              << std::endl;

  // The id is the session's, chosen now: the preload size is one of its seeded choices.
  session_id_ = ctx_.registry.next_id();
  preload_.clear();
  preload_target_ = 0;
  preload_have_ = 0;
  if (request_.has_body()) {
    uint64_t limit = ctx_.site.preload_bytes;
    if (request_.content_length) limit = std::min<uint64_t>(limit, *request_.content_length);
    preload_target_ = preload_size(ctx_.options.hostility, session_id_, static_cast<size_t>(limit));
  }
  preload_.resize(preload_target_ + 1);  // IIS NUL-terminates lpbData
  if (request_.expects_continue && request_.has_body()) {
    // http.sys answers "100 Continue" itself before the body is read, even when nothing is
    // preloaded (the extension's first read would otherwise wait for a body the client holds back).
    interim_ = "HTTP/1.1 100 Continue\r\n\r\n";
    return net::async_write(socket_, net::buffer(interim_), [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->lingering_close();
      self->preload();
    });
  }
  preload();
}

void Connection::preload() {
  state_ = State::preloading;
  if (parser_->is_done() || preload_have_ == preload_target_) {
    preload_.resize(preload_have_ + 1);
    preload_[preload_have_] = '\0';
    return start_session();
  }
  auto& body = parser_->get().body();
  body.data = preload_.data() + preload_have_;
  body.size = preload_target_ - preload_have_;
  arm_timer(ctx_.options.idle_timeout_ms);
  http::async_read_some(socket_, buffer_, *parser_,
                        [self = shared_from_this()](error_code ec, size_t) { self->on_preload_read(ec); });
}

void Connection::on_preload_read(error_code ec) {
  timer_.cancel();
  clear_need_buffer(ec);
  auto& body = parser_->get().body();
  preload_have_ += (preload_target_ - preload_have_) - body.size;
  body.data = nullptr;
  body.size = 0;
  if (ec == http::error::body_limit) return refuse(413, "request body too large");
  if (is_parse_error(ec)) return refuse(400, "malformed request body: " + ec.message());
  if (ec) return lingering_close();
  preload();
}

void Connection::start_session() {
  // From here on the parser's body buffer belongs to the session's reads.
  parser_->get().body().data = nullptr;
  parser_->get().body().size = 0;
  if (preload_target_ == 0) preload_.assign(1, '\0');
  if (!ctx_.extension) return refuse(500, "the ISAPI extension failed to initialize (GetExtensionVersion returned FALSE)");
  state_ = State::in_session;
  auto session = std::make_shared<Session>(ctx_, shared_from_this(), session_id_, std::move(request_), std::move(preload_));
  session->start();
}

void Connection::session_finished(bool reusable) {
  net::post(socket_.get_executor(), [self = shared_from_this(), reusable] {
    if (reusable && self->parser_->is_done() && !self->ctx_.draining && self->socket_.is_open())
      self->read_header();
    else
      self->lingering_close();
  });
}

size_t Connection::read_body(void* buf, size_t size, error_code& ec) {
  ec = {};
  auto& body = parser_->get().body();
  while (!parser_->is_done()) {
    body.data = buf;
    body.size = size;
    http::read_some(socket_, buffer_, *parser_, ec);
    clear_need_buffer(ec);
    size_t got = size - body.size;
    body.data = nullptr;
    body.size = 0;
    if (ec || got > 0) return got;
  }
  return 0;
}

bool Connection::body_ready() {
  if (!parser_ || parser_->is_done() || buffer_.size() > 0) return true;
  error_code ignored;
  return socket_.available(ignored) > 0;
}

void Connection::async_read_body(void* buf, size_t size, ReadDone done) {
  if (parser_->is_done()) {
    net::post(socket_.get_executor(), [done = std::move(done)] { done({}, 0); });
    return;
  }
  read_body_part(static_cast<char*>(buf), size, 0, std::move(done));
}

// One socket read of Beast's (64 KiB at most) into buf[got..size). While the caller's buffer has
// room and more bytes already wait in the socket, the read takes those too, as http.sys hands over
// everything it has buffered: one completion per 256 KiB instead of per 64 KiB on a fast upload.
// It never waits for bytes the client has not sent (only a chunk header split across packets can
// make one more socket read wait for its rest).
void Connection::read_body_part(char* buf, size_t size, size_t got, ReadDone done) {
  auto& body = parser_->get().body();
  body.data = buf + got;
  body.size = size - got;
  http::async_read_some(socket_, buffer_, *parser_,
                        [self = shared_from_this(), buf, size, got, done = std::move(done)](error_code ec, size_t) mutable {
                          clear_need_buffer(ec);
                          auto& b = self->parser_->get().body();
                          const size_t now = got + (size - got - b.size);
                          b.data = nullptr;
                          b.size = 0;
                          const bool more = !ec && now < size && !self->parser_->is_done();
                          // A read that only consumed chunk framing delivered nothing yet: go on.
                          if (more && now == 0) return self->read_body_part(buf, size, now, std::move(done));
                          error_code ignored;
                          if (more && self->socket_.available(ignored) > 0)
                            return self->read_body_part(buf, size, now, std::move(done));
                          done(ec, now);
                        });
}

bool Connection::can_write_now(uint64_t bytes) { return platform::socket_can_take(socket_.native_handle(), bytes); }

void Connection::abort_transport() {
  error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
}

bool Connection::peer_connected() { return platform::peer_connected(socket_.native_handle()); }

void Connection::refuse(unsigned status, const std::string& reason, const std::string& extra_headers) {
  ctx_.monitor.request_refused();
  state_ = State::closing;
  const std::string body = std::string("<html><body><h1>") + std::to_string(status) + " " + reason_phrase(status) +
                           "</h1><p>" + reason + "</p></body></html>\r\n";
  auto message = std::make_shared<std::string>();
  *message = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\nDate: " + http_date_now() +
             "\r\nServer: isapi-host\r\nContent-Type: text/html; charset=us-ascii\r\n" + extra_headers +
             "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  net::async_write(socket_, net::buffer(*message), [self = shared_from_this(), message](error_code, size_t) {
    self->lingering_close();
  });
}

void Connection::lingering_close() {
  state_ = State::closing;
  if (!socket_.is_open()) return;
  error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  arm_timer(kLingerMs);
  drain_until_closed();
}

void Connection::drain_until_closed() {
  socket_.async_read_some(net::buffer(drain_sink_), [self = shared_from_this()](error_code ec, size_t) {
    if (!ec) return self->drain_until_closed();
    self->timer_.cancel();
    error_code ignored;
    self->socket_.close(ignored);
  });
}

}  // namespace host

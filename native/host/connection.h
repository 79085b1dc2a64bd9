// One client connection: reads request headers (Boost.Beast), refuses bad input the way http.sys
// does, preloads the start of the body, and hands each request to a Session. Keep-alive and
// pipelining come from reusing the parser's buffer between requests.
//
// Threading: everything the connection does on its own runs on the one pool thread that owns it
// (its io_context, see server.h); other threads only post to it. While a session is
// active the connection does nothing on the socket; the session's I/O (from any thread, one
// operation at a time, which the session enforces) uses the body-read and socket accessors.
#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <array>
#include <functional>
#include <memory>
#include <optional>

#include "host/request_info.h"
#include "host/server_context.h"

namespace host {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, ServerContext& context);
  void start();
  // At shutdown: an idle connection (waiting for a request) is closed now; a busy one closes after
  // its current request.
  void close_if_idle();

  // ---- for the active session ----
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  bool body_complete() const { return parser_ && parser_->is_done(); }
  // Whether a body read could finish now, without waiting for the client: the body is complete or
  // bytes of it are already buffered or waiting in the socket.
  bool body_ready();
  // Blocking read of the next body bytes; 0 at the end of the body. Errors (client gone, bad chunk
  // framing) come back in ec.
  size_t read_body(void* buf, size_t size, boost::system::error_code& ec);
  using ReadDone = std::function<void(boost::system::error_code, size_t)>;
  // Async form: `done` runs on the connection's pool thread, never inside this call.
  void async_read_body(void* buf, size_t size, ReadDone done);
  // Shuts the socket down in both directions (HSE_REQ_CLOSE_CONNECTION); safe from any thread.
  void abort_transport();
  // Whether `bytes` more fit the socket's send buffer now, so a write of them cannot block.
  bool can_write_now(uint64_t bytes);
  // Whether the peer is still there (HSE_REQ_IS_CONNECTED): a peek, never a read.
  bool peer_connected();
  // The session is over; `reusable`: the response was complete and delimited.
  void session_finished(bool reusable);

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
  enum class State { reading_header, preloading, in_session, closing };

  void read_header();
  void on_header(boost::system::error_code ec);
  void preload();
  void on_preload_read(boost::system::error_code ec);
  void read_body_part(char* buf, size_t size, size_t got, ReadDone done);
  void start_session();
  void refuse(unsigned status, const std::string& reason, const std::string& extra_headers = "");
  void lingering_close();
  void drain_until_closed();
  void arm_timer(uint32_t ms);

  ServerContext& ctx_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  RequestInfo request_;
  uint64_t session_id_ = 0;  // of the request being read
  Endpoint remote_, local_;
  std::string preload_;     // the bytes IIS would hand over in lpbData (+ room for its NUL)
  size_t preload_target_ = 0;
  size_t preload_have_ = 0;
  std::array<char, 4096> drain_sink_;
  std::string interim_;     // "100 Continue" while it is being written
  State state_ = State::reading_header;
};

}  // namespace host

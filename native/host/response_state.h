// What the host knows of the response an extension is sending: whether the head went out, how the
// body is delimited, how many body bytes were sent, and so whether the connection can be kept.
// IIS parses the extension's header block the same way to decide keep-alive.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace host {

class ResponseState {
 public:
  ResponseState(bool head_request, bool client_keep_alive, unsigned http_version)
      : head_request_(head_request), keep_alive_(client_keep_alive), http_version_(http_version) {}

  bool head_sent() const { return head_sent_; }

  // The bytes of the status line and headers: the host's Date and Server, the extension's block
  // (with or without its closing blank line), and "Connection: close" when the connection cannot
  // be kept. `status` of "" means "200 OK". Marks the head as sent.
  std::string start(std::string_view status, std::string_view header_block, bool extension_keeps_conn);

  // How much of `n` body bytes may go on the wire: 0 for HEAD and bodiless statuses, and never past
  // a declared Content-Length (the rest would corrupt the next response on the connection).
  uint64_t admit_body(uint64_t n);
  // Watches the tail of a chunked body written by the extension for the terminating chunk.
  void observe_chunked(std::string_view bytes);

  void force_close() { keep_alive_ = false; }

  bool body_overflowed() const { return overflowed_; }
  unsigned status_code() const { return status_code_; }
  uint64_t body_bytes() const { return body_bytes_; }
  std::optional<uint64_t> declared_length() const { return content_length_; }
  bool chunked() const { return chunked_; }
  bool chunked_terminated() const;
  // The head promised more body than was sent: a Content-Length not reached, or a chunked body
  // without its last chunk.
  bool body_incomplete() const;
  // Whether the response, as sent so far, is complete and delimited so the connection can serve
  // another request.
  bool reusable() const;

 private:
  bool body_allowed() const;

  bool head_request_;
  bool keep_alive_;
  unsigned http_version_;
  bool head_sent_ = false;
  unsigned status_code_ = 0;
  std::optional<uint64_t> content_length_;
  bool chunked_ = false;
  bool overflowed_ = false;
  uint64_t body_bytes_ = 0;
  std::string chunk_tail_;  // last bytes of a chunked body, to spot "0\r\n\r\n"
};

// "Sun, 06 Nov 1994 08:49:37 GMT", recomputed at most once a second.
std::string http_date_now();

}  // namespace host

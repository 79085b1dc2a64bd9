// HTTP framing of a response from the JS side: the ISAPI layer owns it (both hosting models share
// it). The JS side gives a status and validated headers; this decides how the body is delimited so
// IIS can keep the connection: the app's Content-Length, a computed one for a one-send answer,
// chunked transfer coding for a streamed body, or (HTTP/1.0 has no chunked coding) the end of the
// connection.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "backend/backend.h"

namespace isapi_node {

struct Framing {
  std::string header_block;      // "Name: value\r\n"... "\r\n"
  bool chunked = false;          // we frame the body chunks
  bool close_delimited = false;  // the body ends with the connection: the final send disconnects
  bool body_allowed = true;      // false for HEAD, 1xx, 204 and 304: body bytes are dropped
};

// `one_shot_length`: the whole body's length when the first send is also the final one.
// `protocol`: the request's SERVER_PROTOCOL; an HTTP/1.0 client cannot read chunked coding.
Framing frame_head(const ResponseHead& head, const std::string& method, const std::string& protocol,
                   std::optional<uint64_t> one_shot_length);

// Why a head cannot go on the wire as it is (CR, LF or NUL would split or cut the header block),
// or empty when it can. The JS side refuses such heads first; this holds without it.
std::string unsafe_head(const ResponseHead& head);

// "1f\r\n" for a chunk of 31 bytes.
std::string chunk_prefix(uint64_t size);
inline constexpr const char kChunkSuffix[] = "\r\n";
inline constexpr const char kLastChunk[] = "0\r\n\r\n";

// Status code of "404 Not Found" (0 when unreadable).
unsigned status_code_of(const std::string& status);

}  // namespace isapi_node

// The reference extension's shared helpers and its routes. A plain C++ ISAPI extension with no
// Node: it exercises every part of the contract the host implements, and is the ceiling the
// benchmarks measure the real extension against.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "isapi/isapi.h"

namespace ref {

using Ecb = EXTENSION_CONTROL_BLOCK;

// A server variable, growing the buffer on ERROR_INSUFFICIENT_BUFFER; nullopt when the host says
// the variable does not exist.
std::optional<std::string> variable(Ecb* ecb, const char* name);
// A query parameter (no decoding: routes take plain values).
std::string query_param(Ecb* ecb, const std::string& name);
// The request path relative to the application (UTF-8), derived from APPL_MD_PATH as isapi-wsgi
// does; from the UNICODE_ forms when the ANSI ones may have lost characters.
std::string relative_path(Ecb* ecb);

bool send_head(Ecb* ecb, const std::string& status, const std::string& headers, bool keep_conn = true);
bool write_all(Ecb* ecb, const void* data, size_t size);
// Status, Content-Type and Content-Length, then the body, synchronously.
DWORD respond(Ecb* ecb, const std::string& status, const std::string& content_type, const std::string& body);
// Ends a PENDING request.
void done(Ecb* ecb, DWORD status = HSE_STATUS_SUCCESS);

// The byte at `offset` of the /stream response, known to the tests: a prime period catches
// chunks that are lost, repeated or misaligned.
inline uint8_t pattern_byte(uint64_t offset) { return static_cast<uint8_t>(offset % 251); }

// One synchronous VECTOR_SEND carrying status, headers and the whole body: the fastest answer.
DWORD send_whole(Ecb* ecb, const char* status, const char* content_type, const char* body, size_t size);

// routes.cc: synchronous routes
DWORD hello(Ecb* ecb);
DWORD plaintext(Ecb* ecb);
DWORD bytes(Ecb* ecb);
DWORD hello_vector(Ecb* ecb);
DWORD echo(Ecb* ecb);
DWORD vars(Ecb* ecb);
DWORD var(Ecb* ecb);
DWORD buffer_rules(Ecb* ecb);
DWORD map_url(Ecb* ecb);
DWORD support_misc(Ecb* ecb);
DWORD breach(Ecb* ecb);

// streaming.cc: asynchronous routes (all return HSE_STATUS_PENDING)
DWORD stream(Ecb* ecb);
DWORD echo_async(Ecb* ecb);
DWORD transmit(Ecb* ecb);
DWORD slow(Ecb* ecb);
DWORD where(Ecb* ecb);
DWORD read_end(Ecb* ecb);

}  // namespace ref

// What differs between Windows and POSIX for the test host, implemented by twins with the same
// file name in posix/ and win/. Files arrive from the extension as ISAPI HANDLEs (a real HANDLE on
// Windows, a descriptor carried in one elsewhere) and stay HANDLEs here.
#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "isapi/isapi.h"

namespace host::platform {

using Socket = boost::asio::ip::tcp::socket::native_handle_type;

// The command line as UTF-8 (Windows passes main() its ANSI code page, which loses most names).
std::vector<std::string> command_line(int argc, char** argv);

// `t` as UTC calendar time.
std::tm utc_time(std::time_t t);

// Names the calling thread for debuggers and `top -H` (best effort).
void name_this_thread(const std::string& name);

// A client that hangs up must surface as a failed write, never as a signal that ends the host.
void ignore_broken_pipes();

// Whether the socket's send buffer can take `bytes` more at once (false when it cannot tell).
bool socket_can_take(Socket socket, uint64_t bytes);

// False once the peer has closed its side; true while it is connected (or cannot be told).
bool peer_connected(Socket socket);

// Size of the regular file behind `file`, or -1 when it is not an open regular file.
int64_t regular_file_size(HANDLE file);

// Exactly `n` bytes at `offset` (eof when the file shrank under us).
boost::system::error_code read_file_at(HANDLE file, uint64_t offset, char* buf, size_t n);

// The extension library: loaded with its dependencies resolved now and its symbols kept to itself.
// Null with `error` set when it cannot be loaded.
void* load_extension(const std::string& path, std::string& error);
void* extension_symbol(void* library, const char* name);
void unload_extension(void* library);

}  // namespace host::platform

// What posix/channel.cc and posix/child_process.cc share (the Windows twins share win/pipe_support.h).
#pragma once
#include <errno.h>
#include <string.h>

#include <chrono>
#include <string>

namespace isapi_node::outofprocess::platform::posix_support {

inline std::string os_error(const char* what) { return std::string(what) + ": " + strerror(errno); }

// How often a wait that must also watch something else looks again.
constexpr auto kSlice = std::chrono::milliseconds(10);

}  // namespace isapi_node::outofprocess::platform::posix_support

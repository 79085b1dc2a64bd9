#include "extension/no_throw.h"

#include <atomic>
#include <cstdio>

#include "extension/trace.h"

namespace isapi_node {
namespace {
std::atomic<Trace*> g_exception_trace{nullptr};
}  // namespace

void set_exception_trace(Trace* trace) noexcept { g_exception_trace = trace; }

void report_exception(const char* where, const char* what) noexcept {
  try {
    const std::string text = std::string("a C++ exception reached ") + where + " and was stopped there: " + what;
    if (Trace* trace = g_exception_trace.load()) return trace->write("isapi-node", text);
    std::fprintf(stderr, "isapi-node: %s\n", text.c_str());
  } catch (...) {
    // Out of memory even for the message: the fixed text is all that can be said.
    std::fputs("isapi-node: a C++ exception was stopped at an entry point\n", stderr);
  }
}

}  // namespace isapi_node

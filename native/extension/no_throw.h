// No C++ exception may leave the extension: one that reached IIS (an entry point, an I/O
// completion) or a thread's top would terminate w3wp.exe, and every app in the pool with it.
// no_throw() runs a body and turns anything it throws into a trace record and a fallback value.
#pragma once
#include <exception>
#include <string>
#include <utility>

namespace isapi_node {

class Trace;

// Where escaped exceptions are written: the extension's trace channel once it exists, stderr
// before (and after) that. Writing never throws.
void set_exception_trace(Trace* trace) noexcept;
void report_exception(const char* where, const char* what) noexcept;

template <typename R, typename Body>
R no_throw(const char* where, R fallback, Body&& body) noexcept {
  try {
    return std::forward<Body>(body)();
  } catch (const std::exception& e) {
    report_exception(where, e.what());
  } catch (...) {
    report_exception(where, "an exception that is not a std::exception");
  }
  return fallback;
}

template <typename Body>
void no_throw(const char* where, Body&& body) noexcept {
  try {
    std::forward<Body>(body)();
  } catch (const std::exception& e) {
    report_exception(where, e.what());
  } catch (...) {
    report_exception(where, "an exception that is not a std::exception");
  }
}

}  // namespace isapi_node

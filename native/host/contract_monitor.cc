#include "host/contract_monitor.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

namespace host {

const char* violation_name(Violation v) {
  switch (v) {
    case Violation::done_twice: return "done_twice";
    case Violation::call_after_done: return "call_after_done";
    case Violation::done_during_call: return "done_during_call";
    case Violation::foreign_conn_id: return "foreign_conn_id";
    case Violation::concurrent_async: return "concurrent_async";
    case Violation::io_during_async: return "io_during_async";
    case Violation::done_with_io_pending: return "done_with_io_pending";
    case Violation::done_without_pending: return "done_without_pending";
    case Violation::async_without_pending: return "async_without_pending";
    case Violation::headers_sent_twice: return "headers_sent_twice";
    case Violation::body_beyond_content_length: return "body_beyond_content_length";
    case Violation::body_short_of_content_length: return "body_short_of_content_length";
    case Violation::chunked_body_unterminated: return "chunked_body_unterminated";
    case Violation::session_never_ended: return "session_never_ended";
    case Violation::bad_argument: return "bad_argument";
  }
  return "unknown";
}

void ContractMonitor::session_started() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++started_;
}

void ContractMonitor::session_done() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++done_;
}

void ContractMonitor::request_refused() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++refused_;
}

void ContractMonitor::record(Violation kind, uint64_t conn_id, std::string detail) {
  // Every breach is said at once on stderr: a test that fails on the count should show why.
  std::cerr << "isapi-host: contract violation [" << violation_name(kind) << "] conn " << conn_id << ": "
            << detail << std::endl;
  std::lock_guard<std::mutex> lock(mutex_);
  violations_.push_back({kind, conn_id, std::move(detail)});
}

void ContractMonitor::report_unhealthy(std::string reason) {
  std::cerr << "isapi-host: the extension reports itself unhealthy: " << reason << std::endl;
  std::lock_guard<std::mutex> lock(mutex_);
  unhealthy_.push_back(std::move(reason));
}

uint64_t ContractMonitor::active_sessions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return started_ - done_;
}

size_t ContractMonitor::violation_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return violations_.size();
}

bool ContractMonitor::write_stats(const std::string& path, uint64_t seed, const std::string& extension_description,
                                  bool extension_loaded, bool terminate_result) const {
  nlohmann::json doc;
  doc["seed"] = seed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    doc["sessions"] = {{"started", started_}, {"done", done_}, {"active", started_ - done_}};
    doc["refused"] = refused_;
    auto list = nlohmann::json::array();
    for (const auto& v : violations_)
      list.push_back({{"kind", violation_name(v.kind)}, {"conn", v.conn_id}, {"detail", v.detail}});
    doc["violations"] = std::move(list);
    doc["unhealthy"] = unhealthy_;
  }
  doc["extension"] = {{"loaded", extension_loaded},
                      {"description", extension_description},
                      {"terminated", terminate_result}};
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    // Replace invalid UTF-8 (details may quote extension bytes) rather than throw.
    out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace host

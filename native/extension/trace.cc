#include "extension/trace.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace isapi_node {

Trace::~Trace() {
  if (file_) std::fclose(file_);
}

bool Trace::open(const std::string& destination) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (destination.empty() || destination == "stderr") return true;
  file_ = std::fopen(destination.c_str(), "a");
  if (!file_) {
    std::fprintf(stderr, "isapi-node: cannot open the trace file '%s': %s; tracing to stderr\n", destination.c_str(),
                 std::strerror(errno));
    return false;
  }
  return true;
}

void Trace::write(const std::string& source, const std::string& text) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm;
  gmtime_r(&secs, &tm);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string record = std::string(stamp) + "." + (millis < 100 ? (millis < 10 ? "00" : "0") : "") +
                       std::to_string(millis) + "Z [" + source + "] " + text;
  if (record.empty() || record.back() != '\n') record.push_back('\n');
  std::lock_guard<std::mutex> lock(mutex_);
  FILE* out = file_ ? file_ : stderr;
  std::fwrite(record.data(), 1, record.size(), out);
  std::fflush(out);
}

}  // namespace isapi_node

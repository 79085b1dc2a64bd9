#include "extension/trace.h"

#include <cerrno>
#include <cstring>
#include <ctime>

namespace isapi_node {
namespace {

// Identical records closer together than this are folded into a count.
constexpr auto kFoldWindow = std::chrono::seconds(10);

std::string timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm;
  gmtime_r(&secs, &tm);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(millis));
  return std::string(stamp) + ms;
}

}  // namespace

Trace::~Trace() {
  std::lock_guard<std::mutex> lock(mutex_);
  flush_repeats_locked();
  if (file_) std::fclose(file_);
}

bool Trace::open(const std::string& destination, uint64_t max_bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  max_bytes_ = max_bytes;
  path_.clear();
  if (destination.empty() || destination == "stderr") return true;
  file_ = std::fopen(destination.c_str(), "a");
  if (!file_) {
    std::fprintf(stderr, "isapi-node: cannot open the trace file '%s': %s; tracing to stderr\n", destination.c_str(),
                 std::strerror(errno));
    return false;
  }
  path_ = destination;
  std::fseek(file_, 0, SEEK_END);
  const long size = std::ftell(file_);
  written_ = size > 0 ? static_cast<uint64_t>(size) : 0;
  return true;
}

void Trace::write(const std::string& source, const std::string& text) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  if (source == last_source_ && text == last_text_ && now - last_at_ < kFoldWindow) {
    ++repeats_;
    return;
  }
  flush_repeats_locked();
  emit_locked(source, text);
  last_source_ = source;
  last_text_ = text;
  last_at_ = now;
}

void Trace::flush_repeats_locked() {
  if (repeats_ == 0) return;
  const uint64_t n = repeats_;
  repeats_ = 0;
  emit_locked(last_source_, "… the record above came " + std::to_string(n) + " more time(s) within 10 s");
}

void Trace::emit_locked(const std::string& source, const std::string& text) {
  std::string record = timestamp() + " [" + source + "] " + text;
  if (record.back() != '\n') record.push_back('\n');
  if (file_ && max_bytes_ && written_ + record.size() > max_bytes_ && written_ > 0) rotate_locked();
  FILE* out = file_ ? file_ : stderr;
  std::fwrite(record.data(), 1, record.size(), out);
  std::fflush(out);
  written_ += record.size();
}

// The current file becomes FILE.1 (replacing an older one) and a fresh FILE takes its place: the
// trace never holds more than about twice `max_bytes`.
void Trace::rotate_locked() {
  std::fclose(file_);
  std::rename(path_.c_str(), (path_ + ".1").c_str());
  file_ = std::fopen(path_.c_str(), "a");
  written_ = 0;
  if (!file_) std::fprintf(stderr, "isapi-node: cannot reopen the trace file '%s'; tracing to stderr\n", path_.c_str());
}

}  // namespace isapi_node

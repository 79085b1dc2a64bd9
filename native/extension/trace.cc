#include "extension/trace.h"

#include <cstdio>
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
  const std::tm tm = platform::utc_time(secs);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(millis));
  return std::string(stamp) + ms;
}

}  // namespace

Trace::~Trace() {
  std::string last;
  std::shared_ptr<platform::AppendFile> file;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last = repeats_record_locked();
    file = file_;
  }
  emit(file, last);
}

bool Trace::open(const std::string& destination, uint64_t max_bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  max_bytes_ = max_bytes;
  path_.clear();
  file_ = platform::AppendFile::standard_error();
  written_ = 0;
  if (destination.empty() || destination == "stderr") return true;
  std::string error;
  auto file = platform::AppendFile::open(destination, error);
  if (!file) {
    emit(file_, "isapi-node: cannot open the trace file '" + destination + "': " + error + "; tracing to stderr\n");
    return false;
  }
  written_ = file->initial_size();
  file_ = std::move(file);
  path_ = destination;
  return true;
}

void Trace::write(const std::string& source, const std::string& text) {
  const auto now = std::chrono::steady_clock::now();
  std::string bytes;
  std::shared_ptr<platform::AppendFile> file;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (source == last_source_ && text == last_text_ && now - last_at_ < kFoldWindow) {
      ++repeats_;
      return;
    }
    bytes = repeats_record_locked();
    bytes += record_locked(source, text);
    file = file_;
    last_source_ = source;
    last_text_ = text;
    last_at_ = now;
  }
  emit(file, bytes);
}

std::string Trace::repeats_record_locked() {
  if (repeats_ == 0) return {};
  const uint64_t n = repeats_;
  repeats_ = 0;
  return record_locked(last_source_, "… the record above came " + std::to_string(n) + " more time(s) within 10 s");
}

std::string Trace::record_locked(const std::string& source, const std::string& text) {
  std::string record = timestamp() + " [" + source + "] " + text;
  if (record.back() != '\n') record.push_back('\n');
  if (!path_.empty() && max_bytes_ && written_ + record.size() > max_bytes_ && written_ > 0) rotate_locked();
  written_ += record.size();
  return record;
}

// Tracing must never fail a request: a record the OS refuses is lost.
void Trace::emit(const std::shared_ptr<platform::AppendFile>& file, const std::string& bytes) {
  if (!bytes.empty()) file->append(bytes);
}

// The current file becomes FILE.1 (replacing an older one) and a fresh FILE takes its place: the
// trace never holds more than about twice `max_bytes`. Records being written to the old file land
// in FILE.1.
void Trace::rotate_locked() {
  platform::replace_file(path_, path_ + ".1");
  std::string error;
  auto fresh = platform::AppendFile::open(path_, error);
  written_ = 0;
  if (fresh) {
    file_ = std::move(fresh);
    return;
  }
  file_ = platform::AppendFile::standard_error();
  path_.clear();
  emit(file_, "isapi-node: cannot reopen the trace file after rotating it: " + error + "; tracing to stderr\n");
}

}  // namespace isapi_node

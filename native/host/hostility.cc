#include "host/hostility.h"

#include <limits>

namespace host {
namespace {

uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

SeededRandom::SeededRandom(uint64_t seed, uint64_t session_id, Purpose purpose)
    : state_(mix(seed ^ mix(session_id * 0x100000001B3ull + static_cast<uint64_t>(purpose)))) {}

uint64_t SeededRandom::next() {
  state_ += 0x9E3779B97F4A7C15ull;
  return mix(state_ - 0x9E3779B97F4A7C15ull);
}

uint64_t SeededRandom::up_to(uint64_t max) {
  const uint64_t value = next();
  return max == std::numeric_limits<uint64_t>::max() ? value : value % (max + 1);
}

size_t preload_size(const HostilitySettings& settings, uint64_t session_id, size_t limit) {
  if (!settings.preload_random || limit == 0) return limit;
  SeededRandom random(settings.seed, session_id, SeededRandom::Purpose::preload);
  return static_cast<size_t>(random.up_to(limit));
}

SessionHostility::SessionHostility(const HostilitySettings& settings, uint64_t session_id)
    : settings_(settings),
      route_(settings.seed, session_id, SeededRandom::Purpose::completion_route),
      delay_(settings.seed, session_id, SeededRandom::Purpose::completion_delay),
      chunked_end_(settings.seed, session_id, SeededRandom::Purpose::chunked_end),
      jitter_(settings.seed, session_id, SeededRandom::Purpose::call_jitter) {}

CompletionRoute SessionHostility::pick_completion() {
  switch (settings_.completions) {
    case CompletionMode::own: return CompletionRoute::own;
    case CompletionMode::other: return CompletionRoute::other;
    case CompletionMode::delayed: return CompletionRoute::delayed;
    case CompletionMode::inline_call: return CompletionRoute::inline_call;
    case CompletionMode::mixed: break;
  }
  static constexpr CompletionRoute kRoutes[] = {CompletionRoute::own, CompletionRoute::other, CompletionRoute::delayed,
                                                CompletionRoute::inline_call};
  std::lock_guard<std::mutex> lock(mutex_);
  return kRoutes[route_.up_to(3)];
}

std::chrono::microseconds SessionHostility::completion_delay() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::chrono::microseconds(delay_.up_to(settings_.completion_delay_us));
}

bool SessionHostility::end_chunked_body_with_error() {
  switch (settings_.chunked_end) {
    case ChunkedEnd::zero: return false;
    case ChunkedEnd::error: return true;
    case ChunkedEnd::random: break;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return chunked_end_.up_to(1) == 1;
}

CallJitter SessionHostility::call_jitter() {
  // The common case costs no lock: most runs (benchmarks among them) take no sleeps at all.
  if (settings_.call_jitter_us == 0) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  if (jitter_.up_to(3) != 0) return {};
  CallJitter jitter;
  jitter.sleep = std::chrono::microseconds(jitter_.up_to(settings_.call_jitter_us));
  jitter.after = jitter_.up_to(1) == 1;
  return jitter;
}

}  // namespace host

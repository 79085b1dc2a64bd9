// The ways the host can behave as IIS may at its worst, so that extension bugs show up in tests
// instead of in production: HttpExtensionProc on a thread that does not own the connection,
// completions on other threads, late, or inline inside the call that started the operation,
// preloads of any size, the end of a chunked upload reported as an error, and short sleeps inside
// callbacks that widen race windows.
//
// Every choice comes from a generator seeded by --seed, the session id and what the choice is for,
// so a session's choices do not depend on how threads interleave (only the order in which
// concurrent calls draw from the same generator does) and a failing run can be replayed.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace host {

// Where HttpExtensionProc runs.
enum class ProcThread {
  own,   // the thread that owns the connection (its io_context shard)
  pool,  // a thread of the IIS pool, which owns no connection
};

// How the completion of one async operation reaches the extension.
enum class CompletionRoute {
  own,          // on the connection's thread, right after the I/O
  other,        // posted to the IIS pool: in parallel with the extension's other calls
  delayed,      // posted to the IIS pool after a random delay
  inline_call,  // the I/O done synchronously inside the call, the completion run before it returns
};

// --completions: one route for every completion, or a random route for each.
enum class CompletionMode { own, other, delayed, inline_call, mixed };

// How the end of a chunked upload is reported to ASYNC_READ_CLIENT.
enum class ChunkedEnd {
  zero,    // a completion of 0 bytes with error 0
  error,   // a completion of 0 bytes with ERROR_HANDLE_EOF
  random,  // either, chosen each time
};

struct HostilitySettings {
  uint64_t seed = 0;
  ProcThread proc_thread = ProcThread::own;
  unsigned iis_threads = 4;
  CompletionMode completions = CompletionMode::own;
  uint32_t completion_delay_us = 2000;  // the longest delay of a delayed completion
  bool preload_random = false;          // else the preload is pinned by --preload
  ChunkedEnd chunked_end = ChunkedEnd::zero;
  uint32_t call_jitter_us = 0;          // the longest sleep a callback may take; 0: none
};

// SplitMix64: small, fast and the same on every platform and standard library, which
// std::uniform_int_distribution does not promise; replaying a seed must give the same choices.
class SeededRandom {
 public:
  // What a generator is for: each purpose draws from a stream of its own, so (say) the number of
  // callback sleeps drawn so far never shifts the next completion's route.
  enum class Purpose : uint64_t { preload = 1, completion_route, completion_delay, chunked_end, call_jitter };

  SeededRandom(uint64_t seed, uint64_t session_id, Purpose purpose);
  uint64_t next();
  // Uniform in [0, max] (the modulo bias is far below what a test could notice).
  uint64_t up_to(uint64_t max);

 private:
  uint64_t state_;
};

// How many body bytes to preload for a request that allows up to `limit` (min(Content-Length,
// --preload)): all of them, or, with --preload random, any number from 0 to `limit`, as IIS does
// with any uploadReadAheadSize (0 included).
size_t preload_size(const HostilitySettings& settings, uint64_t session_id, size_t limit);

// A sleep a callback takes now: before its work (widening the window in which another thread may
// be inside a call too) or after it (keeping the caller inside the call while a completion runs
// elsewhere).
struct CallJitter {
  std::chrono::microseconds sleep{0};
  bool after = false;
};

// One session's choices. Thread-safe: callbacks draw from it on any thread.
class SessionHostility {
 public:
  SessionHostility(const HostilitySettings& settings, uint64_t session_id);

  const HostilitySettings& settings() const { return settings_; }
  CompletionRoute pick_completion();
  std::chrono::microseconds completion_delay();
  // True when the end of a chunked upload is to be reported as ERROR_HANDLE_EOF.
  bool end_chunked_body_with_error();
  // Most calls get no sleep (zero); one in four sleeps up to --call-jitter-us.
  CallJitter call_jitter();

 private:
  const HostilitySettings& settings_;
  std::mutex mutex_;  // guards the generators
  SeededRandom route_, delay_, chunked_end_, jitter_;
};

}  // namespace host

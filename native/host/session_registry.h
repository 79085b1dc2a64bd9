// ConnID → session. Extensions hand ConnIDs back on every callback; the host never trusts them as
// pointers, so a stale or made-up ConnID is caught and reported instead of dereferenced.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace host {

class Session;

class SessionRegistry {
 public:
  enum class Lookup { live, ended, foreign };

  // A fresh id, never reused during the process, never 0 (a NULL HCONN).
  uint64_t next_id();
  void add(uint64_t id, std::shared_ptr<Session> session);
  // Returns the session and whether the id is live, ended (handed out, session over) or foreign.
  std::shared_ptr<Session> find(uint64_t id, Lookup& how) const;
  // True when this call removed it (the session's end is reported once).
  bool remove(uint64_t id);
  std::vector<std::shared_ptr<Session>> live_sessions() const;
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  uint64_t last_id_ = 0;
  std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions_;
};

}  // namespace host

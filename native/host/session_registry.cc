#include "host/session_registry.h"

namespace host {

uint64_t SessionRegistry::next_id() {
  std::lock_guard<std::mutex> lock(mutex_);
  return ++last_id_;
}

void SessionRegistry::add(uint64_t id, std::shared_ptr<Session> session) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.emplace(id, std::move(session));
}

std::shared_ptr<Session> SessionRegistry::find(uint64_t id, Lookup& how) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) {
    how = Lookup::live;
    return it->second;
  }
  how = (id != 0 && id <= last_id_) ? Lookup::ended : Lookup::foreign;
  return nullptr;
}

bool SessionRegistry::remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.erase(id) > 0;
}

std::vector<std::shared_ptr<Session>> SessionRegistry::live_sessions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<Session>> out;
  out.reserve(sessions_.size());
  for (const auto& [id, s] : sessions_) out.push_back(s);
  return out;
}

size_t SessionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

}  // namespace host

#include "host/auth.h"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/string.hpp>
#include <fstream>
#include <stdexcept>

namespace host {

Authenticator Authenticator::windows_user(std::string user, std::string auth_type) {
  Authenticator a;
  a.mode_ = Mode::windows;
  a.user_ = std::move(user);
  a.auth_type_ = std::move(auth_type);
  return a;
}

Authenticator Authenticator::basic_from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the Basic users file '" + path + "'");
  Authenticator a;
  a.mode_ = Mode::basic;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0)
      throw std::runtime_error(path + ":" + std::to_string(number) + ": expected user:password");
    a.basic_users_[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return a;
}

bool Authenticator::authenticate(RequestInfo& request) const {
  request.auth = {};
  switch (mode_) {
    case Mode::anonymous:
      return true;
    case Mode::windows:
      request.auth = {auth_type_, user_, ""};
      return true;
    case Mode::basic: {
      auto header = request.header("Authorization");
      if (!header || header->size() < 6 || !boost::beast::iequals(header->substr(0, 6), "Basic ")) return false;
      std::string encoded = header->substr(6);
      std::string decoded(boost::beast::detail::base64::decoded_size(encoded.size()), '\0');
      auto result = boost::beast::detail::base64::decode(decoded.data(), encoded.data(), encoded.size());
      decoded.resize(result.first);
      size_t colon = decoded.find(':');
      if (colon == std::string::npos) return false;
      auto it = basic_users_.find(decoded.substr(0, colon));
      if (it == basic_users_.end() || it->second != decoded.substr(colon + 1)) return false;
      request.auth = {"Basic", it->first, it->second};
      return true;
    }
  }
  return false;
}

}  // namespace host

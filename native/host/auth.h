// How requests are authenticated before the extension sees them, standing in for IIS's
// authentication modules: anonymous, a fixed Windows-authenticated user, or Basic against a file.
#pragma once
#include <string>
#include <unordered_map>

#include "host/request_info.h"

namespace host {

class Authenticator {
 public:
  Authenticator() = default;  // anonymous
  static Authenticator windows_user(std::string user, std::string auth_type);
  // Reads "user:password" lines ('#' starts a comment). Throws std::runtime_error naming the file
  // and line when it cannot be read or a line is malformed.
  static Authenticator basic_from_file(const std::string& path);

  // Fills request.auth. False means the request is refused with 401 and challenge().
  bool authenticate(RequestInfo& request) const;
  std::string challenge() const { return "Basic realm=\"isapi-host\""; }

 private:
  enum class Mode { anonymous, windows, basic } mode_ = Mode::anonymous;
  std::string user_, auth_type_;
  std::unordered_map<std::string, std::string> basic_users_;
};

}  // namespace host

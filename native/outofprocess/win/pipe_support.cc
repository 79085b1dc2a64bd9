// The helpers win/channel.cc and win/child_process.cc share (pipe_support.h): error texts, events,
// and named pipes with a DACL for this process's own user. The POSIX twins share posix/support.h.
#include "outofprocess/win/pipe_support.h"

#include "common/hex.h"
#include "outofprocess/platform.h"

#include <vector>

#include "win/utf8.h"

namespace isapi_node::outofprocess::platform::win_support {

std::string os_error(const char* what, DWORD code) { return std::string(what) + ": " + win::error_text(code); }

Handle manual_reset_event() { return Handle(CreateEventW(nullptr, TRUE, FALSE, nullptr)); }

namespace {

// A security descriptor whose DACL lets only this process's user (the identity its workers run
// as: CreateProcessW gives them the process's token) open the object, never the world-accessible
// default. Built in place: the descriptor points into the object's own buffers.
class OwnUserOnly {
 public:
  OwnUserOnly() = default;
  OwnUserOnly(const OwnUserOnly&) = delete;
  OwnUserOnly& operator=(const OwnUserOnly&) = delete;
  ~OwnUserOnly() {
    if (owner_rights_) FreeSid(owner_rights_);
  }

  bool init(std::string& error) {
    // The process's token, not the thread's: a thread of IIS may be impersonating a client.
    HANDLE raw = nullptr;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &raw)) return error = os_error("OpenProcessToken"), false;
    Handle token(raw);
    DWORD size = 0;
    GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
    if (size == 0) return error = os_error("GetTokenInformation"), false;
    user_.resize(size);
    if (!GetTokenInformation(token.get(), TokenUser, user_.data(), size, &size)) return error = os_error("GetTokenInformation"), false;
    PSID user = reinterpret_cast<TOKEN_USER*>(user_.data())->User.Sid;
    // OWNER RIGHTS limits what the pipe's owner gets implicitly (READ_CONTROL and WRITE_DAC) to
    // reading the descriptor: a pipe created while the thread impersonated a client is owned by
    // that client, who must not be able to rewrite the DACL.
    SID_IDENTIFIER_AUTHORITY creator = SECURITY_CREATOR_SID_AUTHORITY;
    if (!AllocateAndInitializeSid(&creator, 1, SECURITY_CREATOR_OWNER_RIGHTS_RID, 0, 0, 0, 0, 0, 0, 0, &owner_rights_))
      return error = os_error("AllocateAndInitializeSid"), false;
    const DWORD acl_size = sizeof(ACL) + 2 * (sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD)) + GetLengthSid(user) +
                           GetLengthSid(owner_rights_);
    acl_.resize((acl_size + sizeof(DWORD) - 1) / sizeof(DWORD));
    ACL* acl = reinterpret_cast<ACL*>(acl_.data());
    if (!InitializeAcl(acl, static_cast<DWORD>(acl_.size() * sizeof(DWORD)), ACL_REVISION) ||
        !AddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, user) ||
        !AddAccessAllowedAce(acl, ACL_REVISION, READ_CONTROL, owner_rights_))
      return error = os_error("cannot build the DACL"), false;
    if (!InitializeSecurityDescriptor(&descriptor_, SECURITY_DESCRIPTOR_REVISION) ||
        !SetSecurityDescriptorDacl(&descriptor_, TRUE, acl, FALSE))
      return error = os_error("cannot build the security descriptor"), false;
    attributes_.nLength = sizeof attributes_;
    attributes_.lpSecurityDescriptor = &descriptor_;
    attributes_.bInheritHandle = FALSE;
    return true;
  }

  SECURITY_ATTRIBUTES* attributes() { return &attributes_; }

 private:
  std::vector<BYTE> user_;
  PSID owner_rights_ = nullptr;
  std::vector<DWORD> acl_;  // DWORDs: an ACL must be DWORD-aligned
  SECURITY_DESCRIPTOR descriptor_{};
  SECURITY_ATTRIBUTES attributes_{};
};

}  // namespace

Handle create_pipe(const std::string& prefix, DWORD direction, std::string& name, std::string& error) {
  const std::string random = random_bytes(16);
  if (random.size() != 16) return error = "the OS gave no random bytes for a pipe name", Handle();
  OwnUserOnly security;
  if (!security.init(error)) return Handle();
  name = "\\\\.\\pipe\\" + prefix + hex::encode(random);
  Handle pipe(CreateNamedPipeW(win::to_utf16(name).c_str(), direction | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
                               PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, kPipeBuffer,
                               kPipeBuffer, 0, security.attributes()));
  if (!pipe) {
    const DWORD code = GetLastError();
    error = os_error(("cannot create the pipe " + name).c_str(), code);
  }
  return pipe;
}

}  // namespace isapi_node::outofprocess::platform::win_support

#include "extension/platform.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>
#include <stdlib.h>

#include <cstdio>

namespace isapi_node::platform {

const char* const kInprocessLibrary = "isapi_node_inproc.so";

const char* const kLibnodeHint =
    "the in-process runtime needs the libnode it was built against: install Debian's libnode108 package, or name "
    "that libnode with \"libnode\" in the configuration or the ISAPI_NODE_LIBNODE environment variable; in a "
    "checkout, `npm run setup` unpacks it into deps/";

// The dynamic loader searches the system's folders (and the runtime's own RUNPATH): only it knows.
std::string missing_libnode(const std::string&) { return ""; }

bool failed_for_libnode(const std::string& loader_error) { return loader_error.find("libnode") != std::string::npos; }

std::string join_path(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

// The host (isapi-host, a service manager, a terminal) keeps the process's standard error.
std::string default_trace(const std::string&) { return "stderr"; }

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::tm utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string own_module_path() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void*>(&own_module_path), &info) || !info.dli_fname) return "";
  // dladdr reports the path as the host passed it to dlopen, maybe relative: make it absolute.
  char resolved[PATH_MAX];
  return realpath(info.dli_fname, resolved) ? std::string(resolved) : std::string(info.dli_fname);
}

void* load_library(const std::string& path, bool global, std::string& error) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
  if (!handle) {
    const char* why = dlerror();
    error = why ? why : "unknown loader error";
  }
  return handle;
}

void* find_symbol(void* library, const char* name, std::string& error) {
  void* symbol = dlsym(library, name);
  if (!symbol) {
    const char* why = dlerror();
    error = why ? why : std::string("no symbol ") + name;
  }
  return symbol;
}

// At least 3: with the Linux convention of a descriptor as the HANDLE, 0 would be a NULL handle.
FileCopy::FileCopy(intptr_t os_file) {
  if (os_file >= 0) handle_ = fcntl(static_cast<int>(os_file), F_DUPFD_CLOEXEC, 3);
}

FileCopy::~FileCopy() {
  if (valid()) close(static_cast<int>(handle_));
}

HANDLE FileCopy::handle() const { return ISAPI_FD_TO_HANDLE(static_cast<int>(handle_)); }

std::unique_ptr<AppendFile> AppendFile::open(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = strerror(errno);
    return nullptr;
  }
  struct stat st {};
  const uint64_t size = fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return std::unique_ptr<AppendFile>(new AppendFile(fd, true, size));
}

std::unique_ptr<AppendFile> AppendFile::standard_error() {
  return std::unique_ptr<AppendFile>(new AppendFile(STDERR_FILENO, false, 0));
}

AppendFile::~AppendFile() {
  if (owned_) ::close(static_cast<int>(handle_));
}

bool AppendFile::append(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(static_cast<int>(handle_), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool replace_file(const std::string& from, const std::string& to) { return std::rename(from.c_str(), to.c_str()) == 0; }

}  // namespace isapi_node::platform

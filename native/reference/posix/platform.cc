#include "reference/platform.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ref::platform {
namespace {

pthread_key_t slot_key;
pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;

pthread_key_t slot() {
  pthread_once(&slot_key_once, [] { pthread_key_create(&slot_key, nullptr); });
  return slot_key;
}

}  // namespace

void* thread_slot() { return pthread_getspecific(slot()); }
void set_thread_slot(void* value) { pthread_setspecific(slot(), value); }

std::string thread_name() {
  char name[32] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

OpenFile open_for_transmit(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    return {};
  }
  return {ISAPI_FD_TO_HANDLE(fd), static_cast<uint64_t>(st.st_size)};
}

void close_file(HANDLE file) { close(ISAPI_HANDLE_TO_FD(file)); }

}  // namespace ref::platform

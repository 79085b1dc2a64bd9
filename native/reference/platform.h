// What differs between Windows and POSIX for the reference extension, in twins with the same file
// name in posix/ and win/.
#pragma once
#include <cstdint>
#include <string>

#include "isapi/isapi.h"

namespace ref::platform {

// One pointer per thread (the innermost issue() frame). POSIX uses a pthread key, not
// thread_local: ThreadSanitizer crashes on the dynamic TLS of a dlopen'ed library.
void* thread_slot();
void set_thread_slot(void* value);

// The calling thread's name, as the host set it ("" when it has none).
std::string thread_name();

// A file opened for reading, as TRANSMIT_FILE takes it, and its size; `file` null when it
// cannot be opened.
struct OpenFile {
  HANDLE file = nullptr;
  uint64_t size = 0;
};
OpenFile open_for_transmit(const std::string& path);
void close_file(HANDLE file);

}  // namespace ref::platform

// What differs between Windows and POSIX for the extension, implemented by twins with the same
// file names in posix/ and (later) win/.
#pragma once
#include <string>

namespace isapi_node::platform {

// The full path of the loaded extension library (this code's own module).
std::string own_module_path();

// Loads a library and resolves one symbol. On failure returns null and sets `error` to the
// loader's message.
void* load_library(const std::string& path, bool global, std::string& error);
void* find_symbol(void* library, const char* name, std::string& error);

}  // namespace isapi_node::platform

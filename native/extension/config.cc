#include "extension/config.h"
#include "extension/platform.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iterator>
#include <stdexcept>

namespace isapi_node {
namespace {

using nlohmann::json;

// Sizes a configuration may ask for; beyond them it is almost certainly a typo.
constexpr unsigned kMaxWorkers = 64;
constexpr unsigned kMaxPoolThreads = 256;

bool is_absolute(const std::string& p) {
  return (!p.empty() && (p[0] == '/' || p[0] == '\\')) || (p.size() > 2 && p[1] == ':');
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || is_absolute(p) || base_dir.empty()) return p;
  return platform::join_path(base_dir, p);
}

// Every key a configuration may hold; anything else is a typo to report, not to ignore.
constexpr const char* kKnownKeys[] = {
    "app", "export", "hostingModel", "workers", "poolThreads", "trace",
    "validate", "shutdownTimeoutMs", "startTimeoutMs", "packageRoot", "libnode", "rapidFailCount",
    "rapidFailWindowMs", "maxPendingRequests", "requestTimeoutMs", "traceMaxBytes", "hangTimeoutMs",
    "maxRequestBodyBytes", "maxHeapMb", "processes", "nodePath", "devErrors", "serverVariables",
};

std::string known_keys_list() {
  std::string list;
  for (const char* key : kKnownKeys) list += (list.empty() ? "" : ", ") + std::string(key);
  return list;
}

// The file's JSON object, or the reason there is none (thrown as invalid_argument).
json read_document(const std::string& file) {
  // A UTF-8 path, opened as such on Windows too (a narrow name there is the ANSI code page).
  std::ifstream in(std::filesystem::u8path(file));
  if (!in)
    throw std::invalid_argument("cannot read the configuration file '" + file +
                                "': create it beside the extension (or point ISAPI_NODE_CONFIG at one) with at least "
                                "{\"app\": \"path/to/app.js\"}");
  json doc;
  try {
    doc = json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    throw std::invalid_argument("the configuration file '" + file + "' is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw std::invalid_argument("the configuration file '" + file + "' must hold a JSON object");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const bool known = std::any_of(std::begin(kKnownKeys), std::end(kKnownKeys), [&](const char* k) { return it.key() == k; });
    if (!known)
      throw std::invalid_argument("unknown key \"" + it.key() + "\" in '" + file + "' (known: " + known_keys_list() + ")");
  }
  return doc;
}

// Typed reads of optional keys; each failure names its key and what it must be.
class Fields {
 public:
  Fields(const json& doc, std::string base) : doc_(doc), base_(std::move(base)) {}

  void text(const char* key, std::string& out) const {
    if (doc_.contains(key)) out = string_of(key);
  }
  void path(const char* key, std::string& out) const {
    if (doc_.contains(key)) out = resolve(base_, string_of(key));
  }
  template <typename Number>
  void number(const char* key, Number& out, uint64_t min, uint64_t max) const {
    if (!doc_.contains(key)) return;
    const json& v = doc_[key];
    if (!v.is_number_unsigned() || v.get<uint64_t>() < min || v.get<uint64_t>() > max)
      throw std::invalid_argument(std::string("\"") + key + "\" must be a whole number from " + std::to_string(min) +
                                  " to " + std::to_string(max));
    out = static_cast<Number>(v.get<uint64_t>());
  }
  void texts(const char* key, std::vector<std::string>& out) const {
    if (!doc_.contains(key)) return;
    const json& v = doc_[key];
    const auto is_name = [](const json& e) { return e.is_string() && !e.get<std::string>().empty(); };
    if (!v.is_array() || !std::all_of(v.begin(), v.end(), is_name))
      throw std::invalid_argument(std::string("\"") + key + "\" must be a list of names, e.g. [\"HTTP_X_ORIGINAL_URL\"]");
    for (const json& e : v) out.push_back(e.get<std::string>());
  }
  void flag(const char* key, bool& out) const {
    if (!doc_.contains(key)) return;
    if (!doc_[key].is_boolean()) throw std::invalid_argument(std::string("\"") + key + "\" must be true or false");
    out = doc_[key].get<bool>();
  }

 private:
  std::string string_of(const char* key) const {
    if (!doc_[key].is_string()) throw std::invalid_argument(std::string("\"") + key + "\" must be a string");
    return doc_[key].get<std::string>();
  }
  const json& doc_;
  const std::string base_;
};

ExtensionConfig parse_config(const json& doc, const std::string& file) {
  const Fields fields(doc, directory_of(file));
  ExtensionConfig c;
  c.source = file;
  std::string app;
  fields.path("app", app);
  if (app.empty()) throw std::invalid_argument("\"app\" must name the app module (a .js/.mjs/.cjs file)");
  c.app = app;
  fields.text("export", c.app_export);
  fields.text("hostingModel", c.hosting_model);
  if (doc.contains("trace")) {
    fields.text("trace", c.trace);
    if (c.trace != "stderr") c.trace = resolve(directory_of(file), c.trace);
  } else {
    c.trace = platform::default_trace(file);  // stderr, or on Windows isapi_node.log beside this file
  }
  fields.path("packageRoot", c.package_root);
  fields.path("libnode", c.libnode);
  fields.number("workers", c.workers, 1, kMaxWorkers);
  fields.number("poolThreads", c.pool_threads, 1, kMaxPoolThreads);
  fields.number("shutdownTimeoutMs", c.shutdown_timeout_ms, 0, 3600000);
  fields.number("startTimeoutMs", c.start_timeout_ms, 100, 3600000);
  fields.number("rapidFailCount", c.rapid_fail_count, 1, 1000);
  fields.number("maxPendingRequests", c.max_pending_requests, 0, 10000000);
  fields.number("requestTimeoutMs", c.request_timeout_ms, 0, 86400000);
  fields.number("traceMaxBytes", c.trace_max_bytes, 0, 1ull << 40);
  fields.number("hangTimeoutMs", c.hang_timeout_ms, 0, 86400000);
  // Up to what Number.MAX_SAFE_INTEGER holds: the JavaScript side counts against it too.
  fields.number("maxRequestBodyBytes", c.max_request_body_bytes, 0, (1ull << 53) - 1);
  fields.number("maxHeapMb", c.max_heap_mb, 0, 1u << 20);
  fields.number("rapidFailWindowMs", c.rapid_fail_window_ms, 1000, 86400000);
  fields.flag("validate", c.validate);
  fields.number("processes", c.processes, 1, kMaxWorkers);
  fields.text("nodePath", c.node_path);
  // A relative nodePath with a folder in it is relative to the file, like every other path; a bare
  // name is looked up in PATH.
  if (c.node_path.find_first_of("/\\") != std::string::npos) c.node_path = resolve(directory_of(file), c.node_path);
  if (c.node_path.empty()) throw std::invalid_argument("\"nodePath\" must name the Node executable");
  fields.flag("devErrors", c.dev_errors);
  fields.texts("serverVariables", c.server_variables);
  if (c.hosting_model != "inprocess" && c.hosting_model != "outofprocess")
    throw std::invalid_argument("\"hostingModel\" must be \"inprocess\" or \"outofprocess\" (not \"" +
                                c.hosting_model + "\")");
  return c;
}

// Parent of a directory path, used to find the package from build/Release.
std::string parent_of(std::string dir) {
  while (dir.size() > 1 && (dir.back() == '/' || dir.back() == '\\')) dir.pop_back();
  return directory_of(dir);
}

}  // namespace

std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string stem_of(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

ConfigResult load_config(const std::string& module_path) {
  std::string file;
  if (const char* env = std::getenv("ISAPI_NODE_CONFIG"); env && *env) file = env;
  else file = resolve(directory_of(module_path), stem_of(module_path) + ".json");

  ConfigResult result;
  result.file = file;
  json doc;
  try {
    doc = read_document(file);
  } catch (const std::invalid_argument& e) {
    result.error = e.what();
    return result;
  }
  try {
    result.config = parse_config(doc, file);
  } catch (const std::exception& e) {
    result.error = "bad configuration in '" + file + "': " + e.what();
    return result;
  }
  // The environment names a libnode for every configuration of the process (a machine where
  // Debian's libnode package cannot be installed beside a newer Node).
  result.config->libnode_named_by = file;
  if (const char* env = std::getenv("ISAPI_NODE_LIBNODE"); env && *env) {
    result.config->libnode = env;
    result.config->libnode_named_by = "the ISAPI_NODE_LIBNODE environment variable";
  }
  // Built in the package's build/Release (or prebuilds/<platform>-<arch>): the package is two levels up.
  if (result.config->package_root.empty()) result.config->package_root = parent_of(parent_of(directory_of(module_path)));
  return result;
}

}  // namespace isapi_node

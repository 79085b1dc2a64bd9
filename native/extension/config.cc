#include "extension/config.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

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
  return base_dir + "/" + p;
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
  ConfigResult result;
  std::string file;
  if (const char* env = std::getenv("ISAPI_NODE_CONFIG"); env && *env) file = env;
  else file = resolve(directory_of(module_path), stem_of(module_path) + ".json");

  std::ifstream in(file);
  if (!in) {
    result.error = "cannot read the configuration file '" + file +
                   "': create it beside the extension (or point ISAPI_NODE_CONFIG at one) with at least "
                   "{\"app\": \"path/to/app.js\"}";
    return result;
  }
  json doc;
  try {
    doc = json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    result.error = "the configuration file '" + file + "' is not valid JSON: " + e.what();
    return result;
  }
  if (!doc.is_object()) {
    result.error = "the configuration file '" + file + "' must hold a JSON object";
    return result;
  }

  static const std::set<std::string> known = {"app", "export", "hostingModel", "workers", "poolThreads", "trace",
                                              "shutdownTimeoutMs", "startTimeoutMs", "packageRoot", "libnode",
                                              "validate"};
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (!known.count(it.key())) {
      result.error = "unknown key \"" + it.key() + "\" in '" + file + "' (known: app, export, hostingModel, workers, "
                     "poolThreads, trace, shutdownTimeoutMs, startTimeoutMs, packageRoot, libnode, validate)";
      return result;
    }
  }

  const std::string base = directory_of(file);
  ExtensionConfig c;
  c.source = file;
  std::string where;
  try {
    where = "app";
    if (!doc.contains("app") || !doc["app"].is_string() || doc["app"].get<std::string>().empty())
      throw std::invalid_argument("\"app\" must name the app module (a .js/.mjs/.cjs file)");
    c.app = resolve(base, doc["app"].get<std::string>());
    auto text = [&](const char* key, std::string& out, bool is_path) {
      where = key;
      if (!doc.contains(key)) return;
      if (!doc[key].is_string()) throw std::invalid_argument(std::string("\"") + key + "\" must be a string");
      out = is_path ? resolve(base, doc[key].get<std::string>()) : doc[key].get<std::string>();
    };
    auto number = [&](const char* key, auto& out, uint64_t min, uint64_t max) {
      where = key;
      if (!doc.contains(key)) return;
      if (!doc[key].is_number_unsigned() || doc[key].get<uint64_t>() < min || doc[key].get<uint64_t>() > max)
        throw std::invalid_argument(std::string("\"") + key + "\" must be a whole number from " + std::to_string(min) +
                                    " to " + std::to_string(max));
      out = static_cast<std::remove_reference_t<decltype(out)>>(doc[key].get<uint64_t>());
    };
    text("export", c.app_export, false);
    text("hostingModel", c.hosting_model, false);
    text("trace", c.trace, false);
    if (c.trace != "stderr") c.trace = resolve(base, c.trace);
    text("packageRoot", c.package_root, true);
    text("libnode", c.libnode, true);
    number("workers", c.workers, 1, kMaxWorkers);
    number("poolThreads", c.pool_threads, 1, kMaxPoolThreads);
    number("shutdownTimeoutMs", c.shutdown_timeout_ms, 0, 3600000);
    number("startTimeoutMs", c.start_timeout_ms, 100, 3600000);
    where = "validate";
    if (doc.contains("validate")) {
      if (!doc["validate"].is_boolean()) throw std::invalid_argument("\"validate\" must be true or false");
      c.validate = doc["validate"].get<bool>();
    }
    where = "hostingModel";
    if (c.hosting_model != "inprocess")
      throw std::invalid_argument("\"hostingModel\" must be \"inprocess\" (\"" + c.hosting_model +
                                  "\" is not available in this build)");
  } catch (const std::exception& e) {
    result.error = "bad configuration in '" + file + "': " + e.what();
    return result;
  }
  // Built in the package's build/Release: the package is two levels up.
  if (c.package_root.empty()) c.package_root = parent_of(parent_of(directory_of(module_path)));
  result.config = std::move(c);
  return result;
}

}  // namespace isapi_node

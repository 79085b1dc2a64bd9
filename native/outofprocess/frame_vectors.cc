// Checks the native frame codec against the shared vectors (test/vectors/frames.json; the worker's
// codec, lib/worker/frames.ts, reads the same file): every vector's bytes parse to its fields, and
// its fields build exactly its bytes. Run by test/outofprocess/frame-vectors.test.ts.
//
//   frame_vectors FILE   prints "N vectors" and exits 0, or names each mismatch and exits 1
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/hex.h"
#include "outofprocess/frame.h"

using isapi_node::outofprocess::FrameBuilder;
using isapi_node::outofprocess::FrameType;
using isapi_node::outofprocess::Pairs;
using isapi_node::outofprocess::PayloadReader;
using isapi_node::outofprocess::kHeaderBytes;
using isapi_node::outofprocess::kUnknownLength;
using nlohmann::json;
namespace flag = isapi_node::outofprocess::flag;

namespace {

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

enum class Kind { u32, length, str, pairs, rest_hex };
struct Field {
  const char* name;
  Kind kind;
};

// The payload's fields for a type and its flags, in order (docs/protocol.md's tables).
std::vector<Field> layout(FrameType type, uint8_t flags) {
  switch (type) {
    case FrameType::welcome: return {{"version", Kind::u32}, {"configuration", Kind::str}};
    case FrameType::request:
      return {{"bodyLength", Kind::length}, {"method", Kind::str},  {"path", Kind::str},
              {"query", Kind::str},         {"rawUrl", Kind::str},  {"headers", Kind::pairs},
              {"serverVariables", Kind::pairs}, {"preload", Kind::rest_hex}};
    case FrameType::body: return flags & flag::failed ? std::vector<Field>{} : std::vector<Field>{{"data", Kind::rest_hex}};
    case FrameType::sent: return {{"bytes", Kind::u32}};
    case FrameType::hello:
      return {{"version", Kind::u32}, {"pid", Kind::u32}, {"nodeVersion", Kind::str}, {"secret", Kind::rest_hex}};
    case FrameType::ready:
      return flags & flag::failed ? std::vector<Field>{{"kind", Kind::str}, {"message", Kind::str}} : std::vector<Field>{};
    case FrameType::trace: return {{"source", Kind::str}, {"text", Kind::str}};
    case FrameType::send:
      if (flags & flag::head) return {{"status", Kind::str}, {"headers", Kind::pairs}, {"chunk", Kind::rest_hex}};
      return {{"chunk", Kind::rest_hex}};
    case FrameType::read: return {{"max", Kind::u32}};
    case FrameType::abort: return {{"reason", Kind::str}};
    case FrameType::gone:
    case FrameType::heartbeat: return {};
  }
  return {};
}

Pairs pairs_of(const json& list) {
  Pairs out;
  for (const auto& p : list) out.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
  return out;
}

json json_of(const Pairs& pairs) {
  json out = json::array();
  for (const auto& [n, v] : pairs) out.push_back(json::array({n, v}));
  return out;
}

// Parses `bytes` into the vector's field names; throws ProtocolError.
json decode(const std::string& bytes) {
  const auto header = isapi_node::outofprocess::parse_header(bytes.data());
  if (header.length != bytes.size() - kHeaderBytes) throw std::runtime_error("length field disagrees with the bytes");
  const char* name = isapi_node::outofprocess::type_name(header.type);
  PayloadReader in(bytes.data() + kHeaderBytes, header.length, name);
  json fields = json::object();
  for (const Field& f : layout(static_cast<FrameType>(header.type), header.flags)) {
    switch (f.kind) {
      case Kind::u32: fields[f.name] = in.u32(); break;
      case Kind::length: {
        const uint64_t v = in.u64();
        fields[f.name] = v == kUnknownLength ? json(-1) : json(v);
        break;
      }
      case Kind::str: fields[f.name] = in.str(); break;
      case Kind::pairs: fields[f.name] = json_of(in.pairs()); break;
      case Kind::rest_hex: fields[f.name] = hex::encode(in.rest()); break;
    }
  }
  in.end();
  return json{{"type", header.type}, {"flags", header.flags}, {"id", header.id}, {"fields", fields}};
}

std::string encode(const json& v) {
  const auto type = static_cast<FrameType>(v.at("type").get<int>());
  const auto flags = v.at("flags").get<uint8_t>();
  std::string out;
  FrameBuilder b(out, type, flags, v.at("id").get<uint64_t>());
  const json& fields = v.at("fields");
  for (const Field& f : layout(type, flags)) {
    const json& value = fields.at(f.name);
    switch (f.kind) {
      case Kind::u32: b.u32(value.get<uint32_t>()); break;
      case Kind::length: b.u64(value.get<int64_t>() < 0 ? kUnknownLength : value.get<uint64_t>()); break;
      case Kind::str: b.str(value.get<std::string>()); break;
      case Kind::pairs: b.pairs(pairs_of(value)); break;
      case Kind::rest_hex: b.rest(unhex(value.get<std::string>())); break;
    }
  }
  b.finish();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: frame_vectors FILE\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  const json vectors = json::parse(in);
  int failures = 0;
  for (const json& v : vectors) {
    const std::string name = v.at("name").get<std::string>();
    try {
      const std::string bytes = unhex(v.at("hex").get<std::string>());
      json decoded = decode(bytes);
      json expected{{"type", v.at("type")}, {"flags", v.at("flags")}, {"id", v.at("id")}, {"fields", v.at("fields")}};
      // Bytes fields are compared as hex, in the vectors' lowercase.
      if (decoded != expected) {
        std::printf("%s: decoded %s, expected %s\n", name.c_str(), decoded.dump().c_str(), expected.dump().c_str());
        ++failures;
      }
      const std::string built = encode(v);
      if (built != bytes) {
        std::printf("%s: built %s\n", name.c_str(), hex::encode(built).c_str());
        ++failures;
      }
    } catch (const std::exception& e) {
      std::printf("%s: %s\n", name.c_str(), e.what());
      ++failures;
    }
  }
  if (failures) return 1;
  std::printf("%zu vectors\n", vectors.size());
  return 0;
}

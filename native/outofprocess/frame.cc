#include "outofprocess/frame.h"

#include <cstring>

namespace isapi_node::outofprocess {
namespace {

uint32_t load_u32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
}

void store_u32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

void append_u32(std::string& out, uint32_t v) {
  char b[4];
  store_u32(b, v);
  out.append(b, 4);
}

}  // namespace

uint8_t allowed_flags(uint8_t type) {
  switch (static_cast<FrameType>(type)) {
    case FrameType::body:
    case FrameType::sent:
    case FrameType::ready:
      return flag::failed;
    case FrameType::send:
      return flag::head | flag::final;
    case FrameType::welcome:
    case FrameType::request:
    case FrameType::gone:
    case FrameType::hello:
    case FrameType::heartbeat:
    case FrameType::trace:
    case FrameType::read:
    case FrameType::abort:
      return 0;
  }
  return 0;
}

const char* type_name(uint8_t type) {
  switch (static_cast<FrameType>(type)) {
    case FrameType::welcome: return "WELCOME";
    case FrameType::request: return "REQUEST";
    case FrameType::body: return "BODY";
    case FrameType::sent: return "SENT";
    case FrameType::gone: return "GONE";
    case FrameType::hello: return "HELLO";
    case FrameType::ready: return "READY";
    case FrameType::heartbeat: return "HEARTBEAT";
    case FrameType::trace: return "TRACE";
    case FrameType::send: return "SEND";
    case FrameType::read: return "READ";
    case FrameType::abort: return "ABORT";
  }
  return nullptr;
}

FrameHeader parse_header(const char* bytes) {
  FrameHeader h;
  h.length = load_u32(bytes);
  h.type = static_cast<uint8_t>(bytes[4]);
  h.flags = static_cast<uint8_t>(bytes[5]);
  h.id = uint64_t(load_u32(bytes + 8)) | uint64_t(load_u32(bytes + 12)) << 32;
  if (h.length > kMaxPayload)
    throw ProtocolError("a frame of " + std::to_string(h.length) + " bytes (the limit is " +
                        std::to_string(kMaxPayload) + ")");
  if (bytes[6] != 0 || bytes[7] != 0) throw ProtocolError("a frame header with its reserved bytes set");
  if (!type_name(h.type)) throw ProtocolError("a frame of unknown type " + std::to_string(h.type));
  if (h.flags & ~allowed_flags(h.type))
    throw ProtocolError(std::string("a ") + type_name(h.type) + " frame with flags " + std::to_string(h.flags));
  return h;
}

FrameBuilder::FrameBuilder(std::string& out, FrameType type, uint8_t flags, uint64_t id) : out_(out), start_(out.size()) {
  char h[kHeaderBytes] = {};
  h[4] = static_cast<char>(type);
  h[5] = static_cast<char>(flags);
  store_u32(h + 8, static_cast<uint32_t>(id));
  store_u32(h + 12, static_cast<uint32_t>(id >> 32));
  out_.append(h, kHeaderBytes);
}

FrameBuilder& FrameBuilder::u32(uint32_t v) {
  append_u32(out_, v);
  return *this;
}

FrameBuilder& FrameBuilder::u64(uint64_t v) {
  append_u32(out_, static_cast<uint32_t>(v));
  append_u32(out_, static_cast<uint32_t>(v >> 32));
  return *this;
}

FrameBuilder& FrameBuilder::str(std::string_view s) {
  append_u32(out_, static_cast<uint32_t>(s.size()));
  out_.append(s);
  return *this;
}

FrameBuilder& FrameBuilder::pairs(const Pairs& list) {
  append_u32(out_, static_cast<uint32_t>(list.size()));
  for (const auto& [name, value] : list) str(name).str(value);
  return *this;
}

FrameBuilder& FrameBuilder::rest(std::string_view bytes) {
  out_.append(bytes);
  return *this;
}

void FrameBuilder::finish() { store_u32(&out_[start_], static_cast<uint32_t>(out_.size() - start_ - kHeaderBytes)); }

void PayloadReader::need(size_t n) const {
  if (static_cast<size_t>(end_ - p_) < n) throw ProtocolError(std::string("a ") + frame_ + " frame cut short");
}

uint32_t PayloadReader::u32() {
  need(4);
  const uint32_t v = load_u32(p_);
  p_ += 4;
  return v;
}

uint64_t PayloadReader::u64() {
  const uint64_t lo = u32();
  return lo | uint64_t(u32()) << 32;
}

std::string PayloadReader::str() {
  const uint32_t n = u32();
  need(n);
  std::string s(p_, n);
  p_ += n;
  return s;
}

Pairs PayloadReader::pairs() {
  const uint32_t n = u32();
  // Each pair takes at least 8 bytes: a count larger than that is a lie, not a reason to allocate.
  need(size_t(n) * 8);
  Pairs list;
  list.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string name = str();
    list.emplace_back(std::move(name), str());
  }
  return list;
}

std::string PayloadReader::rest() {
  std::string s(p_, end_);
  p_ = end_;
  return s;
}

void PayloadReader::end() const {
  if (p_ != end_) throw ProtocolError(std::string("a ") + frame_ + " frame with bytes left over");
}

std::optional<FrameSplitter::Frame> FrameSplitter::next() {
  if (buffer_.size() - offset_ < kHeaderBytes) {
    if (offset_ != 0) {
      buffer_.erase(0, offset_);
      offset_ = 0;
    }
    return std::nullopt;
  }
  const FrameHeader header = parse_header(buffer_.data() + offset_);
  if (buffer_.size() - offset_ - kHeaderBytes < header.length) {
    buffer_.erase(0, offset_);
    offset_ = 0;
    return std::nullopt;
  }
  Frame frame{header, buffer_.substr(offset_ + kHeaderBytes, header.length)};
  offset_ += kHeaderBytes + header.length;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return frame;
}

}  // namespace isapi_node::outofprocess

// The out-of-process protocol's frames (docs/protocol.md is the one definition; lib/worker/frames.ts
// is the worker's side; both are tested against test/vectors/frames.json). A frame is a 16-byte
// header (u32 length, u8 type, u8 flags, u16 reserved, u64 request id, little-endian) and a payload
// built from u32/u64 integers, length-prefixed strings, name/value pairs and a trailing chunk.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace isapi_node::outofprocess {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr size_t kHeaderBytes = 16;
inline constexpr uint32_t kMaxPayload = 16u << 20;
inline constexpr size_t kSecretBytes = 32;
// The most a READ may ask for, and the largest chunk a SEND carries.
inline constexpr uint32_t kMaxChunk = 1u << 20;
// The unconfirmed response bytes a request may have in flight (lib/runtime/send-window.ts), and
// how far past it a worker may run before it is breaking the protocol.
inline constexpr uint64_t kSendWindow = 256u << 10;
inline constexpr uint64_t kSendOverrun = 4u << 20;
inline constexpr uint64_t kUnknownLength = ~0ull;
// A worker's exit code before it connects when its Node is older than the package supports.
inline constexpr int kNodeTooOldExit = 3;

enum class FrameType : uint8_t {
  // extension → worker
  welcome = 0x01,
  request = 0x02,
  body = 0x03,
  sent = 0x04,
  gone = 0x05,
  // worker → extension
  hello = 0x41,
  ready = 0x42,
  heartbeat = 0x43,
  trace = 0x44,
  send = 0x45,
  read = 0x46,
  abort = 0x47,
};

namespace flag {
inline constexpr uint8_t failed = 1;  // BODY, SENT, READY
inline constexpr uint8_t head = 1;    // SEND
inline constexpr uint8_t final = 2;   // SEND
}  // namespace flag

// Which flags each type allows; anything else is a bad frame. Unknown types allow nothing.
uint8_t allowed_flags(uint8_t type);
const char* type_name(uint8_t type);

struct FrameHeader {
  uint32_t length = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
  uint64_t id = 0;
};

// A frame that breaks the protocol: the message says how, for the trace.
struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses and checks a header (throws ProtocolError: length, reserved bits, type, flags).
FrameHeader parse_header(const char* bytes);

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Builds one frame in place: the header first (its length filled by finish()), then the fields.
class FrameBuilder {
 public:
  FrameBuilder(std::string& out, FrameType type, uint8_t flags, uint64_t id);
  FrameBuilder& u32(uint32_t v);
  FrameBuilder& u64(uint64_t v);
  FrameBuilder& str(std::string_view s);
  FrameBuilder& pairs(const Pairs& list);
  FrameBuilder& rest(std::string_view bytes);
  // Writes the payload length into the header.
  void finish();

 private:
  std::string& out_;
  size_t start_;
};

// Reads a payload's fields in order; any read past the end throws ProtocolError.
class PayloadReader {
 public:
  PayloadReader(const char* data, size_t size, const char* frame) : p_(data), end_(data + size), frame_(frame) {}
  uint32_t u32();
  uint64_t u64();
  std::string str();
  Pairs pairs();
  std::string rest();
  // Throws unless every byte was read.
  void end() const;

 private:
  void need(size_t n) const;
  const char* p_;
  const char* end_;
  const char* frame_;
};

// Cuts a byte stream into whole frames: feed() what arrived, then take next() until it is empty.
class FrameSplitter {
 public:
  struct Frame {
    FrameHeader header;
    std::string payload;
  };
  void feed(const char* data, size_t size) { buffer_.append(data, size); }
  // Throws ProtocolError for a bad header.
  std::optional<Frame> next();

 private:
  std::string buffer_;
  size_t offset_ = 0;
};

}  // namespace isapi_node::outofprocess

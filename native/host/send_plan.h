// The bytes one write operation puts on the wire, in order: the host-built head (status line and
// headers), then memory ranges and file ranges of the extension's. WriteClient, VECTOR_SEND and
// TRANSMIT_FILE all become a SendPlan, written synchronously on the caller's thread or
// asynchronously with one completion at the end.
#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "isapi/isapi.h"

namespace host {

class SendPlan {
 public:
  // The head is copied: it is built by the host and must outlive an async write.
  void set_head(std::string head) { head_ = std::move(head); }
  // Memory stays owned by the extension: for an async send it must stay valid until the
  // completion, which is the ISAPI rule.
  void add_memory(const void* data, size_t size);
  // `fd` is borrowed; `size` bytes from `offset` (the caller checked the range against the file).
  void add_file(HANDLE file, uint64_t offset, uint64_t size);

  // Bytes of the extension's own (head excluded): what a completion reports in cbIO.
  uint64_t extension_bytes() const { return extension_bytes_; }
  bool empty() const { return head_.empty() && segments_.empty(); }
  // Every byte the plan puts on the wire, head included.
  uint64_t wire_bytes() const { return head_.size() + extension_bytes_; }

  // Blocks until everything is written or the connection fails.
  boost::system::error_code write_sync(boost::asio::ip::tcp::socket& socket) const;

  using Completion = std::function<void(boost::system::error_code, uint64_t extension_bytes_sent)>;
  // Writes without blocking; `done` runs once, on a pool thread, never inside this call.
  static void write_async(std::shared_ptr<SendPlan> plan, boost::asio::ip::tcp::socket& socket, Completion done);

 private:
  struct Segment {
    const char* data;  // memory segment, or nullptr for a file segment
    HANDLE file;
    uint64_t offset;
    uint64_t size;
  };
  struct AsyncWrite;

  std::string head_;
  std::vector<Segment> segments_;
  uint64_t extension_bytes_ = 0;
};

}  // namespace host

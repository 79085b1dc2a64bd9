#include "host/send_plan.h"

#include "host/platform.h"

#include <boost/asio/write.hpp>
#include <cerrno>

namespace host {
namespace net = boost::asio;
using boost::system::error_code;

namespace {

// File data moves through a bounded buffer: large enough to amortise the system calls, small
// enough that many concurrent file sends stay cheap.
constexpr size_t kFileChunkBytes = 256 * 1024;


}  // namespace

void SendPlan::add_memory(const void* data, size_t size) {
  if (size == 0) return;
  segments_.push_back({static_cast<const char*>(data), nullptr, 0, size});
  extension_bytes_ += size;
}

void SendPlan::add_file(HANDLE file, uint64_t offset, uint64_t size) {
  if (size == 0) return;
  segments_.push_back({nullptr, file, offset, size});
  extension_bytes_ += size;
}

error_code SendPlan::write_sync(net::ip::tcp::socket& socket) const {
  error_code ec;
  std::vector<net::const_buffer> gather;
  if (!head_.empty()) gather.emplace_back(head_.data(), head_.size());
  std::unique_ptr<char[]> chunk;
  for (const auto& seg : segments_) {
    if (seg.data) {
      gather.emplace_back(seg.data, seg.size);
      continue;
    }
    // Flush what is gathered, then stream the file range through the chunk buffer.
    if (!gather.empty()) {
      net::write(socket, gather, ec);
      if (ec) return ec;
      gather.clear();
    }
    if (!chunk) chunk.reset(new char[kFileChunkBytes]);
    for (uint64_t done = 0; done < seg.size;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kFileChunkBytes, seg.size - done));
      if ((ec = platform::read_file_at(seg.file, seg.offset + done, chunk.get(), n))) return ec;
      net::write(socket, net::buffer(chunk.get(), n), ec);
      if (ec) return ec;
      done += n;
    }
  }
  if (!gather.empty()) net::write(socket, gather, ec);
  return ec;
}

// One async send in flight: walks the segments, gathering runs of memory into one write and
// reading file ranges chunk by chunk. Keeps the plan alive until the completion.
struct SendPlan::AsyncWrite : std::enable_shared_from_this<SendPlan::AsyncWrite> {
  std::shared_ptr<SendPlan> plan;
  net::ip::tcp::socket& socket;
  Completion done;
  size_t next_segment = 0;
  uint64_t file_done = 0;  // progress inside the current file segment
  bool head_written = false;
  uint64_t sent = 0;       // extension bytes
  std::unique_ptr<char[]> chunk;
  std::vector<net::const_buffer> gather;

  AsyncWrite(std::shared_ptr<SendPlan> p, net::ip::tcp::socket& s, Completion d)
      : plan(std::move(p)), socket(s), done(std::move(d)) {}

  // step() runs on the connection's pool thread only: posted by write_async, then from write
  // handlers. So `done` never runs inside the extension's initiating call.

  void step() {
    gather.clear();
    uint64_t batch_extension_bytes = 0;
    if (!head_written) {
      head_written = true;
      if (!plan->head_.empty()) gather.emplace_back(plan->head_.data(), plan->head_.size());
    }
    while (next_segment < plan->segments_.size() && plan->segments_[next_segment].data) {
      const auto& seg = plan->segments_[next_segment++];
      gather.emplace_back(seg.data, seg.size);
      batch_extension_bytes += seg.size;
    }
    if (gather.empty() && next_segment < plan->segments_.size()) {
      const auto& seg = plan->segments_[next_segment];
      if (!chunk) chunk.reset(new char[kFileChunkBytes]);
      size_t n = static_cast<size_t>(std::min<uint64_t>(kFileChunkBytes, seg.size - file_done));
      if (error_code ec = platform::read_file_at(seg.file, seg.offset + file_done, chunk.get(), n)) return finish(ec);
      gather.emplace_back(chunk.get(), n);
      batch_extension_bytes = n;
      file_done += n;
      if (file_done == seg.size) {
        file_done = 0;
        ++next_segment;
      }
    }
    if (gather.empty()) return finish({});
    net::async_write(socket, gather,
                     [self = shared_from_this(), batch_extension_bytes](error_code ec, size_t) {
                       if (ec) return self->finish(ec);
                       self->sent += batch_extension_bytes;
                       self->step();
                     });
  }

  void finish(error_code ec) { done(ec, sent); }
};

void SendPlan::write_async(std::shared_ptr<SendPlan> plan, net::ip::tcp::socket& socket, Completion done) {
  // The write starts on the thread that owns the connection, as IIS hands an async send to
  // http.sys: the extension's thread (for isapi-node, the JavaScript thread) only queues it, and
  // the first write, its completion and the next request all happen on the connection's thread.
  auto write = std::make_shared<AsyncWrite>(std::move(plan), socket, std::move(done));
  net::post(socket.get_executor(), [write] { write->step(); });
}

}  // namespace host

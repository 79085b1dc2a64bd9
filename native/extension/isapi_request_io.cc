// Turning one queued operation into the IIS call that performs it: the response head framed once
// (response_framing), chunk markers around streamed bodies, TRANSMIT_FILE or a file element for
// files, ASYNC_READ_CLIENT for the body, the failure page or a closed connection for an abort.
// The rules for when an operation may be issued live in isapi_request.cc (pump).
#include "extension/failure_page.h"
#include "extension/isapi_request.h"

namespace isapi_node {
namespace {

// TRANSMIT_FILE carries 32-bit offsets and sizes; larger ranges go through VECTOR_SEND.
constexpr uint64_t kTransmitFileLimit = 0xFFFFFFFFull;

void add_memory(std::vector<HSE_VECTOR_ELEMENT>& elements, const std::string& bytes) {
  if (bytes.empty()) return;  // IIS refuses a memory element of size 0
  HSE_VECTOR_ELEMENT e{};
  e.ElementType = HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER;
  e.pvContext = const_cast<char*>(bytes.data());
  e.cbSize = bytes.size();
  elements.push_back(e);
}

}  // namespace

IsapiRequest::Issued IsapiRequest::issue(Op& op) {
  switch (op.kind) {
    case Op::Kind::send: return issue_send(op);
    case Op::Kind::send_file: return issue_send_file(op);
    case Op::Kind::read: return issue_read(op);
    case Op::Kind::abort: return issue_abort(op);
  }
  return Issued::failed;
}

bool IsapiRequest::prepare_head(Op& op, std::optional<uint64_t> one_shot_length) {
  const std::string why = unsafe_head(*op.head);
  if (!why.empty()) {
    host_.trace("isapi-node", "request " + std::to_string(record_.id) + ": the response head was refused (" + why +
                                  "); a 500 page goes instead");
    op.kind = Op::Kind::abort;
    op.status = 500;
    op.refused = true;
    return false;
  }
  const auto& protocol = record_.vars[record_variable_index("SERVER_PROTOCOL")];
  framing_ = frame_head(*op.head, record_.method, protocol ? *protocol : std::string(),
                        one_shot_length);
  op.status_line = op.head->status;
  op.header_block = framing_.header_block;
  head_sent_ = true;
  return true;
}

IsapiRequest::Issued IsapiRequest::issue_vector(Op& op, bool with_head) {
  if (!with_head && op.elements.empty() && !(op.final && framing_.close_delimited)) return Issued::done_ok;
  op.vector = HSE_RESPONSE_VECTOR{};
  op.vector.dwFlags = HSE_IO_ASYNC | (with_head ? HSE_IO_SEND_HEADERS : 0) | (op.final ? HSE_IO_FINAL_SEND : 0) |
                      (op.final && framing_.close_delimited ? HSE_IO_DISCONNECT_AFTER_SEND : 0);
  op.vector.pszStatus = with_head ? const_cast<char*>(op.status_line.c_str()) : nullptr;
  op.vector.pszHeaders = with_head ? const_cast<char*>(op.header_block.c_str()) : nullptr;
  op.vector.nElementCount = static_cast<DWORD>(op.elements.size());
  op.vector.lpElementArray = op.elements.empty() ? nullptr : op.elements.data();
  return ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_VECTOR_SEND, &op.vector, nullptr, nullptr) ? Issued::started
                                                                                                       : Issued::failed;
}

IsapiRequest::Issued IsapiRequest::issue_send(Op& op) {
  const bool with_head = op.head.has_value();
  if (with_head == head_sent_) return Issued::failed;  // the head goes exactly once, first
  if (with_head && !prepare_head(op, op.final ? std::optional<uint64_t>(op.chunk.size()) : std::nullopt))
    return issue_abort(op);
  const bool body = framing_.body_allowed && !op.chunk.empty();
  if (body && framing_.chunked) op.prefix = chunk_prefix(op.chunk.size());
  if (body && framing_.chunked) op.suffix = kChunkSuffix;
  if (op.final && framing_.chunked) op.suffix += kLastChunk;
  op.elements.reserve(3);  // prefix, chunk, suffix: one allocation, not one per element
  add_memory(op.elements, op.prefix);
  if (body) add_memory(op.elements, op.chunk);
  add_memory(op.elements, op.suffix);
  return issue_vector(op, with_head);
}

IsapiRequest::Issued IsapiRequest::issue_send_file(Op& op) {
  const bool with_head = op.head.has_value();
  if (with_head == head_sent_ || !op.file) return Issued::failed;
  if (with_head && !prepare_head(op, op.final ? std::optional<uint64_t>(op.length) : std::nullopt))
    return issue_abort(op);
  const bool body = framing_.body_allowed && op.length > 0;
  const bool fits_transmit = op.offset <= kTransmitFileLimit && op.length <= kTransmitFileLimit;
  if (body && !framing_.chunked && fits_transmit) {
    HSE_TF_INFO& tf = op.transmit;
    tf = HSE_TF_INFO{};
    tf.hFile = op.file->handle();
    tf.pszStatusCode = with_head ? op.status_line.c_str() : nullptr;
    tf.BytesToWrite = static_cast<DWORD>(op.length);
    tf.Offset = static_cast<DWORD>(op.offset);
    tf.pHead = with_head ? const_cast<char*>(op.header_block.data()) : nullptr;
    tf.HeadLength = with_head ? static_cast<DWORD>(op.header_block.size()) : 0;
    tf.dwFlags = HSE_IO_ASYNC | (with_head ? HSE_IO_SEND_HEADERS : 0) |
                 (op.final && framing_.close_delimited ? HSE_IO_DISCONNECT_AFTER_SEND : 0);
    return ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_TRANSMIT_FILE, &tf, nullptr, nullptr) ? Issued::started
                                                                                                    : Issued::failed;
  }
  if (body && framing_.chunked) op.prefix = chunk_prefix(op.length);
  add_memory(op.elements, op.prefix);
  if (body) {
    HSE_VECTOR_ELEMENT e{};
    e.ElementType = HSE_VECTOR_ELEMENT_TYPE_FILE_HANDLE;
    e.pvContext = op.file->handle();
    e.cbOffset = op.offset;
    e.cbSize = op.length;
    op.elements.push_back(e);
  }
  if (body && framing_.chunked) op.suffix = kChunkSuffix;
  if (op.final && framing_.chunked) op.suffix += kLastChunk;
  add_memory(op.elements, op.suffix);
  return issue_vector(op, with_head);
}

IsapiRequest::Issued IsapiRequest::issue_read(Op& op) {
  uint64_t want = op.length;
  if (record_.total_bytes >= 0) {
    const uint64_t known = static_cast<uint64_t>(record_.total_bytes);
    const uint64_t had = record_.preload.size() + body_read_;
    if (had >= known) return Issued::done_ok;  // the body is complete: an empty read means "end"
    want = std::min<uint64_t>(want, known - had);
  }
  op.length = want;
  // Sized to this read and freed when it completes: a request waiting on a slow client, or not
  // reading at all, holds no buffer. Not zero-filled (that showed up as a tenth of an upload's time).
  read_buffer_.reset(new char[want]);
  DWORD size = static_cast<DWORD>(want), flags = HSE_IO_ASYNC;
  return ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_ASYNC_READ_CLIENT, read_buffer_.get(), &size, &flags)
             ? Issued::started
             : Issued::failed;
}

IsapiRequest::Issued IsapiRequest::issue_abort(Op& op) {
  if (head_sent_) {
    // Headers are out: the only honest end is to cut the connection.
    ecb_->ServerSupportFunction(ecb_->ConnID, HSE_REQ_CLOSE_CONNECTION, nullptr, nullptr, nullptr);
    op.connection_cut = true;
    return Issued::done_ok;
  }
  const Page page = failure_page_for(op.status);
  op.head = ResponseHead{page.status, {}};
  op.status_line = page.status;
  op.header_block = page.header_block;
  op.chunk = page.body;
  op.elements.clear();
  framing_ = Framing{};
  framing_.body_allowed = record_.method != "HEAD";
  head_sent_ = true;
  op.final = true;
  if (framing_.body_allowed) add_memory(op.elements, op.chunk);
  return issue_vector(op, true);
}

}  // namespace isapi_node

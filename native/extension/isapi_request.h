// One request between IIS and the backend: the RequestHandle the JS side drives. Turns queued
// operations into IIS async calls, one outstanding at a time, frames the body (response_framing),
// and ends the session with exactly one DONE_WITH_SESSION whatever happens: the final send, an
// abort, a client that went away, or shutdown.
//
// Locking: `mutex_` guards the queue and the state flags. It is never held while calling IIS (a
// host may run the completion inline, on the calling thread) nor while running a completion.
// Lifetime: the object keeps itself alive while an IIS operation is outstanding (`self_`), and the
// extension keeps it in its in-flight set until the session ends.
#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/backend.h"
#include "extension/response_framing.h"
#include "isapi/isapi.h"

namespace isapi_node {

class IsapiRequest : public RequestHandle, public std::enable_shared_from_this<IsapiRequest> {
 public:
  using Defer = std::function<void(std::function<void()>)>;  // runs a job later on a pool thread
  using Ended = std::function<void(IsapiRequest*)>;          // the session is over

  IsapiRequest(EXTENSION_CONTROL_BLOCK* ecb, uint64_t id, Defer defer, Ended ended);
  // Registers the completion routine and gathers the record (server variables, preload).
  void prepare();

  const RequestRecord& record() const override { return record_; }
  void send(std::optional<ResponseHead> head, std::string chunk, bool final, Completion done) override;
  void send_file(std::optional<ResponseHead> head, int fd, uint64_t offset, uint64_t length, bool final,
                 Completion done) override;
  void read(size_t max, Completion done) override;
  void abort(const std::string& reason) override { abort_with(reason, 500); }
  std::optional<std::string> server_variable(const std::string& name) override;
  void on_client_gone(std::function<void()> listener) override;

  // Ends the request with `status` (when nothing was sent yet) or by closing the connection.
  void abort_with(const std::string& reason, unsigned status);

 private:
  struct Op {
    enum class Kind { send, send_file, read, abort } kind = Kind::send;
    std::optional<ResponseHead> head;
    std::string chunk;  // send: the body bytes
    int fd = -1;
    uint64_t offset = 0, length = 0;
    bool final = false;
    unsigned status = 500;        // abort: the page's status while no head has left
    bool connection_cut = false;  // abort: the head had left, so the connection was closed instead
    std::string reason;           // abort
    Completion done;
    // What IIS reads until it completes the operation.
    std::string status_line, header_block, prefix, suffix;
    std::vector<HSE_VECTOR_ELEMENT> elements;
    HSE_RESPONSE_VECTOR vector{};
    HSE_TF_INFO transmit{};
  };
  enum class Issued { started, done_ok, failed };  // started: the completion routine will run

  void enqueue(Op op);
  void pump();
  // Each starts the IIS call for `op` and never touches it afterwards (the completion may already
  // be running on another thread).
  Issued issue(Op& op);
  Issued issue_send(Op& op);
  Issued issue_send_file(Op& op);
  Issued issue_read(Op& op);
  Issued issue_abort(Op& op);
  Issued issue_vector(Op& op, bool with_head);
  void prepare_head(Op& op, std::optional<uint64_t> one_shot_length);
  static void WINAPI io_completed(EXTENSION_CONTROL_BLOCK* ecb, PVOID ctx, DWORD bytes, DWORD error);
  void finish_op(bool ok, DWORD bytes);
  void end_session(bool failed);
  void fail_queued();
  void mark_client_gone();

  EXTENSION_CONTROL_BLOCK* const ecb_;
  RequestRecord record_;
  const Defer defer_;
  const Ended ended_;

  std::mutex mutex_;
  std::deque<Op> queue_;
  Op current_;
  bool busy_ = false;            // an IIS async operation is outstanding
  bool head_sent_ = false;
  Framing framing_;
  bool final_queued_ = false;    // a final send or an abort is queued: nothing after it
  bool session_ended_ = false;   // DONE_WITH_SESSION was called
  bool client_gone_ = false;
  uint64_t body_read_ = 0;       // bytes read after the preload
  // IIS reads the body into this, one read at a time; made on the first read, never zero-filled
  // (a fresh zeroed buffer per read showed up as a tenth of an upload's time).
  std::unique_ptr<char[]> read_buffer_;
  std::function<void()> gone_listener_;
  std::shared_ptr<IsapiRequest> self_;
};

}  // namespace isapi_node

// One request between IIS and the backend: the RequestHandle the JS side drives. Turns queued
// operations into IIS async calls, one outstanding at a time, frames the body (response_framing),
// and ends the session with exactly one DONE_WITH_SESSION whatever happens: the final send, an
// abort, a client that went away, or shutdown.
//
// IIS may run a completion on any of its threads, in parallel with our other calls for the same
// request, before HttpExtensionProc has returned, or inline inside the call that started the
// operation (docs/architecture.md, "Who owns the ECB when"). The rules that make that safe:
// - Every ECB call is made inside an EcbCall, which counts it in `ecb_calls_`. Once the end is
//   decided (`ending_`) no new ECB call starts, and DONE_WITH_SESSION is sent by whoever leaves
//   the last ECB call (or by end_session() itself when none is in progress): nobody is inside
//   GetServerVariable or ServerSupportFunction when IIS may free the ECB.
// - An operation that ends the request decides so (`closing_`) in the same critical section that
//   clears `busy_`, so pump() cannot issue another operation in between.
// - pump() issues one operation at a time and never recurses: a completion that runs inline
//   inside the issuing call leaves the next operation to the pump() loop already running.
//
// Locking: `mutex_` guards the queue and the state flags. It is never held while calling IIS (a
// host may run the completion inline, on the calling thread) nor while running a completion.
// Lifetime: the object keeps itself alive while an IIS operation is outstanding (`self_`), and the
// extension keeps it in its in-flight set until the session ends.
#pragma once
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/backend.h"
#include "extension/platform.h"
#include "extension/response_framing.h"
#include "isapi/isapi.h"

namespace isapi_node {

class IsapiRequest : public RequestHandle, public std::enable_shared_from_this<IsapiRequest> {
 public:
  using Defer = std::function<void(std::function<void()>)>;  // runs a job later on a pool thread
  using Ended = std::function<void(IsapiRequest*)>;          // the session is over

  IsapiRequest(EXTENSION_CONTROL_BLOCK* ecb, uint64_t id, BackendHost& host, Defer defer, Ended ended);
  // Registers the completion routine and gathers the record (server variables, preload). Nothing
  // is issued to IIS before it has run. False when it could not: the session is already ended
  // (IIS answers 500) and the request must not be handed on.
  bool prepare();

  const RequestRecord& record() const override { return record_; }
  void send(std::optional<ResponseHead> head, std::string chunk, bool final, Completion done) override;
  void send_file(std::optional<ResponseHead> head, OsFile file, uint64_t offset, uint64_t length, bool final,
                 Completion done) override;
  void read(size_t max, Completion done) override;
  void abort(const std::string& reason) override { abort_with(reason, 500); }
  void fail(unsigned status, const std::string& reason) override { abort_with(reason, status); }
  std::optional<std::string> server_variable(const std::string& name) override;
  void on_client_gone(std::function<void()> listener) override;

  // The request ran past requestTimeoutMs: it ends with a 504 page, or a closed connection if its
  // headers had left, and the app's isapi.signal fires. Once; later calls do nothing.
  void time_out(uint32_t timeout_ms);
  std::chrono::steady_clock::time_point started() const { return started_; }
  // Asks IIS whether the client is still there (HSE_REQ_IS_CONNECTED) while no operation is
  // outstanding, so an app busy computing or long-polling learns of a client that left.
  void check_connected();

  // Ends the request with `status` (when nothing was sent yet) or by closing the connection.
  // `cut_outstanding` (shutdown's deadline): an operation still outstanding is cut short by closing
  // the connection, so its completion comes back instead of waiting on a client that stopped reading.
  // `announce_gone`: the client-gone listener runs too (the app's isapi.signal fires), after the
  // abort is queued and before the operations it replaces fail, so the app hears why first.
  void abort_with(const std::string& reason, unsigned status, bool cut_outstanding = false, bool announce_gone = false);

 private:
  struct Op {
    enum class Kind { send, send_file, read, abort } kind = Kind::send;
    std::optional<ResponseHead> head;
    std::string chunk;  // send: the body bytes
    std::shared_ptr<platform::FileCopy> file;  // send_file: our own handle, closed with the Op
    uint64_t offset = 0, length = 0;
    bool final = false;
    bool refused = false;         // the head could not go out: a 500 page went instead
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
  // The most a single body read asks IIS for (and allocates for it).
  static constexpr size_t kMaxReadBytes = 256 * 1024;

  // One ECB call in progress; see the rules above. `entered()` is false once the end is decided.
  class EcbCall {
   public:
    explicit EcbCall(IsapiRequest& request);
    ~EcbCall();
    bool entered() const { return entered_; }

   private:
    IsapiRequest& request_;
    bool entered_;
  };

  void enqueue(Op op);
  void pump();
  // isapi_request_io.cc: each starts the IIS call for `op` and never touches it afterwards (the
  // completion may already be running on another thread).
  Issued issue(Op& op);
  Issued issue_send(Op& op);
  Issued issue_send_file(Op& op);
  Issued issue_read(Op& op);
  Issued issue_abort(Op& op);
  Issued issue_vector(Op& op, bool with_head);
  // False (and `op` turned into the 500 page) when the head cannot go on the wire.
  bool prepare_head(Op& op, std::optional<uint64_t> one_shot_length);
  static void WINAPI io_completed(EXTENSION_CONTROL_BLOCK* ecb, PVOID ctx, DWORD bytes, DWORD error);
  void finish_op(DWORD error, DWORD bytes);
  void end_session(bool failed);
  void leave_ecb();
  void send_done();
  void fail_queued();
  void mark_client_gone();

  EXTENSION_CONTROL_BLOCK* const ecb_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> timed_out_{false};
  RequestRecord record_;
  BackendHost& host_;
  const Defer defer_;
  const Ended ended_;

  std::mutex mutex_;
  std::deque<Op> queue_;
  Op current_;
  bool prepared_ = false;        // the completion routine is registered
  bool busy_ = false;            // an IIS async operation is outstanding (or being issued)
  bool pumping_ = false;         // a pump() loop is running: others leave the issuing to it
  bool head_sent_ = false;
  Framing framing_;
  bool final_queued_ = false;    // a final send or an abort is queued: nothing after it
  bool closing_ = false;         // the last operation has completed: nothing more is issued
  bool ending_ = false;          // DONE_WITH_SESSION is decided: no ECB call may start
  bool end_failed_ = false;      // DONE_WITH_SESSION will report HSE_STATUS_ERROR
  bool session_ended_ = false;   // DONE_WITH_SESSION was sent (or is being sent)
  unsigned ecb_calls_ = 0;       // ECB calls in progress on any thread
  bool client_gone_ = false;
  uint64_t body_read_ = 0;       // bytes read after the preload
  // The outstanding read's buffer, IIS writes into it (issue_read, finish_op).
  std::unique_ptr<char[]> read_buffer_;
  std::function<void()> gone_listener_;
  std::shared_ptr<IsapiRequest> self_;
};

}  // namespace isapi_node

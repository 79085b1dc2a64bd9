// The bridge protocol, native side: how events reach a JavaScript worker (the batch layout) and
// how its operations come back (argument positions, the token that asks for no reply).
// lib/runtime/bridge-protocol.ts is the JavaScript side's definition. The binding reports this
// one through layout() when a worker starts, and the worker refuses to serve when the two differ
// (runtime_failed), so a binding and a bootstrap from different builds cannot misread each other.
// The layout is described in docs/architecture.md ("The bridge").
#pragma once
#include <cstddef>
#include <cstdint>

namespace isapi_node::bridge::protocol {

// Bump when anything below changes meaning without changing a count.
inline constexpr uint32_t kVersion = 2;

// Each event in a batch: its type, then a fixed number of slots.
//   request: id, fields, present, totalBytes, preload (undefined when IIS read no body yet)
//            fields: method, path, query, rawUrl, the record variables in kRecordVariables' order
//            ("" for one IIS did not have), then the headers as name, value, ... as received;
//            one string joined by NUL when no field contains NUL, else an array of strings.
//            present: bit i set when IIS had kRecordVariables[i].
//   done:    token, ok, data (undefined when nothing was read)
//   gone:    id
enum class EventType : uint8_t { request = 1, done = 2, gone = 3 };
inline constexpr size_t kRequestSlots = 5, kDoneSlots = 3, kGoneSlots = 1;  // after the type
inline constexpr size_t kFieldsBeforeVariables = 4;  // method, path, query, rawUrl
inline constexpr char kFieldSeparator = '\0';

// An operation sent with this token wants no completion event (a final send: nothing in JS waits
// for it, the ISAPI layer ends the request).
inline constexpr double kNoReply = 0;

// Argument positions of the binding's operations, as lib/runtime/bridge.ts declares them.
namespace arg {
inline constexpr size_t id = 0, token = 1;                         // every operation on a request
inline constexpr size_t status = 2, headers = 3;                   // send, sendFile
inline constexpr size_t chunk = 4, send_final = 5;                 // send
inline constexpr size_t fd = 4, offset = 5, length = 6, file_final = 7;  // sendFile
inline constexpr size_t max = 2;                                   // read
inline constexpr size_t reason = 1;                                // abort (no token)
inline constexpr size_t name = 1;                                  // serverVariable (no token)
}  // namespace arg

}  // namespace isapi_node::bridge::protocol

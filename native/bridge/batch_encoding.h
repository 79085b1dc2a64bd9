// How a batch of events reaches JavaScript: one flat array, each event a type followed by a fixed
// number of slots (bridge/protocol.h). lib/runtime/bridge.ts (decodeBatch) reads it back.
#pragma once
#include <node_api.h>

#include <vector>

#include "bridge/channel.h"

namespace isapi_node::bridge {

napi_value encode_batch(napi_env env, const std::vector<Event>& events);

}  // namespace isapi_node::bridge

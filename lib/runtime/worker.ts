// The main program of an in-process JavaScript worker, imported by bootstrap.cjs: loads the app,
// then serves the request batches the native bridge delivers, each through the shared core
// (runApp) over a BridgeTransport.
import { runApp, type RunOptions } from '../core/handler.js';
import type { RequestRecord } from '../core/transport.js';
import type { App } from '../types.js';
import { BridgeTransport } from './bridge-transport.js';
import { layoutMismatch } from './bridge-protocol.js';
import { decodeBatch, loadBridge, type BridgeEvents, type NativeBridge } from './bridge.js';
import { PendingOperations } from './pending-operations.js';
import { prepareApp, traceStrayErrors, type TraceTo } from './prepare-app.js';

export async function main(bridge: NativeBridge = loadBridge()): Promise<void> {
  const trace: TraceTo = (source, text) => bridge.trace(source, text);
  traceStrayErrors(trace);

  const mismatch = layoutMismatch(bridge.layout());
  if (mismatch) {
    bridge.trace('isapi-node', mismatch);
    bridge.ready({ kind: 'runtime_failed', message: mismatch });
    return;
  }
  const config = bridge.config();
  const prepared = await prepareApp(config, trace);
  if ('failure' in prepared) {
    bridge.ready(prepared.failure);
    return;
  }
  serve(bridge, prepared.app, prepared.options);
  bridge.ready(null);
}

function serve(bridge: NativeBridge, app: App, options: RunOptions): void {
  const ops = new PendingOperations();
  const active = new Map<number, BridgeTransport>();

  const startRequest = (record: RequestRecord) => {
    const transport = new BridgeTransport(bridge, ops, record);
    active.set(record.id, transport);
    void runApp(app, record, transport, options).finally(() => active.delete(record.id));
  };

  const events: BridgeEvents = {
    request: startRequest,
    done: (token, ok, data) => ops.settle(token, ok, data),
    gone: (id) => active.get(id)?.gone.fire(),
  };
  bridge.start((batch) => decodeBatch(batch, events));
}

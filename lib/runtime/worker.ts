// The main program of an in-process JavaScript worker, imported by bootstrap.cjs: loads the app,
// then serves the request batches the native bridge delivers, each through the shared core
// (runApp) over a BridgeTransport.
import { runApp, type RunOptions } from '../core/handler.js';
import type { RequestRecord } from '../core/transport.js';
import type { App } from '../types.js';
import { validate } from '../validate/index.js';
import { BridgeTransport } from './bridge-transport.js';
import { layoutMismatch } from './bridge-protocol.js';
import { decodeBatch, loadBridge, type BridgeEvents, type NativeBridge } from './bridge.js';
import { loadApp } from './load-app.js';
import { PendingOperations } from './pending-operations.js';

export async function main(bridge: NativeBridge = loadBridge()): Promise<void> {
  // A stray error in an app's background work must be seen, not end the worker (nor IIS's).
  process.on('uncaughtException', (err) => bridge.trace('app', `uncaught exception: ${err?.stack ?? String(err)}`));
  process.on('unhandledRejection', (reason) =>
    bridge.trace('app', `unhandled promise rejection: ${(reason as Error)?.stack ?? String(reason)}`),
  );

  const mismatch = layoutMismatch(bridge.layout());
  if (mismatch) {
    bridge.trace('isapi-node', mismatch);
    bridge.ready({ kind: 'runtime_failed', message: mismatch });
    return;
  }
  const config = bridge.config();
  const loaded = await loadApp(config.app, config.export);
  if ('failure' in loaded) {
    bridge.trace('isapi-node', loaded.failure.message);
    bridge.ready(loaded.failure);
    return;
  }
  const app = config.validate ? validate(loaded.app) : loaded.app;
  serve(bridge, app, { multithread: false, multiprocess: config.workers > 1, maxRequestBodyBytes: config.maxRequestBodyBytes });
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

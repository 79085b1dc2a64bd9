// The first JavaScript an in-process worker runs, required from disk by the native runtime (on
// Node 18 the embedder's main script cannot import(); a file loaded with require can). It only
// loads the worker, and reports a failure to start through the bridge.
type Bridge = { trace(source: string, text: string): void; ready(failure: { kind: string; message: string } | null): void };

const bridge = (process as unknown as { _linkedBinding(name: string): Bridge })._linkedBinding('isapi_bridge');

function reportFailure(err: unknown): void {
  const message = `the isapi-node runtime failed to start: ${(err as Error)?.stack ?? String(err)}`;
  bridge.trace('isapi-node', message);
  bridge.ready({ kind: 'runtime_failed', message });
}

try {
  const worker = require('./worker.js') as { main(): Promise<void> };
  worker.main().catch(reportFailure);
} catch (err) {
  reportFailure(err);
}

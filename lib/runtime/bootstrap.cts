// The first JavaScript an in-process worker runs, required from disk by the native runtime (on
// Node 18 the embedder's main script cannot import(); a file loaded with require can). It only
// imports the ESM worker, and reports a failure to start through the bridge.
import path = require('node:path');
import url = require('node:url');

type Bridge = { trace(source: string, text: string): void; ready(failure: { kind: string; message: string } | null): void };

const bridge = (process as unknown as { _linkedBinding(name: string): Bridge })._linkedBinding('isapi_bridge');
const workerUrl = url.pathToFileURL(path.join(__dirname, 'worker.js')).href;

import(workerUrl)
  .then((worker: { main(): Promise<void> }) => worker.main())
  .catch((err: unknown) => {
    const message = `the isapi-node runtime failed to start: ${(err as Error)?.stack ?? String(err)}`;
    bridge.trace('isapi-node', message);
    bridge.ready({ kind: 'runtime_failed', message });
  });

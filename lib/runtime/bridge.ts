// The shape of the native `isapi_bridge` binding (native/bridge/bridge.cc), as each in-process
// JavaScript worker sees it through process._linkedBinding(). Keep the two in step.

import type { RequestRecord } from '../core/transport.js';

/** What the native side tells a worker: a new request, an operation finished (data: the bytes
 *  read; none at the end of the body), or the client is gone. */
export interface BridgeEvents {
  request(record: RequestRecord): void;
  done(token: number, ok: boolean, data: Uint8Array | undefined): void;
  gone(id: number): void;
}

/** The server variables of a record, from [name, value, ...]. */
function varsOf(flat: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) vars[flat[i]] = flat[i + 1];
  return vars;
}

/**
 * Reads one batch as native/bridge/batch_encoding.cc lays it out: one flat array, each event a type
 * followed by a fixed number of slots (request: id, method, path, query, rawUrl, headers, vars,
 * totalBytes, preload; done: token, ok, data; gone: id). Flat, so the native side sets array
 * elements instead of building objects property by property.
 */
export function decodeBatch(batch: unknown[], to: BridgeEvents): void {
  let i = 0;
  while (i < batch.length) {
    switch (batch[i]) {
      case 1:
        to.request({
          id: batch[i + 1] as number,
          method: batch[i + 2] as string,
          path: batch[i + 3] as string,
          query: batch[i + 4] as string,
          rawUrl: batch[i + 5] as string,
          headers: batch[i + 6] as string[],
          vars: varsOf(batch[i + 7] as string[]),
          totalBytes: batch[i + 8] as number,
          preload: batch[i + 9] as Uint8Array,
        });
        i += 10;
        break;
      case 2:
        to.done(batch[i + 1] as number, batch[i + 2] as boolean, batch[i + 3] as Uint8Array | undefined);
        i += 4;
        break;
      case 3:
        to.gone(batch[i + 1] as number);
        i += 2;
        break;
      default:
        throw new Error(`isapi-node: the native bridge sent an unknown event type ${String(batch[i])}`);
    }
  }
}

export interface StartFailureReport {
  kind: 'app_not_found' | 'app_failed' | 'runtime_failed';
  message: string;
}

export interface NativeBridge {
  config(): { app: string; export: string; workers: number; workerIndex: number; validate: boolean };
  /** Batches arrive as decodeBatch() reads them. */
  start(onEvents: (batch: unknown[]) => void): void;
  ready(failure: StartFailureReport | null): void;
  send(id: number, token: number, status: string | null, headers: string[] | null, chunk: Uint8Array | null, final: boolean): void;
  sendFile(id: number, token: number, status: string | null, headers: string[] | null, fd: number, offset: number, length: number, final: boolean): void;
  read(id: number, token: number, max: number): void;
  abort(id: number, reason: string): void;
  serverVariable(id: number, name: string): string | null;
  trace(source: string, text: string): void;
}

export function loadBridge(): NativeBridge {
  const linked = (process as unknown as { _linkedBinding?: (name: string) => unknown })._linkedBinding;
  if (typeof linked !== 'function') throw new Error('isapi-node: not running inside the isapi-node extension');
  return linked('isapi_bridge') as NativeBridge;
}

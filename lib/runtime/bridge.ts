// The shape of the native `isapi_bridge` binding (native/bridge/bridge.cc), as each in-process
// JavaScript worker sees it through process._linkedBinding(). The argument positions of its
// operations are mirrored in native/bridge/protocol.h (namespace arg).

import type { RequestRecord } from '../core/transport.js';
import { DoneSlot, EventSlots, EventType, GoneSlot, RequestSlot } from './bridge-protocol.js';

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
 * Reads one batch as the binding lays it out (bridge-protocol.ts): one flat array, each event a
 * type followed by a fixed number of slots. Flat, so the native side sets array elements instead
 * of building objects property by property.
 */
export function decodeBatch(batch: unknown[], to: BridgeEvents): void {
  let i = 0;
  while (i < batch.length) {
    switch (batch[i]) {
      case EventType.request:
        to.request({
          id: batch[i + RequestSlot.id] as number,
          method: batch[i + RequestSlot.method] as string,
          path: batch[i + RequestSlot.path] as string,
          query: batch[i + RequestSlot.query] as string,
          rawUrl: batch[i + RequestSlot.rawUrl] as string,
          headers: batch[i + RequestSlot.headers] as string[],
          vars: varsOf(batch[i + RequestSlot.vars] as string[]),
          totalBytes: batch[i + RequestSlot.totalBytes] as number,
          preload: batch[i + RequestSlot.preload] as Uint8Array,
        });
        i += 1 + EventSlots.request;
        break;
      case EventType.done:
        to.done(
          batch[i + DoneSlot.token] as number,
          batch[i + DoneSlot.ok] as boolean,
          batch[i + DoneSlot.data] as Uint8Array | undefined,
        );
        i += 1 + EventSlots.done;
        break;
      case EventType.gone:
        to.gone(batch[i + GoneSlot.id] as number);
        i += 1 + EventSlots.gone;
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
  /** The binding's protocol, checked against bridge-protocol.ts before anything else. */
  layout(): unknown;
  config(): { app: string; export: string; workers: number; workerIndex: number; validate: boolean; maxRequestBodyBytes: number };
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

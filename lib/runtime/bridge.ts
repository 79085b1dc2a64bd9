// The shape of the native `isapi_bridge` binding (native/bridge/bridge.cc), as each in-process
// JavaScript worker sees it through process._linkedBinding(). The argument positions of its
// operations are mirrored in native/bridge/protocol.h (namespace arg).

import type { RequestRecord } from '../core/transport.js';
import { RECORD_VARIABLES } from '../core/record-variables.js';
import { DoneSlot, EventSlots, EventType, FIELDS_BEFORE_VARIABLES, FIELD_SEPARATOR, GoneSlot, RequestSlot } from './bridge-protocol.js';

/** What the native side tells a worker: a new request, an operation finished (data: the bytes
 *  read; none at the end of the body), or the client is gone. */
export interface BridgeEvents {
  request(record: RequestRecord): void;
  done(token: number, ok: boolean, data: Uint8Array | undefined): void;
  gone(id: number): void;
}

const NO_PRELOAD = new Uint8Array(0);

/** A request event's record, from its slots (bridge-protocol.ts, RequestSlot). */
function recordOf(batch: unknown[], at: number): RequestRecord {
  const packed = batch[at + RequestSlot.fields] as string | string[];
  const fields = typeof packed === 'string' ? packed.split(FIELD_SEPARATOR) : packed;
  const present = batch[at + RequestSlot.present] as number;
  const vars: RequestRecord['vars'] = {};
  for (let v = 0; v < RECORD_VARIABLES.length; v++) {
    if (present & (1 << v)) vars[RECORD_VARIABLES[v]] = fields[FIELDS_BEFORE_VARIABLES + v];
  }
  return {
    id: batch[at + RequestSlot.id] as number,
    method: fields[0],
    path: fields[1],
    query: fields[2],
    rawUrl: fields[3],
    headers: fields.slice(FIELDS_BEFORE_VARIABLES + RECORD_VARIABLES.length),
    vars,
    totalBytes: batch[at + RequestSlot.totalBytes] as number,
    preload: (batch[at + RequestSlot.preload] as Uint8Array | undefined) ?? NO_PRELOAD,
  };
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
        to.request(recordOf(batch, i));
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

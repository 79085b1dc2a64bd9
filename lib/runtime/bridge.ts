// The shape of the native `isapi_bridge` binding (native/bridge/bridge.cc), as each in-process
// JavaScript worker sees it through process._linkedBinding(). Keep the two in step.

/** Events arrive in batches: [1, record] a new request, [2, token, ok, data?] an operation
 *  finished (data: bytes read; none at the end of the body), [3, id] the client is gone. */
export type BridgeEvent =
  | [1, import('../core/transport.js').RequestRecord]
  | [2, number, boolean, Uint8Array?]
  | [3, number];

export interface StartFailureReport {
  kind: 'app_not_found' | 'app_failed' | 'runtime_failed';
  message: string;
}

export interface NativeBridge {
  config(): { app: string; export: string; workers: number; workerIndex: number; validate: boolean };
  start(onEvents: (batch: BridgeEvent[]) => void): void;
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

// The in-process Transport: each operation goes to the native bridge with a token. Reads and file
// sends resolve when their completion event comes back; memory sends resolve while the bytes IIS
// has not confirmed fit the send window (the back-pressure), a final send at once.
import { ClientGone } from '../core/client-gone.js';
import type { RequestRecord, ResponseHead, Transport } from '../core/transport.js';
import type { NativeBridge } from './bridge.js';
import { NO_REPLY } from './bridge-protocol.js';
import type { PendingOperations } from './pending-operations.js';
import { SendWindow } from './send-window.js';

const flatten = (headers: [string, string][]): string[] => headers.flat();

export class BridgeTransport implements Transport {
  readonly #bridge: NativeBridge;
  readonly #ops: PendingOperations;
  readonly #id: number;
  readonly #window = new SendWindow();

  constructor(bridge: NativeBridge, ops: PendingOperations, record: RequestRecord) {
    this.#bridge = bridge;
    this.#ops = ops;
    this.#id = record.id;
  }

  /** Fired when the native side reports the client gone. */
  readonly gone = new ClientGone();

  async send(head: ResponseHead | null, chunk: Uint8Array | null, final: boolean): Promise<void> {
    if (final) {
      // Nothing follows a final send but the end of the request, which the native side performs
      // when IIS completes it (and on failure too): no completion needs to wake this thread.
      this.#bridge.send(this.#id, NO_REPLY, head?.status ?? null, head ? flatten(head.headers) : null, chunk, true);
      return;
    }
    if (this.#window.failure) throw this.#window.failure;
    const { token, done } = this.#ops.open();
    this.#bridge.send(this.#id, token, head?.status ?? null, head ? flatten(head.headers) : null, chunk, final);
    await this.#window.admit(chunk?.length ?? 0, done);
  }

  async sendFile(head: ResponseHead | null, file: { fd: number; offset: number; length: number }, final: boolean): Promise<void> {
    const { token, done } = this.#ops.open();
    this.#bridge.sendFile(this.#id, token, head?.status ?? null, head ? flatten(head.headers) : null, file.fd, file.offset, file.length, final);
    await done;
  }

  async read(max: number): Promise<Uint8Array | null> {
    const { token, done } = this.#ops.open();
    this.#bridge.read(this.#id, token, max);
    return (await done) ?? null;
  }

  abort(reason: string): void {
    this.#bridge.abort(this.#id, reason);
  }

  serverVariable(name: string): string | null {
    return this.#bridge.serverVariable(this.#id, name);
  }

  trace(text: string): void {
    this.#bridge.trace('app', text);
  }
}

// Operations handed to the bridge wait here, by token, for their completion event. One table per
// worker: tokens are unique across its requests.

import { ClientGoneError } from '../core/errors.js';

interface Pending {
  resolve: (data: Uint8Array | undefined) => void;
  reject: (error: Error) => void;
}

export class PendingOperations {
  #next = 1;
  readonly #pending = new Map<number, Pending>();

  /** A token and the promise its completion settles. */
  open(): { token: number; done: Promise<Uint8Array | undefined> } {
    const token = this.#next++;
    const done = new Promise<Uint8Array | undefined>((resolve, reject) => this.#pending.set(token, { resolve, reject }));
    return { token, done };
  }

  settle(token: number, ok: boolean, data: Uint8Array | undefined): void {
    const p = this.#pending.get(token);
    if (!p) return;
    this.#pending.delete(token);
    if (ok) p.resolve(data);
    else p.reject(new ClientGoneError());
  }
}

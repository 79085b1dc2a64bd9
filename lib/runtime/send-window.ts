// How far a response may run ahead of IIS. The native side queues a request's operations and
// hands them to IIS one at a time; if JS waited for each send's completion before producing the
// next chunk, the socket would sit idle for a thread round trip per chunk. Instead a send counts
// as taken while the bytes IIS has not yet confirmed stay under a window, the way a Node stream's
// highWaterMark works: the producer stays one window ahead, and back-pressure still holds.

/** Unconfirmed bytes a response may have queued before send() waits. */
export const SEND_WINDOW_BYTES = 256 * 1024;

export class SendWindow {
  readonly #limit: number;
  #unconfirmed = 0;
  #failure: Error | null = null;
  /** The send waiting for room (the outbox hands over one operation at a time). */
  #waiting: (() => void) | null = null;

  constructor(limit = SEND_WINDOW_BYTES) {
    this.#limit = limit;
  }

  /** A failure of an earlier send, which the next one reports. */
  get failure(): Error | null {
    return this.#failure;
  }

  /**
   * Accounts for a send of `bytes` whose completion is `done`, then resolves once the window has
   * room again; rejects when any send so far failed (the client is gone).
   */
  async admit(bytes: number, done: Promise<unknown>): Promise<void> {
    this.#unconfirmed += bytes;
    done.then(
      () => this.#confirm(bytes, null),
      (error: Error) => this.#confirm(bytes, error),
    );
    if (this.#unconfirmed > this.#limit && !this.#failure) await new Promise<void>((resolve) => (this.#waiting = resolve));
    if (this.#failure) throw this.#failure;
  }

  #confirm(bytes: number, error: Error | null): void {
    this.#unconfirmed -= bytes;
    this.#failure ??= error;
    if (this.#waiting && (this.#unconfirmed <= this.#limit || this.#failure)) {
      const wake = this.#waiting;
      this.#waiting = null;
      wake();
    }
  }
}

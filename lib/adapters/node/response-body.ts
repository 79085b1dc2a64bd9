// The body a Node listener writes, as the async iterable runApp delivers: chunks queue here until
// the transport takes them, and the listener feels back-pressure through write()'s return value
// and 'drain', as with a real socket. startResponse is called with the head before the first chunk.
import { contentLengthOf } from '../../core/headers.js';
import type { StartResponse } from '../../types.js';

/** Buffered bytes above which write() returns false (Node's default for a socket stream). */
const HIGH_WATER_MARK = 64 * 1024;

type Callback = (error?: Error | null) => void;

export class ResponseBody implements AsyncIterable<Uint8Array> {
  readonly #startResponse: StartResponse;
  readonly #queue: { chunk: Uint8Array; callback?: Callback }[] = [];
  #buffered = 0;
  #head: [string, [string, string][]] | null = null;
  #started = false;
  #ended = false;
  #wake: (() => void) | null = null;
  /** Called when the buffered bytes fall back under the mark after write() returned false. */
  onDrain: () => void = () => {};
  /** Called once when runApp is done with the body (sent, failed or abandoned). */
  onClose: () => void = () => {};

  constructor(startResponse: StartResponse) {
    this.#startResponse = startResponse;
  }

  get needsDrain(): boolean {
    return this.#buffered >= HIGH_WATER_MARK;
  }

  setHead(status: string, headers: [string, string][]): void {
    this.#head = [status, headers];
    this.#signal();
  }

  push(chunk: Uint8Array, callback?: Callback): void {
    this.#queue.push({ chunk, callback });
    this.#buffered += chunk.byteLength;
    this.#signal();
  }

  end(): void {
    this.#ended = true;
    this.#signal();
  }

  close(): void {
    // Chunks never taken (the client left) still get their callbacks, with an error.
    for (const { callback } of this.#queue.splice(0)) callback?.(new Error('the response was abandoned'));
    this.onClose();
  }

  /**
   * The body as a synchronous iterable when the listener has already ended it (the usual case) with
   * exactly the bytes its Content-Length announces and no write callback waiting; null otherwise.
   * runApp then sends the last chunk together with the end: one transport operation fewer than for
   * a stream, with the same framing, and no asynchronous iteration. A stream must stay one: each
   * chunk has to leave as it comes.
   */
  whole(): (Iterable<Uint8Array> & { close(): void }) | null {
    if (!this.#ended || !this.#head || this.#started) return null;
    if (contentLengthOf(this.#head[1]) !== this.#buffered) return null;
    for (const entry of this.#queue) if (entry.callback) return null;
    return { [Symbol.iterator]: () => this.#chunks(), close: () => this.close() };
  }

  *#chunks(): Iterator<Uint8Array> {
    this.#begin();
    for (let next = this.#take(); next; next = this.#take()) yield next.chunk;
  }

  /** Hands the head to startResponse, once, when there is one. */
  #begin(): void {
    if (this.#head && !this.#started) {
      this.#started = true;
      this.#startResponse(...this.#head);
    }
  }

  /** The next chunk for the transport, if the head has gone out; 'drain' once the buffer is low again. */
  #take(): { chunk: Uint8Array; callback?: Callback } | undefined {
    const next = this.#started ? this.#queue.shift() : undefined;
    if (next) {
      const wasFull = this.needsDrain;
      this.#buffered -= next.chunk.byteLength;
      if (wasFull && !this.needsDrain) this.onDrain();
    }
    return next;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      this.#begin();
      const next = this.#take();
      if (next) {
        yield next.chunk;
        next.callback?.(); // the transport took it
        continue;
      }
      if (this.#ended && (this.#started || !this.#head)) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

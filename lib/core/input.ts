// wsgi.input: the request body as the app consumes it. Bytes come from the preload IIS already
// read, then from the transport on demand. Nothing is read ahead of the consumer: an upload is
// pulled from IIS only as fast as the app takes it, which is the request side's back-pressure.

import { IsapiError } from './errors.js';
import type { Transport } from './transport.js';

/** How much one transport.read() asks for: large enough to amortize a native round trip, small
 *  enough that a slow consumer never has much buffered on its behalf. */
export const READ_CHUNK_BYTES = 256 * 1024;

/** IIS's default maxAllowedContentLength, and the extension's default "maxRequestBodyBytes". */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 30_000_000;

const EMPTY = new Uint8Array(0);

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export class RequestBody implements AsyncIterable<Uint8Array> {
  readonly #source: Pick<Transport, 'read'>;
  /** Request body length, -1 when unknown (chunked upload). */
  readonly #total: number;
  /** Bytes the app may read; past them every read fails with ISAPI_REQUEST_BODY_TOO_LARGE. */
  readonly #max: number;
  #tooLarge = false;
  #preload: Uint8Array | null;
  /** What a read(size) took but did not return: it comes first next time. */
  #leftover: Uint8Array | null = null;
  #received = 0;
  #ended = false;
  /** Every consumer operation runs after the previous one, so concurrent reads never interleave bytes. */
  #queue: Promise<unknown> = Promise.resolve();

  /** `maxBytes` 0 or Infinity: no limit. */
  constructor(preload: Uint8Array, source: Pick<Transport, 'read'>, totalBytes: number, maxBytes = DEFAULT_MAX_REQUEST_BODY_BYTES) {
    this.#source = source;
    this.#total = totalBytes;
    this.#max = maxBytes > 0 ? maxBytes : Infinity;
    this.#preload = preload.length > 0 ? preload : null;
  }

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Counts bytes that arrived; past the limit the body is over for the app, with an error. */
  #admit(chunk: Uint8Array): Uint8Array {
    this.#received += chunk.length;
    if (this.#received > this.#max) this.#tooLarge = true;
    if (this.#tooLarge) throw new IsapiError('ISAPI_REQUEST_BODY_TOO_LARGE', this.#max);
    return chunk;
  }

  /** The next bytes, or null at the end. Only called inside #serialize. */
  async #pull(): Promise<Uint8Array | null> {
    // A body announced larger than the limit is refused before any of it is read.
    if (this.#tooLarge || this.#total > this.#max) {
      this.#tooLarge = true;
      throw new IsapiError('ISAPI_REQUEST_BODY_TOO_LARGE', this.#max);
    }
    if (this.#leftover) {
      const rest = this.#leftover;
      this.#leftover = null;
      return rest;
    }
    if (this.#preload) {
      const first = this.#preload;
      this.#preload = null;
      return this.#admit(first);
    }
    while (!this.#ended) {
      // A known length that has all arrived needs no read() to learn that the body ended.
      if (this.#total >= 0 && this.#received >= this.#total) break;
      // Never more than one byte past the limit is pulled from IIS: enough to know it was passed.
      const chunk = await this.#source.read(Math.min(READ_CHUNK_BYTES, this.#max - this.#received + 1));
      if (chunk === null) break;
      if (chunk.length === 0) continue;
      return this.#admit(chunk);
    }
    this.#ended = true;
    return null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const chunk = await this.#serialize(() => this.#pull());
      if (chunk === null) return;
      yield chunk;
    }
  }

  /**
   * Up to `size` bytes, fewer only at the end of the body; without a size (or with a negative one,
   * as in Python), everything that is left. An empty array means the body has ended.
   */
  read(size?: number): Promise<Uint8Array> {
    if (size !== undefined && !Number.isInteger(size)) {
      return Promise.reject(new TypeError(`read(size): size must be an integer, got ${String(size)}`));
    }
    const limit = size === undefined || size < 0 ? Infinity : size;
    return this.#serialize(async () => {
      const parts: Uint8Array[] = [];
      let have = 0;
      while (have < limit) {
        const chunk = await this.#pull();
        if (chunk === null) break;
        if (have + chunk.length > limit) {
          const take = limit - have;
          parts.push(chunk.subarray(0, take));
          this.#leftover = chunk.subarray(take);
          have = limit;
          break;
        }
        parts.push(chunk);
        have += chunk.length;
      }
      return concat(parts, have);
    });
  }

  /** The rest of the body. */
  bytes(): Promise<Uint8Array> {
    return this.read();
  }

  /** The rest of the body decoded as UTF-8 (invalid sequences become U+FFFD). */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.read());
  }
}

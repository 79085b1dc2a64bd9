// A Fetch Response as what startResponse and the server take: the status line, the headers with
// each Set-Cookie kept apart, and the body. A body that is complete at once (c.json(), a string)
// becomes one chunk, which the server sends in one operation with its Content-Length; any other
// is streamed as it comes.
import { STATUS_CODES } from 'node:http';
import { isHopByHop } from '../../core/headers.js';
import type { Body } from '../../types.js';

export function statusLine(response: Response): string {
  const reason = response.statusText.trim() || STATUS_CODES[response.status] || 'Unknown';
  return `${response.status} ${reason}`;
}

/** Headers.getSetCookie() is missing from older runtimes: then the joined value is split where a new cookie starts. */
function setCookies(headers: Headers): string[] {
  const own = (headers as { getSetCookie?: () => string[] }).getSetCookie;
  if (typeof own === 'function') return own.call(headers);
  const joined = headers.get('set-cookie');
  return joined === null ? [] : joined.split(/,\s*(?=[^;,=\s]+=)/);
}

export function responseHeaders(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  let cookiesDone = false;
  headers.forEach((value, name) => {
    if (name === 'set-cookie') {
      if (!cookiesDone) for (const cookie of setCookies(headers)) out.push(['set-cookie', cookie]);
      cookiesDone = true;
      // The connection is the server's to manage.
    } else if (!isHopByHop(name)) {
      out.push([name, value]);
    }
  });
  return out;
}

type Step = ReadableStreamReadResult<Uint8Array>;
const NOT_YET: unique symbol = Symbol('not yet');

/** The read's result if it is already there (it settles within a microtask or two), else NOT_YET. */
function readNow(read: Promise<Step>): Promise<Step | typeof NOT_YET> {
  return Promise.race([read, Promise.resolve().then((): typeof NOT_YET => NOT_YET)]);
}

/** The rest of a streamed response; close() cancels the stream (the client left, or the server is done). */
class StreamedBody implements AsyncIterable<Uint8Array> {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #first: Uint8Array[];
  #pending: Promise<Step> | null;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, first: Uint8Array[], pending: Promise<Step> | null) {
    this.#reader = reader;
    this.#first = first;
    this.#pending = pending;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    yield* this.#first;
    for (;;) {
      const step = await (this.#pending ?? this.#reader.read());
      this.#pending = null;
      if (step.done) return;
      yield step.value;
    }
  }

  close(): Promise<void> {
    return this.#reader.cancel().catch(() => undefined);
  }
}

export async function responseBody(stream: ReadableStream<Uint8Array> | null): Promise<Body> {
  if (stream === null) return [];
  const reader = stream.getReader();
  const first: Uint8Array[] = [];
  // A body known at once is usually one chunk and the end: two reads tell.
  for (let i = 0; i < 2; i++) {
    const read = reader.read();
    const step = await readNow(read);
    if (step === NOT_YET) return new StreamedBody(reader, first, read);
    if (step.done) return first;
    first.push(step.value);
  }
  return new StreamedBody(reader, first, null);
}

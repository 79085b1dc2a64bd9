// Rules 12 and 13: wsgi.input and wsgi.errors as the app sees them. The app's mistakes (a bad read
// size, a second concurrent loop, a non-string error text) throw at the call that made them; the
// server's (bytes that are not a Uint8Array, more than asked for, bytes after the end) reject the
// read or fail the iteration step that received them.

import { describeValue } from '../core/errors.js';
import type { RequestBody } from '../core/input.js';
import type { ErrorStream } from '../types.js';
import { ValidationError, byteCount } from './errors.js';

/** Rule 12: no size, or a whole number of bytes; negative sizes (Python's "all") are refused. */
export function checkReadSize(size: unknown): void {
  if (size === undefined || (Number.isInteger(size) && (size as number) >= 0)) return;
  throw new ValidationError('ISAPI_VALIDATE_READ_SIZE', [describeValue(size)]);
}

/** Rule 12 (server side): the input gives bytes, and read(size) no more than `size` of them. */
export function checkInputBytes(bytes: unknown, how: string, size?: number): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new ValidationError('ISAPI_VALIDATE_INPUT_RESULT', [how, describeValue(bytes)]);
  if (size !== undefined && bytes.length > size) throw new ValidationError('ISAPI_VALIDATE_INPUT_RESULT', [how, byteCount(bytes.length)]);
}

/** Rule 12 (server side): reading after the end is allowed, and gives nothing. */
export function checkNothingAfterEnd(ended: boolean, bytes: Uint8Array, how: string): void {
  if (ended && bytes.length > 0) throw new ValidationError('ISAPI_VALIDATE_READ_AFTER_END', [how, byteCount(bytes.length)]);
}

/** Rule 12: the core serializes consumers, so two loops at once would each get every other chunk. */
export function checkNotIterating(iterating: boolean): void {
  if (iterating) throw new ValidationError('ISAPI_VALIDATE_INPUT_CONCURRENT');
}

/** Rule 13. */
export function checkErrorText(text: unknown, how: string): void {
  if (typeof text !== 'string') throw new ValidationError('ISAPI_VALIDATE_ERRORS_WRITE', [how, describeValue(text)]);
}

/**
 * wsgi.input as the app sees it. Implementing RequestBody's public members (by the Pick) makes the
 * compiler point here when RequestBody grows one; it is not a subclass, so a member this wrapper
 * lacks fails loudly instead of running on a subclass's empty state.
 */
export class CheckedInput implements Pick<RequestBody, keyof RequestBody> {
  readonly #inner: RequestBody;
  /** The input reported its end: read(size) gave fewer than size bytes, read() everything, or a loop ended. */
  #ended = false;
  #iterating = false;

  constructor(inner: RequestBody) {
    this.#inner = inner;
  }

  read(size?: number): Promise<Uint8Array> {
    checkReadSize(size);
    const how = size === undefined ? 'read()' : `read(${size})`;
    return this.#inner.read(size).then((bytes: unknown) => {
      checkInputBytes(bytes, how, size);
      checkNothingAfterEnd(this.#ended, bytes, how);
      if (size === undefined || bytes.length < size) this.#ended = true;
      return bytes;
    });
  }

  bytes(): Promise<Uint8Array> {
    return this.read();
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.read());
  }

  /** The check runs at the first next(), when a generator's body starts: still inside the app's loop. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    checkNotIterating(this.#iterating);
    this.#iterating = true;
    try {
      for await (const chunk of this.#inner as AsyncIterable<unknown>) {
        checkInputBytes(chunk, 'iteration');
        checkNothingAfterEnd(this.#ended, chunk, 'iteration');
        yield chunk;
      }
      this.#ended = true;
    } finally {
      this.#iterating = false;
    }
  }
}

/** wsgi.errors as the app sees it. `flush` is the server stream's own flush (see validate.ts). */
export class CheckedErrors implements ErrorStream {
  readonly #inner: ErrorStream;
  readonly #flush: () => void;

  constructor(inner: ErrorStream, flush: () => void) {
    this.#inner = inner;
    this.#flush = flush;
  }

  write(text: string): void {
    checkErrorText(text, 'write()');
    this.#inner.write(text);
  }

  writelines(lines: Iterable<string>): void {
    if (typeof lines !== 'string' && (typeof lines !== 'object' || lines === null || !(Symbol.iterator in lines))) {
      throw new ValidationError('ISAPI_VALIDATE_ERRORS_WRITE', ['writelines()', `${describeValue(lines)}, not an iterable of strings`]);
    }
    // Each line is checked as the server's writelines takes it, so nothing before a bad line is lost.
    this.#inner.writelines(
      (function* () {
        for (const line of lines as Iterable<unknown>) {
          checkErrorText(line, 'writelines()');
          yield line as string;
        }
      })(),
    );
  }

  flush(): void {
    this.#flush();
  }
}

// Rules 9, 10, 11, 14 and 15 on the body side: what the app returned, every chunk its iteration
// yields, its end, and the server's close(). A violation makes the iteration step (or open(), for a
// file) throw, so the server fails the request the way it fails any broken body: a 500 before the
// headers left, an abort after, the ValidationError on the trace channel.
//
// The wrappers keep the shape that decides how the core sends a body, so a correct app's transport
// calls do not change: a synchronous iterable stays synchronous (the core pulls those one chunk
// ahead), an asynchronous one stays asynchronous, and a FileBody stays a FileBody (which the core
// hands to TRANSMIT_FILE instead of iterating).

import { describeValue } from '../core/errors.js';
import { FileBody, type OpenFile } from '../core/file-wrapper.js';
import type { Body, Chunk } from '../types.js';
import { ValidationError } from './errors.js';
import { byteLength, checkChunk, checkLength, checkStartedAtEnd, checkStartedFor, countBytes, type Exchange } from './exchange.js';

type Close = () => void | Promise<void>;

function isSyncIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function closeOf(value: unknown): Close | null {
  const close = typeof value === 'object' && value !== null ? (value as { close?: unknown }).close : undefined;
  return typeof close === 'function' ? () => close.call(value) : null;
}

/** Rule 9: one string or Uint8Array is iterable, but one character or byte at a time. */
export function checkNotBare(value: unknown): void {
  if (typeof value === 'string' || value instanceof Uint8Array) throw new ValidationError('ISAPI_VALIDATE_BARE_BODY', [describeValue(value)]);
}

/** Rule 14. `how` is "" for a body returned as it is, "a promise of " for one that was awaited. */
export function checkIterable(value: unknown, how: string): void {
  if (!isSyncIterable(value) && !isAsyncIterable(value)) throw new ValidationError('ISAPI_VALIDATE_BODY_TYPE', [`${how}${describeValue(value)}`]);
}

/** Rule 11 (second half): the server closes once; closing also ends write(). */
function checkedClose(body: unknown, exchange: Exchange): Close {
  const close = closeOf(body);
  return () => {
    exchange.closes++;
    if (exchange.closes > 1) throw new ValidationError('ISAPI_VALIDATE_CLOSE_TWICE');
    exchange.ended = true;
    return close?.() as void | Promise<void>;
  };
}

function checkNotClosed(exchange: Exchange): void {
  if (exchange.closes > 0) throw new ValidationError('ISAPI_VALIDATE_ITERATE_AFTER_CLOSE');
}

/**
 * Rules 8 to 10 and 15 for one iteration step. `stop` ends the app's iterator when one of its
 * chunks is refused: the server sees our step throw, takes the iterator for finished and would not
 * call return() itself, so the app's finally blocks would never run.
 */
function checkStep(step: IteratorResult<unknown>, exchange: Exchange, stop: () => void): void {
  if (step.done) {
    exchange.ended = true;
    exchange.consumed = true;
    checkStartedAtEnd(exchange, 'The body ended');
    countBytes(exchange, 0, true);
    return;
  }
  try {
    checkChunk(step.value, 'The body');
    const bytes = byteLength(step.value);
    checkStartedFor(exchange, bytes, 'The body');
    countBytes(exchange, bytes, false);
  } catch (error) {
    stop();
    throw error;
  }
}

function checkedSync(body: Iterable<unknown>, exchange: Exchange): Body {
  return {
    [Symbol.iterator](): Iterator<Chunk> {
      const iterator = body[Symbol.iterator]();
      const stop = (): void => {
        try {
          iterator.return?.();
        } catch {
          // The violation is the error to report.
        }
      };
      return {
        next() {
          checkNotClosed(exchange);
          const step = iterator.next();
          checkStep(step, exchange, stop);
          return step as IteratorResult<Chunk>;
        },
        return(value?: unknown) {
          exchange.ended = true;
          return (iterator.return?.(value) ?? { done: true, value }) as IteratorResult<Chunk>;
        },
      };
    },
    close: checkedClose(body, exchange),
  };
}

/** The checked iteration of an async iterable (also used for a FileBody the server iterates). */
function checkedAsyncIterator(body: AsyncIterable<unknown>, exchange: Exchange): AsyncIterator<Chunk> {
  const iterator = body[Symbol.asyncIterator]();
  const stop = (): void => {
    try {
      // Not awaited, as in the core: a generator stuck in an await settles return() only later.
      Promise.resolve(iterator.return?.()).catch(() => undefined);
    } catch {
      // The violation is the error to report.
    }
  };
  return {
    async next() {
      checkNotClosed(exchange);
      const step = await iterator.next();
      checkStep(step, exchange, stop);
      return step as IteratorResult<Chunk>;
    },
    async return(value?: unknown) {
      exchange.ended = true;
      return ((await iterator.return?.(value)) ?? { done: true, value }) as IteratorResult<Chunk>;
    },
  };
}

function checkedAsync(body: AsyncIterable<unknown>, exchange: Exchange): Body {
  return {
    [Symbol.asyncIterator]: () => checkedAsyncIterator(body, exchange),
    close: checkedClose(body, exchange),
  };
}

/**
 * A FileBody stand-in: FileBody.prototype keeps `instanceof FileBody` true (so the core still sends
 * it with TRANSMIT_FILE), and every public member delegates to the app's FileBody, whose private
 * state only its own methods can reach.
 */
function checkedFile(file: FileBody, exchange: Exchange): FileBody {
  const open = async (): Promise<OpenFile> => {
    const opened = await file.open();
    // The server now has the whole body: rules 10 and 15 can be decided.
    exchange.ended = true;
    exchange.consumed = true;
    checkStartedAtEnd(exchange, 'The app returned a file body');
    checkLength(exchange, exchange.produced + opened.length, true);
    return opened;
  };
  return Object.defineProperties(Object.create(FileBody.prototype) as FileBody, {
    file: { value: file.file, enumerable: true },
    contentLengthHeader: { value: file.contentLengthHeader, enumerable: true },
    open: { value: open },
    [Symbol.asyncIterator]: { value: () => checkedAsyncIterator(file, exchange) },
    close: { value: checkedClose(file, exchange) },
  });
}

/**
 * The body the server gets instead of `value`. A refused body never reaches the server, so its
 * close() is called here (the server's duty we took over); that failure is not the one to report.
 */
export function checkBody(value: unknown, exchange: Exchange, how = ''): Body {
  try {
    checkNotBare(value);
    checkIterable(value, how);
  } catch (error) {
    Promise.resolve()
      .then(closeOf(value))
      .catch(() => undefined);
    throw error;
  }
  if (value instanceof FileBody) return checkedFile(value, exchange);
  if (isSyncIterable(value)) return checkedSync(value, exchange);
  return checkedAsync(value as AsyncIterable<unknown>, exchange);
}

// What the validator knows about one call of the app, shared by the startResponse/write side and
// the body side, and the checks on body bytes (write() and body chunks alike, unless noted).

import { describeValue } from '../core/errors.js';
import { ValidationError, byteCount } from './errors.js';

export interface Exchange {
  /** REQUEST_METHOD: a HEAD body is produced but never sent, so its length is not checked. */
  readonly method: string;
  /** The status that stands (the last accepted startResponse), null before. */
  status: string | null;
  /** The Content-Length that stands, null when none was declared. */
  contentLength: number | null;
  /** Body bytes produced so far, by write() and by the body together. */
  produced: number;
  /** The body ended or was closed: write() is over. */
  ended: boolean;
  /** The server consumed the body to its end (or took the file it wraps). */
  consumed: boolean;
  /** How many times the server called the body's close(). */
  closes: number;
}

export function newExchange(method: string): Exchange {
  return { method, status: null, contentLength: null, produced: 0, ended: false, consumed: false, closes: 0 };
}

/** Rule 9: a chunk is bytes or text; `where` says who gave it ("write()", "The body"). */
export function checkChunk(chunk: unknown, where: string): asserts chunk is Uint8Array | string {
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return;
  throw new ValidationError('ISAPI_VALIDATE_CHUNK_TYPE', [where, describeValue(chunk)]);
}

/** The UTF-8 length of a string chunk: what the core will send for it. */
export function byteLength(chunk: Uint8Array | string): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;
}

/** Rule 8: bytes need a status first. Empty chunks carry no bytes, so they may come earlier. */
export function checkStartedFor(exchange: Exchange, bytes: number, where: string): void {
  if (bytes > 0 && exchange.status === null) {
    throw new ValidationError('ISAPI_VALIDATE_BODY_BEFORE_START', [where, byteCount(bytes)]);
  }
}

/** Rule 8: write() belongs to an open response. */
export function checkWriteOpen(exchange: Exchange): void {
  if (exchange.ended) {
    const when = exchange.closes > 0 ? "the body's close() was called" : 'the body had ended';
    throw new ValidationError('ISAPI_VALIDATE_WRITE_AFTER_END', [when]);
  }
}

/** Rule 10: by the end of the body, the app must have called startResponse. */
export function checkStartedAtEnd(exchange: Exchange, what: string): void {
  if (exchange.status === null) throw new ValidationError('ISAPI_VALIDATE_NO_START_RESPONSE', [what]);
}

/**
 * Rule 15: checks a body of `total` bytes against the declared Content-Length: never more than
 * declared, and exactly that much once `ending`. HEAD is exempt (its body is dropped and the header
 * describes the GET body), and 204/304 may end short, as the core allows.
 */
export function checkLength(exchange: Exchange, total: number, ending: boolean): void {
  const declared = exchange.contentLength;
  if (declared === null || exchange.method === 'HEAD') return;
  if (total > declared) throw new ValidationError('ISAPI_VALIDATE_BODY_LENGTH', [declared, `reached ${byteCount(total)}`]);
  const code = exchange.status?.slice(0, 3);
  if (ending && total < declared && code !== '204' && code !== '304') {
    throw new ValidationError('ISAPI_VALIDATE_BODY_LENGTH', [declared, `ended after ${byteCount(total)}`]);
  }
}

/** Rule 15: counts `bytes` more body bytes, then checks the new total. */
export function countBytes(exchange: Exchange, bytes: number, ending: boolean): void {
  exchange.produced += bytes;
  checkLength(exchange, exchange.produced, ending);
}

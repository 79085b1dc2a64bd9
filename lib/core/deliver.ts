// Iterating what the app returned. A synchronous body is pulled one chunk ahead, so the outbox
// knows which chunk is the last and a one-chunk answer is a single send; an asynchronous body is
// sent chunk by chunk as it comes (a stream must not wait for its next event to flush the previous
// one). Each send is awaited before the next chunk is asked for: the client's pace sets the app's.

import { toBytes } from './chunks.js';
import type { ClientGone } from './client-gone.js';
import { ClientGoneError, IsapiError, describeValue } from './errors.js';
import { FileBody } from './file-wrapper.js';
import type { Outbox } from './outbox.js';

export interface Delivery {
  outbox: Outbox;
  gone: ClientGone;
  /** Settles like the promise, or rejects as soon as the client is gone. */
  untilGone<T>(promise: Promise<T>): Promise<T>;
  /** HEAD: let the outbox add the Content-Length of what the body would have been. */
  countLength: boolean;
}

function isSyncIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function throwIfGone(gone: ClientGone): void {
  if (gone.isGone) throw new ClientGoneError();
}

export async function deliver(body: unknown, delivery: Delivery): Promise<void> {
  // A file that is the whole body goes out through TRANSMIT_FILE. Descriptor 0 cannot: with the
  // Linux ABI's fd-as-HANDLE convention it would be a NULL handle, so it is read like any body.
  if (body instanceof FileBody) {
    const file = await delivery.untilGone(body.open());
    throwIfGone(delivery.gone);
    if (file.fd !== 0) return delivery.outbox.finish(file, body.contentLengthHeader);
  }
  if (typeof body === 'string' || body instanceof Uint8Array) {
    // Both are iterable, one character or one number at a time: never what the app meant.
    throw new IsapiError('ISAPI_BAD_BODY', `${describeValue(body)}; return [body] to send it as one chunk`);
  }
  if (isSyncIterable(body)) return deliverChunks(body[Symbol.iterator](), true, delivery);
  if (isAsyncIterable(body)) return deliverChunks(body[Symbol.asyncIterator](), false, delivery);
  throw new IsapiError('ISAPI_BAD_BODY', describeValue(body));
}

/**
 * The one loop over a body's chunks. `sync` bodies are pulled without awaiting (each chunk is held
 * back until the next shows whether it was the last); asynchronous ones race the client leaving.
 */
async function deliverChunks(iterator: Iterator<unknown> | AsyncIterator<unknown>, sync: boolean, delivery: Delivery): Promise<void> {
  const { outbox, gone } = delivery;
  // Whether the iterator finished by itself; otherwise it is told to stop (its finally blocks run).
  let finished = false;
  try {
    for (;;) {
      throwIfGone(gone);
      let step: IteratorResult<unknown>;
      try {
        step = sync
          ? (iterator as Iterator<unknown>).next()
          : await delivery.untilGone(Promise.resolve((iterator as AsyncIterator<unknown>).next()));
      } catch (error) {
        // A next() that threw or rejected means the iterator is done; a lost race with the client is not.
        finished = !gone.isGone;
        throw error;
      }
      if (step.done) {
        finished = true;
        break;
      }
      const chunk = toBytes(step.value);
      if (chunk.length === 0) continue;
      outbox.push(chunk, sync);
      await outbox.drain();
    }
  } finally {
    if (!finished) (sync ? stopSync : stopAsync)(iterator as Iterator<unknown> & AsyncIterator<unknown>);
  }
  throwIfGone(gone);
  await outbox.finish(null, delivery.countLength);
}

/** Like for-of on an early exit. Its own failure is not the error being handled, so it is dropped. */
function stopSync(iterator: Iterator<unknown>): void {
  try {
    iterator.return?.();
  } catch {
    // The request is already failing for a better reason.
  }
}

/** Not awaited: a generator stuck in an await would only settle return() once it resumes. */
function stopAsync(iterator: AsyncIterator<unknown>): void {
  try {
    Promise.resolve(iterator.return?.()).catch(() => undefined);
  } catch {
    // As above.
  }
}

// One conversion for everything an app hands over as body bytes (write() and body chunks alike).

import { IsapiError, describeValue } from './errors.js';

const encoder = new TextEncoder();

/** A chunk as bytes: strings become UTF-8, Uint8Arrays (Buffers included) pass as they are. */
export function toBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  throw new IsapiError('ISAPI_BAD_CHUNK', describeValue(chunk));
}

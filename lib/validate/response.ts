// Rules 3 to 8 (and 15 for write()): the app's calls into startResponse and write. Every check runs
// before the server's own callable, and throws to the app at the call that broke the rule. The
// status and header checks are the core's (lib/core/headers.ts), so the validator and the server
// can never disagree on what a valid header is; their IsapiErrors become ValidationErrors here.

import { types } from 'node:util';
import { IsapiError, describeValue, type ErrorCode } from '../core/errors.js';
import { checkHeaderName, checkHeaderValue, checkHeaders, checkStatus, contentLengthOf } from '../core/headers.js';
import type { StartResponse, Write } from '../types.js';
import { ValidationError, type ValidationCode } from './errors.js';
import { byteLength, checkChunk, checkWriteOpen, countBytes, type Exchange } from './exchange.js';

/** Which validator code a core header error becomes. */
const FROM_CORE: Partial<Record<ErrorCode, ValidationCode>> = {
  ISAPI_BAD_STATUS: 'ISAPI_VALIDATE_STATUS',
  ISAPI_BAD_HEADERS: 'ISAPI_VALIDATE_HEADERS_TYPE',
  ISAPI_BAD_HEADER_NAME: 'ISAPI_VALIDATE_HEADER_NAME',
  ISAPI_BAD_HEADER_VALUE: 'ISAPI_VALIDATE_HEADER_VALUE',
  ISAPI_HOP_BY_HOP_HEADER: 'ISAPI_VALIDATE_HOP_BY_HOP_HEADER',
  ISAPI_BAD_CONTENT_LENGTH: 'ISAPI_VALIDATE_CONTENT_LENGTH_HEADER',
};

/** Runs a core check; its IsapiError comes out as the matching ValidationError, the core's text kept. */
function viaCore(check: () => void): void {
  try {
    check();
  } catch (error) {
    const code = error instanceof IsapiError ? FROM_CORE[error.code] : undefined;
    if (code === undefined) throw error;
    throw new ValidationError(code, [(error as IsapiError).message], { cause: error });
  }
}

/** Rule 3. */
export function checkStatusLine(status: unknown): void {
  viaCore(() => checkStatus(status));
}

/** Rule 4: the container, then each entry, with the conversion that fixes the common mistakes. */
export function checkHeaderList(headers: unknown): asserts headers is [string, string][] {
  if (headers instanceof Map) throw new ValidationError('ISAPI_VALIDATE_HEADERS_TYPE', ['as a Map (pass [...headers] instead)']);
  if (!Array.isArray(headers)) {
    const hint = typeof headers === 'object' && headers !== null ? ' (for a plain object, pass Object.entries(headers))' : '';
    throw new ValidationError('ISAPI_VALIDATE_HEADERS_TYPE', [`that are ${describeValue(headers)}${hint}`]);
  }
  headers.forEach((pair: unknown, index) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      const what = Array.isArray(pair) ? `an array of ${pair.length} items` : describeValue(pair);
      throw new ValidationError('ISAPI_VALIDATE_HEADERS_TYPE', [`whose entry ${index} is ${what}, not a [name, value] pair`]);
    }
    const [name, value] = pair as unknown[];
    if (typeof name !== 'string') {
      throw new ValidationError('ISAPI_VALIDATE_HEADERS_TYPE', [`whose entry ${index} has the name ${describeValue(name)}, not a string`]);
    }
    if (typeof value !== 'string') {
      const fix = typeof value === 'number' ? `; write String(${value})` : '';
      throw new ValidationError('ISAPI_VALIDATE_HEADERS_TYPE', [`whose entry ${index} (${JSON.stringify(name)}) has the value ${describeValue(value)}, not a string${fix}`]);
    }
  });
}

/** Rule 5: each name a token and no hop-by-hop header, each value clean, Content-Length well formed. */
export function checkHeaderFields(headers: [string, string][]): void {
  for (const [name, value] of headers) {
    viaCore(() => checkHeaderName(name));
    viaCore(() => checkHeaderValue(name, value));
  }
  // What is left for the whole list: the Content-Length rules (one header, decimal).
  viaCore(() => checkHeaders(headers));
}

/** Rule 6. */
export function checkNotStarted(exchange: Exchange): void {
  if (exchange.status !== null) throw new ValidationError('ISAPI_VALIDATE_START_RESPONSE_TWICE', [JSON.stringify(exchange.status)]);
}

/** Rule 7: an Error, from this realm or another (isNativeError sees through realms, instanceof does not). */
export function checkExcInfo(excInfo: unknown): void {
  if (excInfo instanceof Error || types.isNativeError(excInfo)) return;
  throw new ValidationError('ISAPI_VALIDATE_EXC_INFO', [`that is ${describeValue(excInfo)}, not an Error`]);
}

/**
 * The app's write(): rules 8, 9 and 15 checked before the server's write sees the chunk. Rule 8's
 * "before startResponse" needs no check here: write() only comes out of an accepted startResponse.
 */
function checkedWrite(write: Write, exchange: Exchange): Write {
  return (chunk) => {
    checkWriteOpen(exchange);
    checkChunk(chunk, 'write()');
    countBytes(exchange, byteLength(chunk), false);
    write(chunk);
  };
}

/** The startResponse the app sees. */
export function checkedStartResponse(startResponse: StartResponse, exchange: Exchange): StartResponse {
  let serverWrite: Write | null = null;
  let write: Write | null = null;
  return (status, headers, excInfo) => {
    // As in the core, null and undefined both mean "no excInfo".
    if (excInfo !== undefined && excInfo !== null) checkExcInfo(excInfo);
    else checkNotStarted(exchange);
    checkStatusLine(status);
    checkHeaderList(headers);
    checkHeaderFields(headers);
    // Once the headers left, this throws excInfo again; then what was set before still stands.
    const given = startResponse(status, headers, excInfo);
    exchange.status = status;
    exchange.contentLength = contentLengthOf(headers);
    // The same wrapper for the same server write, so the app sees the identity the server gives.
    if (write === null || given !== serverWrite) write = checkedWrite(given, exchange);
    serverWrite = given;
    return write;
  };
}

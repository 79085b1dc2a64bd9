// The ServerResponse a Node listener writes to: Node's own object for everything about headers
// (setHeader, getHeader, writeHead and their validation), with the body diverted into a
// ResponseBody instead of a socket. The diversion is made of own properties of the instance, not a
// subclass: Express swaps the prototype of every response for its own.
// IIS owns the connection, so hop-by-hop headers (the core's one list) are dropped from what the app
// set, as a proxy would; a WSGI app that sets one gets an error instead, since it asked for it by name.
import { STATUS_CODES, ServerResponse, type IncomingMessage } from 'node:http';
import { isHopByHop } from '../../core/headers.js';
import type { ResponseBody } from './response-body.js';

type Callback = (error?: Error | null) => void;
type Internals = ServerResponse & { _header?: string | null; _hasBody?: boolean; finished: boolean };

/**
 * Takes hop-by-hop headers out before Node serializes the head: left in, some change what Node
 * does (a Trailer header without chunked coding makes writeHead throw, a Transfer-Encoding one
 * turns off the Content-Length a whole body gets), and IIS would be the one to frame the body.
 */
function dropHopByHop(res: Internals, args: unknown[]): void {
  for (const name of res.getHeaderNames()) if (isHopByHop(name)) res.removeHeader(name);
  // writeHead(status, [reason,] headers): an object, or a flat or paired array of them.
  const at = typeof args[1] === 'string' ? 2 : 1;
  const headers = args[at];
  if (Array.isArray(headers)) {
    args[at] = Array.isArray(headers[0])
      ? headers.filter((pair: unknown[]) => !isHopByHop(String(pair[0])))
      : headers.flatMap((item: unknown, i: number) => (i % 2 === 1 || isHopByHop(String(item)) ? [] : [item, headers[i + 1]]));
  } else if (headers !== null && typeof headers === 'object') {
    args[at] = Object.fromEntries(Object.entries(headers).filter(([name]) => !isHopByHop(name)));
  }
}

/** The status and headers as Node serialized them (its own casing and repeats), less the
 *  connection headers Node adds on its own (Connection, Transfer-Encoding). */
function serializedHead(res: Internals): [string, [string, string][]] {
  const header = res._header ?? '';
  const headers: [string, string][] = [];
  // Line by line after the status line, read in place: this runs on every response, and splitting
  // the block made an array and a string per line only to be dropped.
  for (let at = header.indexOf('\r\n') + 2; at > 1 && at < header.length; ) {
    const next = header.indexOf('\r\n', at);
    const end = next < 0 ? header.length : next;
    const colon = header.indexOf(':', at);
    if (colon > at && colon < end) {
      const name = header.slice(at, colon);
      if (!isHopByHop(name)) headers.push([name, header.slice(colon + 1, end).trim()]);
    }
    at = end + 2;
  }
  const reason = res.statusMessage || STATUS_CODES[res.statusCode] || 'Unknown';
  return [`${res.statusCode} ${reason}`, headers];
}

export function createResponse(req: IncomingMessage, body: ResponseBody): ServerResponse {
  const res = new ServerResponse(req) as Internals;
  res.sendDate = false; // IIS dates the response
  // The request's socket, as on a real server: libraries watch res.socket for the connection's
  // end. Never written to: the body goes through ResponseBody.
  (res as { socket: unknown }).socket = req.socket;
  body.onDrain = () => res.emit('drain');
  const nodeWriteHead = ServerResponse.prototype.writeHead as (...args: unknown[]) => unknown;

  const writeHead = function (this: Internals, ...args: unknown[]) {
    dropHopByHop(res, args);
    nodeWriteHead.apply(res, args);
    body.setHead(...serializedHead(res));
    return res;
  };

  const write = function (chunk: unknown, encoding?: BufferEncoding | Callback, callback?: Callback): boolean {
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    if (res.destroyed) {
      if (callback) process.nextTick(callback, Object.assign(new Error('the client disconnected'), { code: 'ERR_STREAM_DESTROYED' }));
      return false;
    }
    if (res.writableEnded) {
      const error = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
      process.nextTick(() => {
        callback?.(error);
        res.emit('error', error);
      });
      return false;
    }
    if (!res.headersSent) res.writeHead(res.statusCode);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Uint8Array);
    if (bytes.byteLength > 0 && res._hasBody !== false) body.push(bytes, callback);
    else if (callback) process.nextTick(callback);
    return !body.needsDrain;
  };

  const end = function (chunk?: unknown, encoding?: BufferEncoding | Callback, callback?: Callback) {
    if (typeof chunk === 'function') [callback, chunk] = [chunk as Callback, undefined];
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    if (res.writableEnded) {
      if (callback) process.nextTick(callback);
      return res;
    }
    if (!res.headersSent) dropHopByHop(res, []);
    if (!res.headersSent && !res.hasHeader('content-length')) {
      // As Node does: a response ended before its head went out knows its whole length.
      const length = chunk == null ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : (chunk as Uint8Array).byteLength;
      if (res.statusCode >= 200 && res.statusCode !== 204 && res.statusCode !== 304) res.setHeader('Content-Length', length);
    }
    if (chunk != null) res.write(chunk, encoding as BufferEncoding);
    else if (!res.headersSent) res.writeHead(res.statusCode);
    res.finished = true;
    if (callback) res.once('finish', callback);
    body.end();
    return res;
  };

  Object.assign(res, {
    writeHead,
    write,
    end,
    flushHeaders: () => {
      if (!res.headersSent) res.writeHead(res.statusCode);
    },
    // 1xx interim responses are IIS's business.
    writeContinue: () => {},
    writeProcessing: () => {},
  });
  return res;
}

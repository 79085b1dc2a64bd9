// The IncomingMessage a Node listener receives: Node's own class, given the request line, the
// headers as received (so req.headers follows Node's casing and joining rules) and a body read
// from wsgi.input on demand.
import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Environ } from '../../types.js';

/** The most a single body read asks for. */
const READ_BYTES = 64 * 1024;

/** req.url: the raw target relative to the application (an app mounted at /app sees "/"). */
export function relativeUrl(environ: Environ): string {
  const pathInfo = environ.PATH_INFO;
  const query = environ.QUERY_STRING ? `?${environ.QUERY_STRING}` : '';
  const raw = environ.REQUEST_URI ?? '';
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  // The usual request, in the root application with nothing percent-encoded: the raw path is the
  // answer the segment arithmetic below would reach, without its arrays and decoding.
  if (!environ.SCRIPT_NAME && rawPath === pathInfo && rawPath.charCodeAt(0) === 0x2f && !rawPath.includes('%')) return `${rawPath}${query}`;
  // Drop as many raw segments as SCRIPT_NAME has; keep the client's own encoding of the rest.
  const scriptSegments = environ.SCRIPT_NAME ? environ.SCRIPT_NAME.split('/').length - 1 : 0;
  const rest = rawPath.split('/').slice(1 + scriptSegments);
  let path = scriptSegments && rest.length === 0 ? '' : `/${rest.join('/')}`;
  try {
    if (decodeURIComponent(path) !== pathInfo) path = encodeURI(pathInfo);
  } catch {
    path = encodeURI(pathInfo);
  }
  return `${path || '/'}${query}`;
}

type WithHeaderLines = IncomingMessage & { _addHeaderLines?: (headers: string[], n: number) => void };

export function buildRequest(environ: Environ, socket: Socket): IncomingMessage {
  const req = new IncomingMessage(socket) as WithHeaderLines;
  req.method = environ.REQUEST_METHOD;
  req.url = relativeUrl(environ);
  if (environ.SERVER_PROTOCOL === 'HTTP/1.1') {
    // Nearly every request: no need to take the version apart.
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
  } else {
    // HTTP/1.0 is 1.0 and HTTP/2 is 2.0, as Node's servers say; a protocol not in that form, 1.1.
    const version = /^HTTP\/(\d+)(?:\.(\d+))?$/.exec(environ.SERVER_PROTOCOL);
    req.httpVersionMajor = version ? Number(version[1]) : 1;
    req.httpVersionMinor = version ? Number(version[2] ?? 0) : 1;
    req.httpVersion = `${req.httpVersionMajor}.${req.httpVersionMinor}`;
  }

  const raw = [...environ['isapi.headers']];
  if (typeof req._addHeaderLines === 'function') {
    req._addHeaderLines(raw, raw.length); // Node's own rules: lower-case names, which repeats join and how
  } else {
    req.rawHeaders = raw;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      req.headers[name] = req.headers[name] === undefined ? raw[i + 1] : `${req.headers[name]}, ${raw[i + 1]}`;
    }
  }

  const input = environ['wsgi.input'];
  let reading = false;
  const internals = req as unknown as { _consuming: boolean; _readableState: { readingMore: boolean } };
  req._read = () => {
    // What IncomingMessage's own _read does on first use: it starts with readingMore set, so the
    // stream does not read ahead until someone consumes it.
    internals._consuming = true;
    internals._readableState.readingMore = false;
    if (reading) return;
    reading = true;
    input.read(READ_BYTES).then(
      (chunk) => {
        reading = false;
        if (chunk.length === 0) {
          req.complete = true;
          req.push(null);
        } else {
          req.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        }
      },
      (error: Error) => req.destroy(error),
    );
  };
  return req;
}

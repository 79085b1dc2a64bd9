// The Fetch Request for one environ: the URL the client asked for, its headers, its body as a
// pull-based stream over wsgi.input (nothing is read ahead of the handler), and the client-gone
// signal.
import type { Environ } from '../../types.js';

const WITHOUT_BODY = new Set(['GET', 'HEAD']);
const NON_ASCII = /[^\x00-\x7f]/;

/** A decoded path is put back into a URL: '%', '?' and '#' would change its meaning, the URL parser escapes the rest. */
const escapeUrlPart = (text: string, special: RegExp): string =>
  text.replace(special, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

export function requestUrl(environ: Environ): string {
  const scheme = environ['wsgi.url_scheme'];
  let host = typeof environ.HTTP_HOST === 'string' ? environ.HTTP_HOST : '';
  if (host === '') {
    const name = environ.SERVER_NAME.includes(':') ? `[${environ.SERVER_NAME}]` : environ.SERVER_NAME;
    const defaultPort = scheme === 'https' ? '443' : '80';
    host = environ.SERVER_PORT === '' || environ.SERVER_PORT === defaultPort ? name : `${name}:${environ.SERVER_PORT}`;
  }
  const path = escapeUrlPart(`${environ.SCRIPT_NAME}${environ.PATH_INFO}`, /[%?#]/g);
  const query = environ.QUERY_STRING === '' ? '' : `?${escapeUrlPart(environ.QUERY_STRING, /#/g)}`;
  return `${scheme}://${host}${path}${query}`;
}

/**
 * Header values as Node's own http server would show them: the bytes received, one character per
 * byte. The environ holds them decoded as UTF-8, which a Headers object (Latin-1 only) may refuse.
 */
const asReceived = (value: string): string => (NON_ASCII.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value);

/** HTTP_X_FOO back into x-foo, plus CGI's CONTENT_TYPE and CONTENT_LENGTH. */
export function requestHeaders(environ: Environ): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(environ)) {
    if (key.startsWith('HTTP_') && typeof value === 'string') headers.append(key.slice(5).toLowerCase().replace(/_/g, '-'), asReceived(value));
  }
  if (environ.CONTENT_TYPE) headers.set('content-type', asReceived(environ.CONTENT_TYPE));
  if (environ.CONTENT_LENGTH) headers.set('content-length', environ.CONTENT_LENGTH);
  return headers;
}

/** wsgi.input as a stream that reads one chunk each time the handler asks for one. */
export function bodyStream(input: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const chunks = input[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const step = await chunks.next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    // Nothing buffered ahead: a chunk is read only for a pending read.
    { highWaterMark: 0 },
  );
}

export function toRequest(environ: Environ): Request {
  const method = environ.REQUEST_METHOD;
  // A stream body needs duplex: 'half' (Node's fetch), which not every RequestInit type declares.
  const init: RequestInit & { duplex: 'half' } = {
    method,
    headers: requestHeaders(environ),
    body: WITHOUT_BODY.has(method) ? null : bodyStream(environ['wsgi.input']),
    duplex: 'half',
    signal: environ['isapi.signal'],
  };
  const request = new Request(requestUrl(environ), init);
  // The Request's own signal follows ours through a WeakRef to an AbortController that nothing
  // else holds in the undici of Node 18 (5.x): after a garbage collection the client leaving
  // would never reach the handler. The Request's signal is ours itself instead, which the
  // request's transport keeps alive.
  Object.defineProperty(request, 'signal', { value: init.signal, configurable: true });
  return request;
}

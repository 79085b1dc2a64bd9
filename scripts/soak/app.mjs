// The app the soak run drives: one route per way a request can go (good, failing, fatal to its
// worker, hung, oversized, slow). Sizes and durations come from the query string, so the client
// side (mix.mjs) picks them with its seeded random and knows what answer to expect.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PIECE = Buffer.alloc(16 * 1024, 0x61);
const query = (environ) => new URLSearchParams(environ.QUERY_STRING);

/** The whole body, counted as it arrives (back-pressured by wsgi.input). */
async function countBody(environ) {
  let bytes = 0;
  for await (const chunk of environ['wsgi.input']) bytes += chunk.length;
  return bytes;
}

const routes = {
  '/hello'(environ, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return ['hello\n'];
  },
  // Streamed in 16 KiB pieces, with a Content-Length or chunked (?chunked=1), so both framings
  // see disconnects and worker ends.
  '/download'(environ, startResponse) {
    const q = query(environ);
    const size = Number(q.get('bytes'));
    const headers = [['Content-Type', 'application/octet-stream']];
    if (q.get('chunked') !== '1') headers.push(['Content-Length', String(size)]);
    startResponse('200 OK', headers);
    return (async function* () {
      for (let sent = 0; sent < size; sent += PIECE.length) yield PIECE.subarray(0, Math.min(PIECE.length, size - sent));
    })();
  },
  async '/upload'(environ, startResponse) {
    const bytes = await countBody(environ);
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [String(bytes)];
  },
  // A body read to its end, as an app that trusts the server to bound it: against a 40 MB chunked
  // upload, maxRequestBodyBytes must turn this into a 413 (or a closed connection). Counted, not
  // kept: an app that buffers holds up to the limit per request by design (the 30 MB text() case
  // is test/inprocess/body-limit.test.ts), and with tens at once that peak, not a leak, is what
  // RSS would show.
  async '/huge'(environ, startResponse) {
    const bytes = await countBody(environ);
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [String(bytes)];
  },
  '/throw'() {
    throw new Error('soak: a deliberate failure before the headers');
  },
  '/throw-after'(environ, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return (async function* () {
      yield 'partial\n';
      await sleep(1);
      throw new Error('soak: a deliberate failure after the headers');
    })();
  },
  // Ends this JavaScript worker (never the host process): its requests get 502, and the
  // extension's supervision starts a replacement.
  '/exit'() {
    process.exit(7);
  },
  // A synchronous infinite loop: nothing in the worker runs again until hangTimeoutMs's watchdog
  // terminates it.
  '/hang'() {
    for (;;) {}
  },
  async '/slow'(environ, startResponse) {
    await sleep(Number(query(environ).get('ms')));
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return ['slow\n'];
  },
  // A slow computation: 1 ms slices of CPU with the event loop free in between, for ?ms of wall
  // time or until isapi.signal says the client left (the extension notices within about a second
  // even though the app touches no request I/O). The stop is traced with the request id, so the
  // run can count how many departures the app heard of.
  async '/compute'(environ, startResponse) {
    const signal = environ['isapi.signal'];
    const until = Date.now() + Number(query(environ).get('ms'));
    while (Date.now() < until) {
      if (signal.aborted) {
        environ['wsgi.errors'].write(`soak: compute stopped by isapi.signal (request ${environ['isapi.request_id']})\n`);
        environ['wsgi.errors'].flush();
        throw new Error('soak: the client left');
      }
      const slice = Date.now() + 1;
      while (Date.now() < slice);
      await sleep(20);
    }
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return ['computed\n'];
  },
};

export default function soakApp(environ, startResponse) {
  const route = routes[environ.PATH_INFO];
  if (!route) {
    startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
    return ['no route\n'];
  }
  return route(environ, startResponse);
}

// The app the stress run drives: each route is one way a request can go, fast or slow, whole or
// broken, with server-variable lookups racing the sends.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PERIOD = Buffer.alloc(16 * 1024, 0x61);

const routes = {
  '/hello'(environ, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return ['hello\n'];
  },
  // Streams while asking IIS for server variables between chunks: the lookups race the
  // completions and, when the client leaves, the end of the session.
  '/vars-stream'(environ, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    const lookup = environ['isapi.server_variable'];
    return (async function* () {
      for (let i = 0; i < 16; i++) {
        lookup(i % 2 ? 'ALL_RAW' : 'URL');
        yield PERIOD;
        lookup('REMOTE_ADDR');
        await new Promise((r) => setImmediate(r));
      }
    })();
  },
  async '/upload'(environ, startResponse) {
    let bytes = 0;
    for await (const chunk of environ['wsgi.input']) bytes += chunk.length;
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [String(bytes)];
  },
  '/download'(environ, startResponse) {
    const size = Number(new URLSearchParams(environ.QUERY_STRING).get('bytes'));
    startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(size)]]);
    return (async function* () {
      for (let sent = 0; sent < size; sent += PERIOD.length) yield PERIOD.subarray(0, Math.min(PERIOD.length, size - sent));
    })();
  },
  '/throw'() {
    throw new Error('a deliberate failure before the headers');
  },
  '/throw-after'(environ, startResponse) {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return (async function* () {
      yield 'partial\n';
      await sleep(1);
      throw new Error('a deliberate failure after the headers');
    })();
  },
  async '/slow'(environ, startResponse) {
    await sleep(20);
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return ['slow\n'];
  },
};

export default function stressApp(environ, startResponse) {
  const route = routes[environ.PATH_INFO];
  if (!route) {
    startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
    return ['no route\n'];
  }
  return route(environ, startResponse);
}

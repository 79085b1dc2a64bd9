// A Hono 4 app served by isapi-node: app.fetch is a Fetch handler ((Request) => Response), which
// fromFetch runs unchanged. Bodies go through Hono's own request methods (c.req.json(),
// c.req.parseBody(), c.req.arrayBuffer() behind its bodyLimit middleware), streams through
// hono/streaming, and errors to Hono's own error handler.
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamText } from 'hono/streaming';
import { fromFetch, type Environ } from 'isapi-node';

/** The largest upload /upload accepts. */
const UPLOAD_LIMIT = 20 * 1024 * 1024;
/** Time between two lines of /stream, and between two ticks of /slow-stream. */
const EVENT_INTERVAL_MS = 50;
const TICK_INTERVAL_MS = 20;

const items = [
  { id: 1, name: 'apple' },
  { id: 2, name: 'pear' },
];

/** How many /slow-stream responses the client abandoned (the request's signal aborted). */
let closedStreams = 0;

// fromFetch hands Hono the environ as c.env. Routing on PATH_INFO makes the app work wherever IIS
// mounts it (the Request's URL is the full public URL, virtual directory included).
const app = new Hono<{ Bindings: Environ }>({ getPath: (_request, options) => options?.env?.PATH_INFO || '/' });

app.get('/api/items', (c) => c.json(items));

app.get('/api/items/:id', (c) => {
  const item = items.find((candidate) => candidate.id === Number(c.req.param('id')));
  return item ? c.json(item) : c.json({ error: 'not found' }, 404);
});

app.post('/api/items', async (c) => {
  const body = await c.req.json<Record<string, unknown>>();
  return c.json({ id: 3, ...body }, 201);
});

app.post('/form', async (c) => {
  const form = await c.req.parseBody();
  const name = typeof form.name === 'string' ? form.name : 'stranger';
  return c.text(`Hello, ${name}!`);
});

app.post('/upload', bodyLimit({ maxSize: UPLOAD_LIMIT }), async (c) => {
  const body = new Uint8Array(await c.req.arrayBuffer());
  return c.json({ bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') });
});

app.get('/stream', (c) =>
  streamText(c, async (out) => {
    for (let i = 1; i <= 5 && !out.aborted; i++) {
      if (i > 1) await out.sleep(EVENT_INTERVAL_MS);
      await out.write(`event ${i}\n`);
    }
  }),
);

app.get('/slow-stream', (c) => {
  const signal = c.req.raw.signal;
  signal.addEventListener('abort', () => closedStreams++, { once: true });
  return streamText(c, async (out) => {
    while (!signal.aborted && !out.aborted) {
      await out.write('tick\n');
      await out.sleep(TICK_INTERVAL_MS);
    }
  });
});

app.get('/closed', (c) => c.json({ closed: closedStreams }));

app.get('/error', () => {
  throw new Error('a failure inside a route');
});

// Hono learns the client's address from its runtime adapter (getConnInfo); a Fetch Request
// carries none, so there is no address to show.
app.get('/whoami', (c) => c.json({ path: c.req.path, ip: c.env.REMOTE_ADDR ?? null }));

export default fromFetch(app.fetch);

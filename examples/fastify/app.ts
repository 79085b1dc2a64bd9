// A Fastify 4 app served by isapi-node. Fastify is made ready at load (plugins, hooks and routes
// compiled) but never listens: each request reaches its router through fromNodeListener, on the
// (req, res) pair the adapter builds. Bodies go through Fastify's content-type parsers (its own JSON
// parser, and two added here for forms and raw uploads); errors go to Fastify's own error handler.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { fromNodeListener } from 'isapi-node';

/** The largest upload /upload accepts (Fastify's default body limit is 1 MiB). */
const UPLOAD_LIMIT = 20 * 1024 * 1024;
/** Time between two lines of /stream, and between two ticks of /slow-stream. */
const EVENT_INTERVAL_MS = 50;
const TICK_INTERVAL_MS = 20;

const items = [
  { id: 1, name: 'apple' },
  { id: 2, name: 'pear' },
];

/** How many /slow-stream responses the client abandoned (the response closed before its end). */
let closedStreams = 0;

const fastify = Fastify();

// What @fastify/formbody does, without the extra package.
fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body as string)));
});
fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (_req, body, done) => {
  done(null, body);
});

fastify.get('/api/items', async () => items);

fastify.get<{ Params: { id: string } }>('/api/items/:id', async (request, reply) => {
  const item = items.find((candidate) => candidate.id === Number(request.params.id));
  if (item) return item;
  return reply.code(404).send({ error: 'not found' });
});

fastify.post<{ Body: Record<string, unknown> }>('/api/items', async (request, reply) => {
  return reply.code(201).send({ id: 3, ...request.body });
});

fastify.post<{ Body: { name?: string } }>('/form', async (request, reply) => {
  return reply.type('text/plain').send(`Hello, ${request.body.name ?? 'stranger'}!`);
});

fastify.post<{ Body: Buffer }>('/upload', { bodyLimit: UPLOAD_LIMIT }, async (request) => {
  const body = request.body;
  return { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
});

fastify.get('/stream', (_request, reply) => {
  async function* events() {
    for (let i = 1; i <= 5; i++) {
      if (i > 1) await sleep(EVENT_INTERVAL_MS);
      yield `event ${i}\n`;
    }
  }
  return reply.type('text/plain').send(Readable.from(events()));
});

fastify.get('/slow-stream', (_request, reply) => {
  const out = new Readable({ read() {} });
  const timer = setInterval(() => out.push('tick\n'), TICK_INTERVAL_MS);
  const res = reply.raw;
  res.on('close', () => {
    clearInterval(timer);
    if (!res.writableFinished) closedStreams++;
  });
  return reply.type('text/plain').send(out);
});

fastify.get('/closed', async () => ({ closed: closedStreams }));

fastify.get('/error', async () => {
  throw new Error('a failure inside a route');
});

fastify.get('/whoami', async (request) => ({ path: request.url.split('?')[0], ip: request.ip }));

await fastify.ready();

export default fromNodeListener((req, res) => fastify.routing(req, res));

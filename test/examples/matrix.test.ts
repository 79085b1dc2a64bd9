// The framework examples (Express, Koa, Fastify, Hono) on the real path and on the dev server, both
// mounted at /app: every route answers the same on both, and what frameworks rely on from a server
// (body parsing, streaming, client disconnects, the request path and address, their own 500) works
// through the adapters on both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedBody, request, sha256, type Response } from '../support/http.js';
import { comparable, dropAfterFirstChunk, json, poll, send, watch, type Route } from './client.js';
import { FRAMEWORKS, MODES, startExample, type Framework, type Mode, type RunningExample } from './examples.js';

const MB = 1024 * 1024;
const ITEMS = [
  { id: 1, name: 'apple' },
  { id: 2, name: 'pear' },
];
const EVENTS = [1, 2, 3, 4, 5].map((i) => `event ${i}\n`).join('');
const SMALL_UPLOAD = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff));

/**
 * What each example shows at /whoami, mounted at /app. The Node frameworks get req.url relative to
 * the application and the client's address on req.socket. Hono gets a Fetch Request from fromFetch,
 * whose URL is the whole URL: the app is told its mount (basePath) and sees /app/whoami; and a
 * Request carries no client address (Hono asks its runtime adapter, getConnInfo, and fromFetch hands
 * it nothing to ask), so Hono has no address to show.
 */
const WHOAMI: Record<Framework, { path: string; ip: string | null }> = {
  express: { path: '/whoami', ip: '127.0.0.1' },
  koa: { path: '/whoami', ip: '127.0.0.1' },
  fastify: { path: '/whoami', ip: '127.0.0.1' },
  hono: { path: '/whoami', ip: '127.0.0.1' },
};

const isJson = (res: Response) => expect(res.headers['content-type']).toMatch(/^application\/json/);
const isText = (res: Response) => expect(res.headers['content-type']).toMatch(/^text\/plain/);

const ROUTES: Route[] = [
  {
    name: 'GET /api/items lists the items',
    method: 'GET',
    path: '/api/items',
    check: (res) => {
      expect(res.status).toBe(200);
      isJson(res);
      expect(json(res)).toEqual(ITEMS);
    },
  },
  {
    name: 'GET /api/items/:id finds an item',
    method: 'GET',
    path: '/api/items/2',
    check: (res) => {
      expect(res.status).toBe(200);
      isJson(res);
      expect(json(res)).toEqual(ITEMS[1]);
    },
  },
  {
    name: 'GET /api/items/:id answers 404 for an unknown item',
    method: 'GET',
    path: '/api/items/9',
    check: (res) => {
      expect(res.status).toBe(404);
      isJson(res);
      expect(json(res)).toEqual({ error: 'not found' });
    },
  },
  {
    name: 'POST /api/items creates an item from a JSON body',
    method: 'POST',
    path: '/api/items',
    headers: { 'Content-Type': 'application/json' },
    body: '{"name":"plum","price":3}',
    check: (res) => {
      expect(res.status).toBe(201);
      isJson(res);
      expect(json(res)).toEqual({ id: 3, name: 'plum', price: 3 });
    },
  },
  {
    name: 'POST /form reads a urlencoded field',
    method: 'POST',
    path: '/form',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'name=Ada+L%C3%B6velace&x=1',
    check: (res) => {
      expect(res.status).toBe(200);
      isText(res);
      expect(res.body.toString('utf8')).toBe('Hello, Ada Lövelace!');
    },
  },
  {
    name: 'POST /upload hashes a raw body',
    method: 'POST',
    path: '/upload',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: SMALL_UPLOAD,
    check: (res) => {
      expect(res.status).toBe(200);
      isJson(res);
      expect(json(res)).toEqual({ bytes: SMALL_UPLOAD.length, sha256: sha256(SMALL_UPLOAD) });
    },
  },
  {
    name: 'GET /stream sends five events',
    method: 'GET',
    path: '/stream',
    streamed: true,
    check: (res) => {
      expect(res.status).toBe(200);
      isText(res);
      expect(res.body.toString('utf8')).toBe(EVENTS);
    },
  },
  {
    name: 'GET /whoami shows the path below the mount and the client address',
    method: 'GET',
    path: '/whoami',
    check: (res, framework) => {
      expect(res.status).toBe(200);
      expect(json(res)).toEqual(WHOAMI[framework]);
    },
  },
  {
    name: "GET /error answers the framework's 500",
    method: 'GET',
    path: '/error',
    quotesStack: true,
    check: (res) => expect(res.status).toBe(500),
  },
  {
    name: "an unknown route answers the framework's 404",
    method: 'GET',
    path: '/no/such/route',
    check: (res) => expect(res.status).toBe(404),
  },
];

/** Bounds for waiting on the server side to notice a disconnect: 100 polls 50 ms apart. */
const POLL_ATTEMPTS = 100;
const POLL_INTERVAL_MS = 50;

describe.each(FRAMEWORKS)('the %s example', (framework) => {
  const running = {} as Record<Mode, RunningExample>;
  let hostStopped = false;

  beforeAll(async () => {
    const [host, dev] = await Promise.all(MODES.map((mode) => startExample(framework, mode)));
    running.host = host;
    running.serve = dev;
  });

  afterAll(async () => {
    await running.serve?.stop();
    if (!hostStopped) await running.host?.stop();
  });

  describe('answers every route the same on host and serve', () => {
    it.each(ROUTES)('$name', async (route) => {
      const [onHost, onServe] = await Promise.all([send(running.host.base, route), send(running.serve.base, route)]);
      route.check(onHost, framework);
      route.check(onServe, framework);
      expect(comparable(onServe, route)).toEqual(comparable(onHost, route));
    });
  });

  describe.each(MODES)('on %s', (mode) => {
    const base = () => running[mode].base;

    it("delivers a 10 MB upload to the framework's body parser intact", async () => {
      const upload = generatedBody(10 * MB, 5);
      const res = await request(`${base()}/upload`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(10 * MB) },
        body: upload.stream(),
      });
      expect(res.status).toBe(200);
      expect(json(res)).toEqual({ bytes: 10 * MB, sha256: upload.sha256 });
    });

    it('streams /stream: the first line arrives while the response is still open', async () => {
      const watched = await watch(`${base()}/stream`);
      expect(watched.status).toBe(200);
      expect(watched.body).toBe(EVENTS);
      // The first chunk is the first line alone: it left before the later lines were produced.
      expect(watched.events[0]).toBe('data:event 1\n');
      expect(watched.events.at(-1)).toBe('end');
      expect(watched.events.length).toBeGreaterThan(2);
    });

    it('tells the framework when the client disconnects from /slow-stream', async () => {
      const closed = async () => (json(await request(`${base()}/closed`)) as { closed: number }).closed;
      const before = await closed();
      const dropped = await dropAfterFirstChunk(`${base()}/slow-stream`);
      expect(dropped.status).toBe(200);
      expect(dropped.first.startsWith('tick\n')).toBe(true);
      const after = await poll(closed, (count) => count > before, POLL_ATTEMPTS, POLL_INTERVAL_MS);
      expect(after).toBe(before + 1);
    });

    it('shows the framework the request path and client address it sees at /app', async () => {
      const res = await request(`${base()}/whoami?x=1`);
      expect(json(res)).toEqual(WHOAMI[framework]);
    });

    it("answers /error with the framework's 500 and keeps serving", async () => {
      const failed = await request(`${base()}/error`);
      expect(failed.status).toBe(500);
      const next = await request(`${base()}/api/items`);
      expect(next.status).toBe(200);
      expect(json(next)).toEqual(ITEMS);
    });
  });

  it('host: isapi-host exits 0 with no ISAPI contract violations', async () => {
    hostStopped = true;
    const { code, stats } = await running.host.stop();
    expect(stats?.violations).toEqual([]);
    expect(stats?.sessions.active).toBe(0);
    expect(code).toBe(0);
  });
});


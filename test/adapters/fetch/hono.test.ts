// A real Hono app through fromFetch and the dev server: routes as people write them.
import http from 'node:http';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { stream } from 'hono/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromFetch } from '../../../lib/adapters/fetch/index.js';
import { serve, type DevServer } from '../../../lib/serve/index.js';
import { generatedBody, request, requestHashed } from '../../support/http.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const streamRelease = deferred();
const waitStarted = deferred();
const waitAborted = deferred<boolean>();
const streamAborted = deferred();

function honoApp(): Hono {
  const app = new Hono().basePath('/app');
  app.get('/json', (c) => c.json({ hello: 'world', path: c.req.path, q: c.req.query('q') ?? null }));
  app.post('/form', async (c) => c.json(await c.req.parseBody()));
  app.get('/stream', (c) =>
    stream(c, async (s) => {
      await s.write('one;');
      await streamRelease.promise;
      await s.write('two');
    }),
  );
  app.get('/ticks', (c) =>
    stream(c, async (s) => {
      s.onAbort(() => streamAborted.resolve());
      while (!s.aborted) {
        await s.write('tick\n');
        await s.sleep(5);
      }
    }),
  );
  app.get('/error', () => {
    throw new Error('route failed');
  });
  app.get('/cookies', (c) => {
    setCookie(c, 'session', 'abc', { path: '/', httpOnly: true });
    setCookie(c, 'theme', 'dark', { path: '/app' });
    return c.text('cookies set');
  });
  app.post('/echo', (c) => new Response(c.req.raw.body, { headers: { 'Content-Type': 'application/octet-stream' } }));
  app.get('/wait', async (c) => {
    waitStarted.resolve();
    const signal = c.req.raw.signal;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    waitAborted.resolve(signal.aborted);
    return c.text('too late');
  });
  app.onError((error, c) => c.text(`failed: ${error.message}`, 500));
  return app;
}

describe('a Hono app', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await serve(fromFetch(honoApp().fetch), { port: 0, scriptName: '/app', trace: () => undefined });
  });
  afterAll(() => server.close());

  it('answers JSON with its length', async () => {
    const res = await request(`${server.url}/json?q=x%20y`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-length']).toBe(String(res.body.length));
    expect(JSON.parse(res.body.toString())).toEqual({ hello: 'world', path: '/app/json', q: 'x y' });
  });

  it('answers 404 for an unknown route', async () => {
    const res = await request(`${server.url}/nowhere`);
    expect(res.status).toBe(404);
  });

  it('parses a urlencoded form', async () => {
    const res = await request(`${server.url}/form`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=Ada+Lovelace&lang=ts',
    });
    expect(JSON.parse(res.body.toString())).toEqual({ name: 'Ada Lovelace', lang: 'ts' });
  });

  it('parses a multipart form', async () => {
    const boundary = 'xYzZy';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nNotes\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="count"\r\n\r\n3\r\n--${boundary}--\r\n`;
    const res = await request(`${server.url}/form`, {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(JSON.parse(res.body.toString())).toEqual({ title: 'Notes', count: '3' });
  });

  it('streams with hono/streaming, each write reaching the client before the next', async () => {
    const chunks: string[] = [];
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get(`${server.url}/stream`, { agent: false }, (res) => {
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk.toString());
            if (chunks.length === 1) streamRelease.resolve();
          });
          res.on('end', () => resolve(res.statusCode!));
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
    expect(chunks).toEqual(['one;', 'two']);
  });

  it('answers its error handler’s 500', async () => {
    const res = await request(`${server.url}/error`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).toBe('failed: route failed');
  });

  it('sets two cookies as two Set-Cookie headers', async () => {
    const res = await request(`${server.url}/cookies`);
    expect(res.body.toString()).toBe('cookies set');
    expect(res.headers['set-cookie']).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark; Path=/app']);
  });

  it('echoes a 10 MB request body streamed both ways', async () => {
    const body = generatedBody(10 * 1024 * 1024, 11);
    const res = await requestHashed(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'Content-Length': String(10 * 1024 * 1024) },
      body: body.stream(),
    });
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(10 * 1024 * 1024);
    expect(res.sha256).toBe(body.sha256);
  });

  it('aborts c.req.raw.signal when the client disconnects', async () => {
    const client = http.get(`${server.url}/wait`, { agent: false });
    client.on('error', () => undefined);
    await waitStarted.promise;
    client.destroy();
    expect(await waitAborted.promise).toBe(true);
  });

  it('stops a hono/streaming stream when the client disconnects', async () => {
    const client = http.get(`${server.url}/ticks`, { agent: false }, (res) => res.once('data', () => client.destroy()));
    client.on('error', () => undefined);
    await streamAborted.promise;
  });
});

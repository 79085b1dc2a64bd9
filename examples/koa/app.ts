// A Koa 3 app with @koa/router served by isapi-node: app.callback() is a Node (req, res) listener,
// so fromNodeListener runs it unchanged. Koa has no body parser of its own and none is installed
// here, so bodies are read from ctx.req (a Node IncomingMessage) with a size limit; errors go to
// Koa's own error handling.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import Koa from 'koa';
import { fromNodeListener } from 'isapi-node';

/** The largest request body accepted, in bytes (/upload); JSON and forms get much less. */
const UPLOAD_LIMIT = 20 * 1024 * 1024;
const FORM_LIMIT = 100 * 1024;
/** Time between two lines of /stream, and between two ticks of /slow-stream. */
const EVENT_INTERVAL_MS = 50;
const TICK_INTERVAL_MS = 20;

const items = [
  { id: 1, name: 'apple' },
  { id: 2, name: 'pear' },
];

/** How many /slow-stream responses the client abandoned (the response closed before its end). */
let closedStreams = 0;

/** The whole request body, or a 413 past `limit` bytes. */
async function readBody(ctx: Koa.Context, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of ctx.req as IncomingMessage & AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) ctx.throw(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const router = new Router();

router.get('/api/items', (ctx) => {
  ctx.body = items;
});

router.get('/api/items/:id', (ctx) => {
  const item = items.find((candidate) => candidate.id === Number(ctx.params.id));
  if (item) {
    ctx.body = item;
  } else {
    ctx.status = 404;
    ctx.body = { error: 'not found' };
  }
});

router.post('/api/items', async (ctx) => {
  if (!ctx.is('application/json')) ctx.throw(415, 'send JSON');
  let body: unknown;
  try {
    body = JSON.parse((await readBody(ctx, FORM_LIMIT)).toString('utf8'));
  } catch {
    ctx.throw(400, 'invalid JSON');
  }
  ctx.status = 201;
  ctx.body = { id: 3, ...(body as Record<string, unknown>) };
});

router.post('/form', async (ctx) => {
  if (!ctx.is('application/x-www-form-urlencoded')) ctx.throw(415, 'send a form');
  const form = new URLSearchParams((await readBody(ctx, FORM_LIMIT)).toString('utf8'));
  ctx.type = 'text/plain';
  ctx.body = `Hello, ${form.get('name') ?? 'stranger'}!`;
});

router.post('/upload', async (ctx) => {
  const body = await readBody(ctx, UPLOAD_LIMIT);
  ctx.body = { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
});

router.get('/stream', (ctx) => {
  const out = new PassThrough();
  ctx.type = 'text/plain';
  ctx.body = out;
  void (async () => {
    for (let i = 1; i <= 5 && !out.destroyed; i++) {
      if (i > 1) await sleep(EVENT_INTERVAL_MS);
      out.write(`event ${i}\n`);
    }
    out.end();
  })();
});

router.get('/slow-stream', (ctx) => {
  const out = new PassThrough();
  ctx.type = 'text/plain';
  ctx.body = out;
  const timer = setInterval(() => out.write('tick\n'), TICK_INTERVAL_MS);
  const res = ctx.res;
  res.on('close', () => {
    clearInterval(timer);
    out.destroy();
    if (!res.writableFinished) closedStreams++;
  });
});

router.get('/closed', (ctx) => {
  ctx.body = { closed: closedStreams };
});

router.get('/error', () => {
  throw new Error('a failure inside a route');
});

router.get('/whoami', (ctx) => {
  ctx.body = { path: ctx.path, ip: ctx.ip };
});

const app = new Koa();
app.use(router.routes()).use(router.allowedMethods());

export default fromNodeListener(app.callback());

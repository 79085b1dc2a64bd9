// An Express 5 app served by isapi-node: the Express app is itself a Node (req, res) listener, so
// fromNodeListener runs it unchanged. Bodies go through Express's own parsers (express.json,
// express.urlencoded, express.raw); errors go to Express's own final handler.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { fromNodeListener } from 'isapi-node';

/** The largest upload /upload accepts. */
const UPLOAD_LIMIT = '20mb';
/** Time between two lines of /stream, and between two ticks of /slow-stream. */
const EVENT_INTERVAL_MS = 50;
const TICK_INTERVAL_MS = 20;

const items = [
  { id: 1, name: 'apple' },
  { id: 2, name: 'pear' },
];

/** How many /slow-stream responses the client abandoned (Express saw 'close' before the end). */
let closedStreams = 0;

const app = express();

app.get('/api/items', (_req, res) => {
  res.json(items);
});

app.get('/api/items/:id', (req, res) => {
  const item = items.find((candidate) => candidate.id === Number(req.params.id));
  if (item) res.json(item);
  else res.status(404).json({ error: 'not found' });
});

app.post('/api/items', express.json(), (req, res) => {
  res.status(201).json({ id: 3, ...(req.body as Record<string, unknown>) });
});

app.post('/form', express.urlencoded({ extended: false }), (req, res) => {
  const { name } = req.body as { name?: string };
  res.type('text/plain').send(`Hello, ${name ?? 'stranger'}!`);
});

app.post('/upload', express.raw({ type: 'application/octet-stream', limit: UPLOAD_LIMIT }), (req, res) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  res.json({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
});

app.get('/stream', async (_req, res) => {
  res.type('text/plain');
  for (let i = 1; i <= 5 && !res.destroyed; i++) {
    if (i > 1) await sleep(EVENT_INTERVAL_MS);
    res.write(`event ${i}\n`);
  }
  res.end();
});

app.get('/slow-stream', (_req, res) => {
  res.type('text/plain');
  const timer = setInterval(() => res.write('tick\n'), TICK_INTERVAL_MS);
  res.on('close', () => {
    clearInterval(timer);
    if (!res.writableFinished) closedStreams++;
  });
});

app.get('/closed', (_req, res) => {
  res.json({ closed: closedStreams });
});

app.get('/error', () => {
  throw new Error('a failure inside a route');
});

app.get('/whoami', (req, res) => {
  res.json({ path: req.path, ip: req.ip });
});

export default fromNodeListener(app);

// The adapter's own cost per request, apart from the host's: the Express app of apps/express.mjs
// run through fromNodeListener and runApp over an in-memory transport (no IIS, no native side), and
// the same app behind Node's real http server fed through an in-memory stream (its parser and
// serializer, no kernel socket). CPU time is the figure to read: on a shared 2-core machine wall
// time moves with whoever else is running.
//
//   node bench/micro/adapter.mjs [--mode adapter|http] [--app express|plain] [--dist DIR] [--requests N] [--warmup N]
//   node bench/micro/adapter.mjs --ab DIR_A DIR_B [--app ...] [--rounds R] [--requests N] [--warmup N]
//
// --dist picks the build to measure (a copy of dist/ keeps an old build for comparison); --ab
// compares two builds through the adapter: medians of CPU µs/request and of the B/A ratio.
import { spawnSync } from 'node:child_process';
import { Duplex } from 'node:stream';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { expressApp } from '../apps/express.mjs';
import { PLAINTEXT } from '../apps/routes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  options: {
    mode: { type: 'string', default: 'adapter' },
    app: { type: 'string', default: 'express' },
    dist: { type: 'string', default: path.join(here, '../../dist') },
    requests: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '5000' },
    ab: { type: 'boolean', default: false },
    pair: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
  },
  allowPositionals: true,
});
const requests = Number(values.requests);
// --app plain: what Express's res.send() does to the response, without Express, so the adapter's
// and the core's share stands out.
const listener =
  values.app === 'plain'
    ? (_req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.setHeader('Content-Length', String(PLAINTEXT.length));
        res.end(PLAINTEXT);
      }
    : expressApp;
const warmup = Number(values.warmup);

// What wrk and curl send: the headers every request of the real benchmark carries.
const HEADERS = ['Host', 'localhost:8080', 'User-Agent', 'curl/7.88.1', 'Accept', '*/*'];

async function adapterRunner(distDir) {
  const dist = pathToFileURL(path.resolve(distDir)).href;
  const { runApp } = await import(`${dist}/core/handler.js`);
  const { ClientGone } = await import(`${dist}/core/client-gone.js`);
  const { fromNodeListener } = await import(`${dist}/adapters/node/index.js`);
  const app = fromNodeListener(listener);
  const done = Promise.resolve();
  // Sends complete at once, as when IIS takes the bytes without waiting for the client.
  class MemoryTransport {
    gone = new ClientGone();
    bytes = 0;
    send(head, chunk) {
      this.bytes += chunk ? chunk.length : 0;
      return done;
    }
    sendFile() {
      return done;
    }
    read() {
      return Promise.resolve(null);
    }
    abort(reason) {
      throw new Error(`aborted: ${reason}`);
    }
    serverVariable() {
      return null;
    }
    trace(text) {
      console.error(text);
    }
  }
  const options = { multithread: false, multiprocess: false };
  let id = 0;
  return async () => {
    // A fresh record and transport per request, as the native side hands over.
    const record = {
      id: ++id,
      method: 'GET',
      path: '/plaintext',
      query: '',
      rawUrl: '/plaintext',
      headers: HEADERS.slice(),
      vars: {
        APPL_MD_PATH: '/LM/W3SVC/1/ROOT',
        REMOTE_ADDR: '127.0.0.1',
        REMOTE_PORT: '50123',
        LOCAL_ADDR: '127.0.0.1',
        SERVER_NAME: 'localhost',
        SERVER_PORT: '8080',
        SERVER_PROTOCOL: 'HTTP/1.1',
        HTTPS: 'off',
      },
      totalBytes: 0,
      preload: new Uint8Array(0),
    };
    const transport = new MemoryTransport();
    await runApp(app, record, transport, options);
    if (transport.bytes !== 13) throw new Error(`expected 13 body bytes, got ${transport.bytes}`);
  };
}

async function httpRunner() {
  // One keep-alive connection made of a Duplex: Node's server parses what we push and writes its
  // answer to _write, so the whole http path runs except the kernel.
  const server = http.createServer(listener);
  let onAnswer = () => {};
  let answer = '';
  const connection = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      answer += chunk.toString('latin1');
      if (answer.endsWith('Hello, World!')) {
        answer = '';
        onAnswer();
      }
      callback();
    },
  });
  server.emit('connection', connection);
  let request = 'GET /plaintext HTTP/1.1\r\n';
  for (let i = 0; i < HEADERS.length; i += 2) request += `${HEADERS[i]}: ${HEADERS[i + 1]}\r\n`;
  const bytes = Buffer.from(`${request}\r\n`, 'latin1');
  return () =>
    new Promise((resolve) => {
      onAnswer = resolve;
      connection.push(bytes);
    });
}

/** CPU and wall µs per request over `n` sequential requests. */
async function time(one, n) {
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await one();
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / n, wallUs: Number(process.hrtime.bigint() - wall0) / 1e3 / n };
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)];
const median = (xs) => quantile(xs, 0.5);
const round2 = (x) => Math.round(x * 100) / 100;

async function measure() {
  const one = values.mode === 'http' ? await httpRunner() : await adapterRunner(values.dist);
  for (let i = 0; i < warmup; i++) await one();
  const { cpuUs, wallUs } = await time(one, requests);
  console.log(JSON.stringify({ mode: values.mode, dist: values.dist, cpuUs: round2(cpuUs), wallUs: round2(wallUs) }));
}

// Both builds in one process, in alternating blocks of BLOCK requests: whatever else the machine
// is doing weighs on A and B alike, which separate runs a minute apart cannot promise.
const BLOCK = 200;

async function pair(dists) {
  const runners = await Promise.all(dists.map((dist) => adapterRunner(dist)));
  for (const one of runners) for (let i = 0; i < warmup; i++) await one();
  const blocks = runners.map(() => []);
  for (let b = 0; b < Math.ceil(requests / BLOCK); b++) {
    // A B, then B A: neither build always runs right after the other (and pays for its garbage).
    const order = b % 2 === 0 ? [0, 1] : [1, 0];
    for (const r of order) blocks[r].push((await time(runners[r], BLOCK)).cpuUs);
  }
  // Each second-build block against the first-build block beside it: steady when the load drifts.
  const ratio = median(blocks[1].map((cpu, b) => cpu / blocks[0][b]));
  console.log(JSON.stringify({ first: round2(median(blocks[0])), second: round2(median(blocks[1])), ratio }));
}

// The build loaded first runs faster in a shared process (Node's and Express's code sees the
// second build's objects as new shapes; about 10% with --app plain), so every round runs both
// orders, each in a fresh process, and the bias cancels in the geometric mean.
function compare([distA, distB]) {
  const rounds = Number(values.rounds);
  const a = [];
  const b = [];
  const ratios = [];
  const run = (first, second) => {
    const args = [fileURLToPath(import.meta.url), '--pair', '--app', values.app, '--requests', String(requests), '--warmup', String(warmup), first, second];
    const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  };
  for (let round = 0; round < rounds; round++) {
    const ab = run(distA, distB);
    const ba = run(distB, distA);
    a.push(ab.first, ba.second);
    b.push(ab.second, ba.first);
    ratios.push(Math.sqrt(ab.ratio / ba.ratio));
  }
  console.log(`A ${distA}: CPU µs/request median ${round2(median(a))} [${a.join(', ')}]`);
  console.log(`B ${distB}: CPU µs/request median ${round2(median(b))} [${b.join(', ')}]`);
  console.log(`B/A CPU: median ${median(ratios).toFixed(3)} [${ratios.map((r) => r.toFixed(3)).join(', ')}]`);
}

const dirs = positionals.map((dir) => path.resolve(dir));
if (values.pair) await pair(dirs);
else if (values.ab) compare(dirs);
else await measure();

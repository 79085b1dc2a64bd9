// The adapter's own cost per request, apart from the host's: the Express app of apps/express.mjs
// run through fromNodeListener and runApp over an in-memory transport (no IIS, no native side), and
// the same app behind Node's real http server fed through an in-memory stream (its parser and
// serializer, no kernel socket). CPU time is the figure to read: on a shared 2-core machine wall
// time moves with whoever else is running.
//
//   node bench/micro/adapter.mjs [--mode adapter|http] [--dist DIR] [--requests N] [--warmup N]
//   node bench/micro/adapter.mjs --ab DIR_A DIR_B [--rounds R] [--mode ...]
//
// --dist picks the build to measure (a copy of dist/ keeps an old build for comparison); --ab runs
// the two builds in alternating child processes, so drift in the machine's load hits both alike,
// and prints the medians.
import { spawnSync } from 'node:child_process';
import { Duplex } from 'node:stream';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { expressApp } from '../apps/express.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  options: {
    mode: { type: 'string', default: 'adapter' },
    dist: { type: 'string', default: path.join(here, '../../dist') },
    requests: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '5000' },
    ab: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
  },
  allowPositionals: true,
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);

// What wrk and curl send: the headers every request of the real benchmark carries.
const HEADERS = ['Host', 'localhost:8080', 'User-Agent', 'curl/7.88.1', 'Accept', '*/*'];

async function adapterRunner() {
  const dist = pathToFileURL(path.resolve(values.dist)).href;
  const { runApp } = await import(`${dist}/core/handler.js`);
  const { ClientGone } = await import(`${dist}/core/client-gone.js`);
  const { fromNodeListener } = await import(`${dist}/adapters/node/index.js`);
  const app = fromNodeListener(expressApp);
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
  const server = http.createServer(expressApp);
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

async function measure() {
  const one = values.mode === 'http' ? await httpRunner() : await adapterRunner();
  for (let i = 0; i < warmup; i++) await one();
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) await one();
  const wall = Number(process.hrtime.bigint() - wall0) / 1e3 / requests;
  const cpuUsed = process.cpuUsage(cpu0);
  const cpu = (cpuUsed.user + cpuUsed.system) / requests;
  console.log(JSON.stringify({ mode: values.mode, dist: values.dist, cpuUs: +cpu.toFixed(2), wallUs: +wall.toFixed(2) }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function compare([distA, distB]) {
  const results = { A: [], B: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, dist] of [['A', distA], ['B', distB]]) {
      const args = [fileURLToPath(import.meta.url), '--mode', values.mode, '--dist', dist, '--requests', String(requests), '--warmup', String(warmup)];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${name} failed: ${child.stderr}`);
      results[name].push(JSON.parse(child.stdout.trim().split('\n').pop()));
    }
  }
  for (const name of ['A', 'B']) {
    const cpu = results[name].map((r) => r.cpuUs);
    const wall = results[name].map((r) => r.wallUs);
    // The minimum is the run least disturbed by other processes; the median is the figure to quote.
    console.log(`${name}: CPU µs/request median ${median(cpu)} min ${Math.min(...cpu)} [${cpu.join(', ')}]; wall median ${median(wall)}`);
  }
}

if (values.ab) compare(positionals.map((dir) => path.resolve(dir)));
else await measure();

// The stress run: the real path (isapi-host in its hostile mode → isapi_node → embedded Node →
// scripts/stress/app.mjs) under a seeded mix of requests that go wrong in every way a client or an
// app can make them: disconnects mid-upload and mid-download, app errors before and after the
// headers, server-variable lookups racing the sends, and a SIGTERM while requests are in flight.
// It passes when the host exits 0 in strict mode with no contract violation, every session that
// started ended, no sanitizer spoke, and every request was answered or had its connection closed.
//
//   node scripts/stress/run.mjs [--requests 100000] [--concurrency 32] [--seed N] [--build Release]
//
// Bounded in count (--requests) and in time (--max-seconds); loopback only.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../seeded-random.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '32' },
    workers: { type: 'string', default: '2' },
    seed: { type: 'string' },
    build: { type: 'string', default: process.env.ISAPI_BUILD ?? 'Release' },
    'max-seconds': { type: 'string', default: '900' },
    'request-timeout-ms': { type: 'string', default: '30000' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const deadline = Date.now() + Number(values['max-seconds']) * 1000;
const requestTimeoutMs = Number(values['request-timeout-ms']);

const rand = seededRandom(seed);

// ---- the host ----
const dir = mkdtempSync(join(tmpdir(), 'isapi-stress-'));
const config = join(dir, 'isapi_node.json');
const statsFile = join(dir, 'stats.json');
const traceFile = join(dir, 'trace.log');
writeFileSync(config, JSON.stringify({ app: join(root, 'scripts/stress/app.mjs'), workers: Number(values.workers), trace: traceFile }));
const buildDir = join(root, 'build', values.build);
const host = spawn(
  join(buildDir, 'isapi-host'),
  ['--extension', join(buildDir, 'isapi_node.so'), '--port', '0', '--strict', '--hostile', '--seed', String(seed), '--stats-file', statsFile],
  { env: { ...process.env, ISAPI_NODE_CONFIG: config }, stdio: ['ignore', 'pipe', 'pipe'] },
);
let hostStderr = '';
host.stderr.on('data', (d) => (hostStderr += d));
const hostExit = new Promise((r) => host.on('exit', (code, signal) => r({ code, signal })));
const port = await new Promise((resolvePort, reject) => {
  let out = '';
  host.stdout.on('data', (d) => {
    out += d;
    const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
    if (m) resolvePort(Number(m[1]));
  });
  host.on('exit', () => reject(new Error(`isapi-host exited before listening:\n${hostStderr}`)));
});

// ---- the requests ----
const KINDS = [
  // [name, weight]
  ['hello', 30],
  ['vars-stream', 12],
  ['vars-stream-leave', 4],
  ['upload', 8],
  ['upload-leave', 4],
  ['download', 8],
  ['download-leave', 4],
  ['throw', 8],
  ['throw-after', 8],
  ['slow', 4],
  ['slow-leave', 2],
];
const weightSum = KINDS.reduce((s, [, w]) => s + w, 0);
function pickKind() {
  let r = rand() * weightSum;
  for (const [name, w] of KINDS) if ((r -= w) < 0) return name;
  return KINDS[0][0];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const counts = { answered: 0, closed: 0, left: 0, unexpected: 0, hung: 0, refusedAfterStop: 0 };
const unexpected = [];

/** One request; resolves with its outcome, never rejects. */
function one(kind) {
  return new Promise((done) => {
    const leave = kind.endsWith('-leave');
    const base = leave ? kind.slice(0, -'-leave'.length) : kind;
    const upload = base === 'upload';
    const path = base === 'download' ? '/download?bytes=1048576' : `/${base}`;
    const bodySize = 256 * 1024;
    let settled = false;
    const settle = (outcome, detail) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done({ outcome, kind, detail });
    };
    const req = http.request(
      { port, host: '127.0.0.1', path, method: upload ? 'POST' : 'GET', agent: leave ? false : agent, headers: upload ? { 'Content-Length': String(bodySize) } : {} },
      (res) => {
        let received = 0;
        const chunks = [];
        res.on('data', (c) => {
          received += c.length;
          if (received < 4096) chunks.push(c);
          if (leave) {
            req.destroy();
            settle('left');
          }
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          const ok =
            (base === 'hello' && res.statusCode === 200 && text === 'hello\n') ||
            (base === 'vars-stream' && res.statusCode === 200 && received === 16 * 16 * 1024) ||
            (base === 'upload' && res.statusCode === 200 && text === String(bodySize)) ||
            (base === 'download' && res.statusCode === 200 && received === 1048576) ||
            (base === 'throw' && res.statusCode === 500) ||
            (base === 'slow' && res.statusCode === 200 && text === 'slow\n') ||
            (res.statusCode === 503 && stopping);
          settle(ok ? 'answered' : 'unexpected', `${res.statusCode} ${received} bytes`);
        });
        res.on('error', () => settle(base === 'throw-after' || stopping ? 'closed' : 'unexpected', 'response cut'));
        res.on('aborted', () => settle(base === 'throw-after' || stopping ? 'closed' : 'unexpected', 'response aborted'));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      settle('hung', `no answer within ${requestTimeoutMs} ms`);
    }, requestTimeoutMs);
    req.on('error', (e) => {
      if (leave) return settle('left');
      if (stopping && (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET')) return settle('closed', e.code);
      settle(base === 'throw-after' ? 'closed' : 'unexpected', e.code ?? e.message);
    });
    if (upload) {
      // Half the body, then either the rest or (leaving) a closed connection mid-upload.
      req.write(Buffer.alloc(bodySize / 2, 0x62));
      if (leave) {
        setTimeout(() => {
          req.destroy();
          settle('left');
        }, 1);
      } else {
        req.end(Buffer.alloc(bodySize / 2, 0x62));
      }
    } else {
      req.end();
    }
  });
}

let stopping = false;
let issued = 0;
const started = Date.now();
async function lane() {
  while (issued < total && !stopping && Date.now() < deadline) {
    issued += 1;
    // The SIGTERM goes while the last requests are in flight.
    if (issued === total - concurrency) setTimeout(() => {
      stopping = true;
      host.kill('SIGTERM');
    }, 0);
    const r = await one(pickKind());
    counts[r.outcome] += 1;
    if (r.outcome === 'unexpected' || r.outcome === 'hung') unexpected.push(r);
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
agent.destroy();
const exit = await hostExit;
const seconds = (Date.now() - started) / 1000;

const stats = existsSync(statsFile) ? JSON.parse(readFileSync(statsFile, 'utf8')) : null;
const sanitizerReports = (hostStderr.match(/ERROR: AddressSanitizer|WARNING: ThreadSanitizer|ERROR: LeakSanitizer|runtime error:/g) ?? []).length;
const summary = {
  seed,
  build: values.build,
  requests: issued,
  seconds,
  perSecond: Math.round(issued / seconds),
  outcomes: counts,
  host: { exit: exit.code, signal: exit.signal, sessions: stats?.sessions, violations: stats?.violations?.length ?? null, refused: stats?.refused },
  sanitizerReports,
};
console.log(JSON.stringify(summary, null, 2));
for (const u of unexpected.slice(0, 10)) console.log('unexpected:', JSON.stringify(u));
if (stats?.violations?.length) console.log('violations:', JSON.stringify(stats.violations.slice(0, 10), null, 2));
if (sanitizerReports) console.log(hostStderr.slice(0, 8000));

const passed =
  exit.code === 0 &&
  stats !== null &&
  stats.violations.length === 0 &&
  stats.sessions.started === stats.sessions.done &&
  sanitizerReports === 0 &&
  counts.unexpected === 0 &&
  counts.hung === 0;
console.log(passed ? 'stress: passed' : 'stress: FAILED');
process.exit(passed ? 0 : 1);

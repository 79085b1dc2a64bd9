// The soak run: the real path (isapi-host in its hostile mode → isapi_node → embedded Node →
// scripts/soak/app.mjs) through several host sessions in a row, each under a seeded mix of good
// requests, app errors, worker ends (process.exit(), hangs), oversized bodies, disconnects and
// slow requests (mix.mjs), and each ended by a SIGTERM while requests are still in flight (the
// rolling restart). It passes when every session's host exits 0 in strict mode with no contract
// violation and every session it started done, every request got the answer its kind allows (or
// a failure explained by a worker end or the SIGTERM), none went unanswered, and the host's RSS
// grew by less than 64 MB within any session.
//
//   node scripts/soak/run.mjs [--requests 100000] [--sessions 5] [--concurrency 32] [--workers 2]
//                             [--seed N] [--build Release] [--max-seconds 3600] [--quick]
//                             [--client-timeout-ms 20000] [--skip kind,kind] [--weight kind=N,kind=N] [--keep]
//
// --quick: 15,000 requests over 3 sessions, bounded at 170 s. Bounded in count (--requests) and
// in time (--max-seconds, and a timeout on every wait); loopback only. --skip and --weight change
// the mix to narrow a failure down; --keep keeps the traces and stats files of a passing run.
//
// The pieces: app.mjs (the app), mix.mjs (the request kinds, the client, the verdict on each
// answer), host.mjs (configuration, isapi-host, RSS, trace notes), report.mjs
// (the checks and the tables).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { memoryOf, readTraceNotes, startHost } from './host.mjs';
import { KINDS, judge, makeMix, send } from './mix.mjs';
import { seededRandom } from '../seeded-random.mjs';
import { RSS_GROWTH_LIMIT_KB, evaluate, growthKb, printReport } from './report.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const options = {
  requests: { type: 'string' },
  sessions: { type: 'string' },
  concurrency: { type: 'string', default: '32' },
  workers: { type: 'string', default: '2' },
  seed: { type: 'string' },
  build: { type: 'string', default: process.env.ISAPI_BUILD ?? 'Release' },
  'max-seconds': { type: 'string' },
  // Above requestTimeoutMs (10 s) plus the sweeper's second: a request the extension is bound
  // to end has had its chance before the client gives up on it.
  'client-timeout-ms': { type: 'string', default: '20000' },
  skip: { type: 'string', default: '' },
  weight: { type: 'string', default: '' },
  keep: { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
};
function usage(message) {
  console.log(`soak: ${message}`);
  process.exit(2);
}
let values;
try {
  ({ values } = parseArgs({ options }));
} catch (e) {
  usage(e.message);
}
const quick = values.quick;
const total = Number(values.requests ?? (quick ? 15000 : 100000));
const sessions = Number(values.sessions ?? (quick ? 3 : 5));
const concurrency = Number(values.concurrency);
const workers = Number(values.workers);
const maxSeconds = Number(values['max-seconds'] ?? (quick ? 170 : 3600));
const clientTimeoutMs = Number(values['client-timeout-ms']);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
// --skip a,b and --weight a=N,b=M override the table's weights (out of its 10,000).
const weights = {};
const kindNamed = (name, option) =>
  KINDS[name] ? name : usage(`${option}: no kind "${name}" (kinds: ${Object.keys(KINDS).join(', ')})`);
for (const name of values.skip.split(',').filter(Boolean)) weights[kindNamed(name, '--skip')] = 0;
for (const pair of values.weight.split(',').filter(Boolean)) {
  const [name, w] = pair.split('=');
  weights[kindNamed(name, '--weight')] = Number(w);
  if (!(Number(w) >= 0)) usage(`--weight ${pair}: the weight must be a number, 0 or more`);
}
for (const [name, n] of Object.entries({ requests: total, sessions, concurrency, workers, 'max-seconds': maxSeconds }))
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a whole number above 0`);

const runStarted = Date.now();
const deadline = runStarted + maxSeconds * 1000;
const buildDir = join(root, 'build', values.build);
for (const file of ['isapi-host', 'isapi_node.so'])
  if (!existsSync(join(buildDir, file))) {
    console.log(`soak: ${join(buildDir, file)} is missing: build it first (npm run build), or name another build (--build, ISAPI_BUILD)`);
    process.exit(2);
  }
const rnd = seededRandom(seed);
const mix = makeMix(rnd, weights);
if (mix.names.length === 0) usage('--skip and --weight leave no kind to send');
const dir = mkdtempSync(join(tmpdir(), 'isapi-soak-'));

// Past the time bound with a grace for the last session's drain, something is stuck: the host
// started last is killed and the run fails rather than wait.
let currentHost = null;
setTimeout(() => {
  console.log(`soak: FAILED: still running ${maxSeconds + 90} s after the start (--max-seconds ${maxSeconds}); killing the host`);
  currentHost?.kill('SIGKILL');
  process.exit(1);
}, (maxSeconds + 90) * 1000).unref();

/**
 * The RSS after the warm-up and at the end as medians of ten one-second samples each (the ten
 * after the warm-up, the last ten before the SIGTERM): a single sample may fall while a worker is
 * being replaced and its heap is not yet grown, which is not what a leak looks like. Null for a
 * session too short for twenty samples; the point samples are used then.
 */
function settledGrowth({ trend, warmIndex }) {
  if (warmIndex === undefined || trend.length < warmIndex + 20) return null;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { startMb: median(trend.slice(warmIndex, warmIndex + 10)), endMb: median(trend.slice(-10)) };
}

/** One host session: its share of the requests, the rolling SIGTERM, the exit and the stats. */
async function runSession(n, share) {
  const started = Date.now();
  const host = await startHost({ n, dir, buildDir, hostSeed: (seed + n) % 2 ** 31, workers });
  currentHost = host.child;
  const session = { n, seed: host.hostSeed, share, sent: 0, seconds: 0, exit: null, stats: null };
  Object.assign(session, { memory: {}, counts: {}, oddities: [], traceNotes: {} });
  if (host.port instanceof Error) {
    session.startFailure = `${host.port.message}\n${host.stderr().slice(0, 4000)}`;
    session.exit = await host.exited;
    return session;
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const ctx = { port: host.port, agent, clientTimeoutMs };
  // The RSS is sampled once the workers are warm (JIT, heaps at their working size), and again
  // just before the SIGTERM: the growth between the two is what a leak would show as.
  const warmupAt = Math.max(1, Math.min(2000, Math.floor(share / 10)));
  const sigtermAt = Math.max(warmupAt + 1, share - concurrency);
  let sigtermTime = null;
  // And once a second in between, so that a growth past the limit shows whether it climbs (a
  // leak) or steps up and stays (memory the allocators keep after a peak).
  session.memory.trend = [];
  const sampler = setInterval(() => {
    const m = memoryOf(host.child.pid);
    if (m) session.memory.trend.push(Math.round(m.rss / 1024));
  }, 1000);
  const rollingSigterm = () => {
    if (sigtermTime !== null) return;
    clearInterval(sampler);
    session.memory.end = memoryOf(host.child.pid);
    sigtermTime = Date.now();
    host.child.kill('SIGTERM');
  };
  // Answers as expected are counted at once; the others wait for the session's end, when every
  // killer's interval is known (judge()).
  const killers = [];
  const doubtful = [];
  const count = (a, verdict) => {
    const byKind = (session.counts[a.kind] ??= { outcomes: {}, verdicts: {}, ms: 0, maxMs: 0, retried: 0 });
    byKind.outcomes[a.outcome] = (byKind.outcomes[a.outcome] ?? 0) + 1;
    if (a.retried) byKind.retried += 1;
    byKind.ms += a.t1 - a.t0;
    byKind.maxMs = Math.max(byKind.maxMs, a.t1 - a.t0);
    byKind.verdicts[verdict] = (byKind.verdicts[verdict] ?? 0) + 1;
  };
  async function lane() {
    // The last `concurrency` requests are sent after the SIGTERM: they meet the drain (a refused
    // connection, a kept-alive one closed as idle, a 503) as clients of a recycled process do.
    while (session.sent < share && Date.now() < deadline) {
      session.sent += 1;
      if (session.sent === warmupAt) {
        session.memory.start = memoryOf(host.child.pid);
        session.memory.warmIndex = session.memory.trend.length;
      }
      if (session.sent === sigtermAt) rollingSigterm();
      const { kind, plan } = mix.pick();
      const a = await send(kind, plan, ctx);
      if (KINDS[kind].killer) killers.push(a);
      if (a.outcome !== 'unanswered' && KINDS[kind].expect(a, plan)) count(a, 'expected');
      else doubtful.push(a);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  rollingSigterm(); // when --max-seconds cut the session short
  agent.destroy();
  session.memory.settled = settledGrowth(session.memory);
  for (const a of doubtful) {
    const verdict = judge(a, killers, sigtermTime);
    count(a, verdict);
    if (verdict === 'unexpected' || verdict === 'unanswered') session.oddities.push(a);
  }

  // Bounded: the host drains for at most 15 s; past 60 s it is stuck and killed.
  const exitTimer = setTimeout(() => host.child.kill('SIGKILL'), 60000);
  session.exit = await host.exited;
  clearTimeout(exitTimer);
  session.seconds = (Date.now() - started) / 1000;
  session.drainSeconds = (Date.now() - sigtermTime) / 1000;
  session.stats = existsSync(host.statsFile) ? JSON.parse(readFileSync(host.statsFile, 'utf8')) : null;
  const sanitizer = /ERROR: AddressSanitizer|WARNING: ThreadSanitizer|ERROR: LeakSanitizer|runtime error:/g;
  session.sanitizerReports = (host.stderr().match(sanitizer) ?? []).length;
  session.stderrHead = host.stderr().slice(0, 8000);
  session.traceNotes = readTraceNotes(host.traceFile);
  session.killersSent = killers.length;
  return session;
}

console.log(
  `soak: seed ${seed}, ${total} requests over ${sessions} host session(s), concurrency ${concurrency}, ${workers} workers, ` +
    `build ${values.build}, bound ${maxSeconds} s; kinds: ${mix.names.join(' ')}`,
);
const results = [];
for (let n = 0; n < sessions && Date.now() < deadline; n++) {
  const share = Math.floor(total / sessions) + (n < total % sessions ? 1 : 0);
  const s = await runSession(n, share);
  results.push(s);
  const growth = growthKb(s) === null ? '?' : Math.round(growthKb(s) / 1024);
  console.log(
    `soak: session ${n}: ${s.sent} requests in ${s.seconds.toFixed(1)} s, exit ${s.exit?.code ?? s.exit?.signal}, ` +
      `ISAPI sessions ${s.stats?.sessions?.started ?? '?'} started / ${s.stats?.sessions?.done ?? '?'} done, ` +
      `RSS growth ${growth} MB, worker ends ${s.traceNotes.workerEnds}`,
  );
  if (s.startFailure) break; // the next session would fail the same way
}

const seconds = (Date.now() - runStarted) / 1000;
const summary = { seed, build: values.build, total, sessions, maxSeconds, seconds, results, rssLimitKb: RSS_GROWTH_LIMIT_KB };
const failures = evaluate(summary);
printReport(summary, failures);
if (failures.length === 0 && !values.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`soak: configurations, traces and stats files kept in ${dir}`);
console.log(failures.length === 0 ? 'soak: passed' : 'soak: FAILED');
process.exit(failures.length === 0 ? 0 : 1);

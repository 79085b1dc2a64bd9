// The soak's host side: the extension's configuration, one isapi-host session started in its
// strict, hostile mode (as scripts/stress starts it), the host's memory, and what the extension's
// trace channel says happened to the JavaScript workers.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), 'app.mjs');

/** The extension's configuration (ISAPI_NODE_CONFIG) for one session. */
export function extensionConfig({ workers, trace }) {
  return {
    app,
    workers,
    trace,
    requestTimeoutMs: 10000, // short, so a stuck request shows within a client timeout
    shutdownTimeoutMs: 10000,
    // The soak ends workers on purpose (exit and hang kinds, tens per session): with the default
    // 5 ends in 5 minutes the supervisor would give up and answer every request 503. 1000 (the
    // largest allowed) keeps restarts going. The window stays at its default, so the backoff
    // still doubles up to 5 s per end and requests wait for a replacement when both workers are
    // down: that path is soaked too.
    rapidFailCount: 1000,
    hangTimeoutMs: 2000, // a hung worker ends within a few seconds, well inside the client timeout
    maxRequestBodyBytes: 30000000, // the huge kind sends 40 MB
    maxHeapMb: 512,
  };
}

/**
 * Starts isapi-host for session n (its files in `dir`) and waits, at most 30 s, for its port.
 * `port` is an Error when it did not start listening; `exited` resolves with its exit.
 */
export async function startHost({ n, dir, buildDir, hostSeed, workers }) {
  const config = join(dir, `isapi_node-${n}.json`);
  const statsFile = join(dir, `stats-${n}.json`);
  const traceFile = join(dir, `trace-${n}.log`);
  writeFileSync(config, JSON.stringify(extensionConfig({ workers, trace: traceFile }), null, 2));
  const child = spawn(
    join(buildDir, 'isapi-host'),
    ['--extension', join(buildDir, 'isapi_node.so'), '--port', '0', '--strict', '--hostile', '--seed', String(hostSeed),
      // The drain after the SIGTERM is bounded: past it the host abandons what is left.
      '--stats-file', statsFile, '--shutdown-timeout', '15000'],
    // Two glibc malloc arenas, not one per busy thread (up to 16 here): each arena keeps freed
    // memory at its own high-water mark, so with 32 concurrent requests over a dozen threads the
    // RSS steps up for minutes and then stays, which the growth check would take for a leak. With
    // the arenas capped the same mix grows by about 0 MB, so a real leak still shows. (Measured,
    // seed 654718161, 40,000 requests a session: the default arenas grew 35-75 MB per session,
    // and 110 MB without the worker restarts, flat after 12 s; two arenas, -0.5 MB for the full
    // mix.) IIS's own heap on Windows is another allocator.
    { env: { ...process.env, MALLOC_ARENA_MAX: '2', ISAPI_NODE_CONFIG: config }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 4 * 1024 * 1024) stderr += d; // bounded: only its head matters
  });
  const exited = new Promise((r) => {
    child.on('exit', (code, signal) => r({ code, signal }));
    child.on('error', (e) => r({ code: null, signal: null, error: e.message })); // could not be started
  });
  const port = await new Promise((resolvePort, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('isapi-host did not listen within 30 s')), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    exited.then(() => reject(new Error('isapi-host exited before listening')));
  }).catch((e) => {
    child.kill('SIGKILL');
    return e;
  });
  return { n, child, port, exited, statsFile, traceFile, hostSeed, stderr: () => stderr };
}

/** VmRSS and VmHWM (peak) of a process, in KiB; null once it is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** What the trace says happened inside: worker ends and restarts, and departures the app heard of. */
export function readTraceNotes(file) {
  const count = (trace, re) => (trace.match(re) ?? []).length;
  const trace = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return {
    // The worker's own record of a process.exit() (the exit kind calls process.exit(7)).
    exitCalls: count(trace, /\] JavaScript worker \d+ ended: process\.exit\(/g),
    // The watchdog's record of a worker it stopped (hangTimeoutMs), and the heap limit's.
    hangStops: count(trace, /\] JavaScript worker \d+: its event loop has not turned for/g),
    heapStops: count(trace, /\] JavaScript worker \d+ reached its heap limit/g),
    // The supervisor's record of each end it was not asked for, whatever the cause ("ended (exit
    // code 7)", "ended (its event loop was blocked …)"); a replacement that could not start is
    // logged again as an end of the same worker.
    workerEnds: count(trace, /\] JavaScript worker \d+ ended \(/g),
    restarts: count(trace, /\] JavaScript worker \d+ restarted/g),
    restartFailures: count(trace, /\] JavaScript worker \d+ could not be restarted/g),
    computeStops: count(trace, /soak: compute stopped by isapi\.signal/g),
  };
}

// The races IIS's threading exposes, driven through the host's hostile mode (HttpExtensionProc on
// a thread that does not own the connection; completions on other threads, delayed, or inline in
// the call that started them; jitter inside every callback) with fixed seeds, so a failure can be
// replayed with `isapi-host --seed`. The judges are the host's contract checks (DONE_WITH_SESSION
// while another thread is inside an ECB call, calls after DONE, DONE with I/O outstanding) and, in
// the sanitizer runs, AddressSanitizer and ThreadSanitizer.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean, type HostStats } from '../support/host.js';

const SEEDS = [11, 12, 13];

/** Runs `count` tasks, `lanes` at a time. */
async function inLanes(count: number, lanes: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** A GET whose client either reads the whole answer or leaves after the first bytes; resolves either way. */
function get(port: number, path: string, leaveEarly: boolean): Promise<{ status?: number; bytes: number; left: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const req = http.get({ port, host: '127.0.0.1', path, agent: false }, (res) => {
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (leaveEarly) {
          req.destroy();
          resolve({ status: res.statusCode, bytes, left: true });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes, left: false }));
      res.on('error', () => resolve({ status: res.statusCode, bytes, left: true }));
    });
    req.on('error', () => resolve({ bytes, left: true }));
  });
}

async function withApp(seed: number, run: (app: RunningApp) => Promise<void>, hostArgs: string[] = []): Promise<HostStats> {
  const app = await startApp({ app: fixture('races.app.mjs'), workers: 2, hostArgs: ['--seed', String(seed), ...hostArgs] });
  let stats: HostStats;
  try {
    await run(app);
  } finally {
    // stopClean asserts zero violations and exit code 0 (strict mode).
    stats = await stopClean(app);
  }
  expect(stats.sessions.started).toBe(stats.sessions.done);
  return stats;
}

describe('server variables read between sends, clients leaving mid-response', () => {
  it.each(SEEDS)('seed %i: no ECB call overlaps or follows DONE_WITH_SESSION', async (seed) => {
    const outcomes = { whole: 0, left: 0 };
    await withApp(seed, async (app) => {
      await inLanes(300, 12, async (i) => {
        const r = await get(app.port, '/vars-stream', i % 5 === 0);
        if (r.left) outcomes.left++;
        else {
          expect(r).toEqual({ status: 200, bytes: 24 * 8 * 1024, left: false });
          outcomes.whole++;
        }
      });
    });
    expect(outcomes.whole).toBe(240);
  });
});

describe('an abort while a body read is outstanding', () => {
  it.each(SEEDS)('seed %i: the connection is cut, the session ends once, nothing follows', async (seed) => {
    let cutByServer = 0;
    await withApp(seed, async (app) => {
      await inLanes(60, 6, async () => {
        // A body announced and never sent: the app's read waits on the client when it fails.
        const cut = await new Promise<number>((resolve) => {
          const socket = net.connect(app.port, '127.0.0.1');
          const timer = setTimeout(() => {
            socket.destroy();
            resolve(0);
          }, 5000);
          const closed = () => {
            clearTimeout(timer);
            resolve(1);
          };
          socket.on('error', closed);
          socket.on('close', closed);
          socket.on('data', () => undefined);
          socket.write('POST /abort-while-reading HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
        });
        cutByServer += cut;
      });
      // No read-ahead: the request reaches the app although no body byte ever comes.
    }, ['--preload', '0']);
    expect(cutByServer).toBe(60);
  });
});

describe('a worker that ends its event loop while requests reach it', () => {
  it.each(SEEDS)('seed %i: every request is answered, the exit costs nothing but its own request', async (seed) => {
    await withApp(seed, async (app) => {
      const statuses: number[] = [];
      await inLanes(200, 8, async (i) => {
        const r = await get(app.port, i === 40 || i === 120 ? '/exit' : '/hello', false);
        if (r.status !== undefined) statuses.push(r.status);
      });
      // The exiting requests, and any others in flight on that worker, get 502; the workers are
      // replaced and every request is answered one way or the other.
      expect(statuses).toHaveLength(200);
      expect(statuses.every((s) => s === 200 || s === 502)).toBe(true);
      expect(statuses.filter((s) => s === 502).length).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('the shutdown deadline with a client that stopped reading', () => {
  it('cuts the stalled send short, waits for its completion, and ends every session before unloading', async () => {
    // TerminateExtension comes while the request runs (--terminate-early): the extension's own
    // deadline (300 ms) decides, long before the host's (10 s).
    const app = await startApp({
      app: fixture('races.app.mjs'),
      config: { shutdownTimeoutMs: 300 },
      hostArgs: ['--seed', '11', '--terminate-early', '--shutdown-timeout', '10000'],
    });
    let response!: http.IncomingMessage;
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ port: app.port, host: '127.0.0.1', path: '/download?bytes=268435456', agent: false }, (res) => {
        res.pause(); // never read: IIS's send stalls once the socket buffers are full
        response = res;
        setTimeout(resolve, 500);
      });
      req.on('error', reject);
    });
    const stats = await stopClean(app);
    expect(stats.extension.terminated).toBe(true);
    expect(stats.sessions).toMatchObject({ active: 0 });
    expect(stats.sessions.started).toBe(stats.sessions.done);
    // Reading again, the client finds its connection closed long before the 256 MB were sent.
    let received = 0;
    await new Promise<void>((resolve) => {
      response.on('data', (c: Buffer) => (received += c.length));
      response.on('close', () => resolve());
      response.resume();
    });
    expect(received).toBeLessThan(256 * 1024 * 1024);
    expect(app.trace()).toContain('1 request(s) still running at the shutdown deadline');
  });
});

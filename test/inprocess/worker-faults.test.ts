// A worker that goes wrong in ways it cannot report itself — a synchronous loop that never yields,
// a heap that only grows — is stopped and replaced; the IIS process and the other workers go on.
import { describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { outOfProcess } from '../support/hosting-model.js';
import { request } from '../support/http.js';

async function traceShows(app: RunningApp, text: string | RegExp, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = () => (typeof text === 'string' ? app.trace().includes(text) : text.test(app.trace()));
  while (!seen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(app.trace()).toMatch(text);
}

describe('the hang watchdog (hangTimeoutMs)', () => {
  it('stops a worker stuck in a synchronous loop, traces where it was, and replaces it', async () => {
    const app = await startApp({ app: fixture('faults.app.mjs'), workers: 2, config: { hangTimeoutMs: 1000 } });
    const started = Date.now();
    const spinning = request(`${app.url}/spin`);
    // The other worker serves meanwhile: one stuck request costs only itself.
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 3; i++) expect((await request(`${app.url}/hello`)).body.toString()).toBe('hello\n');
    const stuck = await spinning;
    expect(stuck.status).toBe(502);
    // Noticed within the timeout plus a quarter of it, and well before the request timeout.
    expect(Date.now() - started).toBeLessThan(10000);
    expect(app.trace()).toMatch(/JavaScript worker \d( \(pid \d+\))?: its event loop has not turned for \d+ ms \("hangTimeoutMs" is 1000\); it is stopped and replaced/);
    // The app's own stack, so the operator can find the loop (in process: V8 is interrupted; a
    // worker process is killed without one).
    if (!outOfProcess) expect(app.trace()).toMatch(/The app was at:\n {4}at spinForever \(file:\/\/.*faults\.app\.mjs:\d+:\d+\)/);
    await traceShows(app, /JavaScript worker \d ended \(its event loop was blocked for \d+ ms\); restarting it/);
    await traceShows(app, /JavaScript worker \d restarted/);
    for (let i = 0; i < 4; i++) expect((await request(`${app.url}/hello`)).status).toBe(200);
    const stats = await stopClean(app);
    expect(stats.sessions.active).toBe(0);
  });

  it('is off with hangTimeoutMs 0: the request timeout is then what answers', async () => {
    const app = await startApp({
      app: fixture('faults.app.mjs'),
      workers: 2,
      config: { hangTimeoutMs: 0, requestTimeoutMs: 1500, shutdownTimeoutMs: 1000 },
    });
    expect((await request(`${app.url}/spin`)).status).toBe(504);
    expect(app.trace()).not.toContain('has not turned');
    // The worker is still spinning: it cannot be stopped gracefully, so the host's shutdown ends
    // it by force within shutdownTimeoutMs; nothing else is left behind.
    await stopClean(app);
  });
});

describe('the heap limit (maxHeapMb)', () => {
  it('stops a worker whose heap fills up instead of aborting the process, and replaces it', async () => {
    const app = await startApp({ app: fixture('faults.app.mjs'), config: { maxHeapMb: 64 } });
    const hog = await request(`${app.url}/hog`);
    expect(hog.status).toBe(502);
    await traceShows(app, /JavaScript worker 0( \(pid \d+\))? reached its heap limit \(\d+ MB, "maxHeapMb"\): it is stopped and replaced/);
    await traceShows(app, /JavaScript worker 0 ended \(its heap reached the limit \(\d+ MB\)\); restarting it/);
    // The process is alive and the replacement serves.
    expect((await request(`${app.url}/hello`)).body.toString()).toBe('hello\n');
    const stats = await stopClean(app);
    expect(stats.sessions.active).toBe(0);
  });
});

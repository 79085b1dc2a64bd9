// A worker process that dies fails alone: only its requests in flight fail, the other worker keeps
// serving, the dead one is back within two seconds; a worker that keeps dying trips rapid-fail;
// and a host killed outright leaves no worker behind.
import { describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { childrenOf, running } from '../support/processes.js';
import { request } from '../support/http.js';
import { until } from '../support/wait.js';

const OUT_OF_PROCESS = { hostingModel: 'outofprocess', nodePath: process.execPath };

/** The host's worker processes (its children), by pid. */
const workers = (app: RunningApp): number[] => childrenOf(app.process.pid!);


describe('a worker process killed under load', () => {
  it('fails only its own requests in flight, and is back within 2 s', async () => {
    const app = await startApp({ app: fixture('process.app.mjs'), config: { ...OUT_OF_PROCESS, processes: 2 } });
    const [a, b] = await until(() => workers(app), (w) => w.length === 2, 5000);
    expect(b).toBeDefined();
    // Twelve slow requests, dispatched to the least busy worker: six each.
    const inFlight = Array.from({ length: 12 }, () => request(`${app.url}/slow?ms=600`));
    await new Promise((r) => setTimeout(r, 250));
    process.kill(a, 'SIGKILL');
    const killedAt = Date.now();
    const answers = await Promise.all(inFlight);
    const failed = answers.filter((r) => r.status === 502);
    const served = answers.filter((r) => r.status === 200);
    expect(failed.length + served.length).toBe(12);
    expect(failed.length).toBe(6);
    for (const r of served) expect(r.body.toString()).toBe(`slept 600 ms in ${b}\n`);

    const back = await until(() => workers(app), (w) => w.length === 2 && !w.includes(a), 2000);
    expect(back).toHaveLength(2);
    expect(back).toContain(b);
    expect(Date.now() - killedAt).toBeLessThan(2000);
    const later = await Promise.all(Array.from({ length: 20 }, () => request(`${app.url}/`)));
    for (const r of later) expect(r.status).toBe(200);
    expect(app.trace()).toMatch(new RegExp(`JavaScript worker \\d \\(pid ${a}\\): its connection closed, signal 9`));
    const stats = await stopClean(app);
    expect(stats.sessions.started).toBe(stats.sessions.done);
  });

  it('stops restarting after rapidFailCount deaths: 503 pages and REPORT_UNHEALTHY', async () => {
    const app = await startApp({ app: fixture('process.app.mjs'), config: { ...OUT_OF_PROCESS, rapidFailCount: 2 } });
    expect((await request(`${app.url}/die`)).status).toBe(502);
    await until(() => app.trace(), (t) => t.includes('restarted'), 5000);
    expect((await request(`${app.url}/die`)).status).toBe(502);
    await until(() => app.trace(), (t) => t.includes('no more restarts'), 5000);
    const refused = await request(`${app.url}/`);
    expect(refused.status).toBe(503);
    expect(refused.body.toString()).toContain('kept failing and are no longer restarted');
    const stats = await stopClean(app);
    expect(stats.unhealthy).toEqual([expect.stringContaining('the JavaScript workers ended 2 times')]);
  });

  it('leaves no worker alive when the host itself is killed', async () => {
    const app = await startApp({ app: fixture('process.app.mjs'), config: { ...OUT_OF_PROCESS, processes: 2 } });
    const pids = await until(() => workers(app), (w) => w.length === 2, 5000);
    expect(pids).toHaveLength(2);
    // One idle, one busy in a request: neither may outlive the host.
    void request(`${app.url}/slow?ms=10000`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await app.stop('SIGKILL').catch(() => undefined);
    const left = await until(() => pids.filter(running), (l) => l.length === 0, 2000);
    expect(left).toEqual([]);
  });
});

describe('dispatch to the least busy worker process', () => {
  it('counts a request as done once its worker sent the last of it, not when IIS completes the write', async () => {
    // IIS's completions of the final writes arrive late (up to 200 ms): a worker that has finished
    // its request must not look as busy as one that is stuck in a slow one.
    const app = await startApp({
      app: fixture('process.app.mjs'),
      config: { ...OUT_OF_PROCESS, processes: 2 },
      hostArgs: ['--completions', 'delayed', '--completion-delay-us', '200000'],
    });
    await until(() => workers(app), (w) => w.length === 2, 5000);
    const slow = request(`${app.url}/slow?ms=3000`);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const pids = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await request(`${app.url}/`);
      expect(res.status).toBe(200);
      pids.add(res.body.toString());
    }
    // All ten went to the idle worker, none waited behind the slow one.
    expect(pids.size).toBe(1);
    expect(Date.now() - started).toBeLessThan(2500);
    expect((await slow).status).toBe(200);
    await stopClean(app);
  });
});

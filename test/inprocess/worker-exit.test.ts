// An app that calls process.exit() ends its JavaScript worker, never the IIS process: the request
// in flight gets 502, the worker is replaced and the next requests are served; a worker that keeps
// ending trips rapid-fail protection (503, and IIS is asked to recycle the process).
import { describe, expect, it } from 'vitest';
import { fixture, startApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

const WRITTEN = 'written imperatively, then returned\n';

describe('process.exit() in an app', () => {
  it('answers 502 for that request, replaces the worker, and serves the next requests', async () => {
    const app = await startApp({ app: fixture('features.app.mjs') });
    const exiting = await request(`${app.url}/exit`);
    expect(exiting.status).toBe(502);
    expect(exiting.body.toString()).toContain('stopped while answering this request');
    // Sent while the only worker is being replaced: it waits for the new one.
    const after = await request(`${app.url}/write`);
    expect(after.status).toBe(200);
    expect(after.body.toString()).toBe(WRITTEN);
    expect(app.trace()).toContain('process.exit(7) was called');
    expect(app.trace()).toMatch(/JavaScript worker 0 ended \(exit code 7\); restarting it in \d+ ms/);
    expect(app.trace()).toContain('JavaScript worker 0 restarted');
    const stats = await stopClean(app);
    expect(stats.sessions.active).toBe(0);
    expect(stats.unhealthy).toEqual([]);
  });

  it('leaves the other workers serving while one is replaced', async () => {
    const app = await startApp({ app: fixture('features.app.mjs'), workers: 2 });
    expect((await request(`${app.url}/exit`)).status).toBe(502);
    for (let i = 0; i < 5; i++) expect((await request(`${app.url}/write`)).body.toString()).toBe(WRITTEN);
    await stopClean(app);
  });

  it('stops restarting after rapidFailCount ends: 503 pages and REPORT_UNHEALTHY to IIS', async () => {
    const app = await startApp({ app: fixture('features.app.mjs'), config: { rapidFailCount: 3 } });
    for (let i = 0; i < 3; i++) expect((await request(`${app.url}/exit`)).status).toBe(502);
    // A request that arrives before the supervisor has given up waits for a replacement that
    // never comes: it gets the generic 503 when it does give up.
    expect((await request(`${app.url}/write`)).status).toBe(503);
    for (let i = 0; i < 100 && !app.trace().includes('no more restarts'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(app.trace()).toContain('no more restarts');
    // From then on HttpExtensionProc answers at once, saying why.
    const refused = await request(`${app.url}/write`);
    expect(refused.status).toBe(503);
    expect(refused.body.toString()).toContain('kept failing and are no longer restarted');
    const stats = await stopClean(app);
    expect(stats.unhealthy).toEqual([expect.stringContaining('the JavaScript workers ended 3 times within 300000 ms')]);
  });
});

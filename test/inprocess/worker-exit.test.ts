// An app that calls process.exit() ends its JavaScript worker, never the IIS process: the request
// in flight and every later one are answered, other workers keep serving.
import { describe, expect, it } from 'vitest';
import { fixture, startApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

describe('process.exit() in an app', () => {
  it('ends only that worker: its request gets a 500, the host keeps running and answering', async () => {
    const app = await startApp({ app: fixture('features.app.mjs') });
    const exiting = await request(`${app.url}/exit`);
    expect(exiting.status).toBe(500);
    const after = await request(`${app.url}/write`);
    expect(after.status).toBe(500); // no worker left: answered, not hung
    expect(app.trace()).toContain('process.exit(7) was called');
    expect(app.trace()).toContain('no JavaScript worker is running');
    const stats = await stopClean(app);
    expect(stats.sessions.active).toBe(0);
  });

  it('leaves the other workers serving', async () => {
    const app = await startApp({ app: fixture('features.app.mjs'), workers: 2 });
    expect((await request(`${app.url}/exit`)).status).toBe(500);
    for (let i = 0; i < 5; i++) expect((await request(`${app.url}/write`)).body.toString()).toBe('written imperatively, then returned\n');
    await stopClean(app);
  });
});

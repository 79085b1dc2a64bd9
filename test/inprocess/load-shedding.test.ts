// Past maxPendingRequests (IIS's appConcurrentRequestLimit) a request is answered 503 with
// Retry-After at once, without reaching JavaScript, and the server recovers when the burst ends.
import { describe, expect, it } from 'vitest';
import { fixture, startApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

describe('load shedding', () => {
  it('answers 503 with Retry-After past maxPendingRequests, and serves again once the burst is over', async () => {
    const app = await startApp({ app: fixture('features.app.mjs'), config: { maxPendingRequests: 4 } });
    const burst = await Promise.all(Array.from({ length: 24 }, () => request(`${app.url}/slow?ms=400`)));
    const ok = burst.filter((r) => r.status === 200);
    const shed = burst.filter((r) => r.status === 503);
    expect(ok.length + shed.length).toBe(24);
    expect(ok.length).toBeGreaterThanOrEqual(4);
    expect(shed.length).toBeGreaterThanOrEqual(1);
    for (const r of shed) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.body.toString()).toContain('The server is busy');
    }
    expect(app.trace()).toContain('("maxPendingRequests"): answering 503 with Retry-After');
    const after = await request(`${app.url}/write`);
    expect(after.status).toBe(200);
    const stats = await stopClean(app);
    expect(stats.sessions.started).toBe(stats.sessions.done);
  });
});

// SIGTERM while requests are in flight: each is answered (or refused with 503), none is lost, and
// the extension stops cleanly (TerminateExtension) with no contract violation.
import { describe, expect, it } from 'vitest';
import { fixture, startApp } from '../support/app-host.js';
import { request } from '../support/http.js';

describe('shutdown with requests in flight', () => {
  it('answers every request in flight, then stops the runtime', async () => {
    const app = await startApp({ app: fixture('features.app.mjs'), workers: 2 });
    const inFlight = Array.from({ length: 40 }, (_, i) =>
      request(`${app.url}/slow?ms=${300 + (i % 10) * 40}`).then(
        (res) => ({ status: res.status, body: res.body.toString(), i }),
        (error: Error) => ({ status: 0, body: error.message, i }),
      ),
    );
    await new Promise((r) => setTimeout(r, 150));
    const stopped = app.stop('SIGTERM');
    const results = await Promise.all(inFlight);
    for (const r of results) {
      // Answered in full, or refused with 503 if it had not started: never lost.
      if (r.status === 200) expect(r.body).toBe(`slow ${300 + (r.i % 10) * 40}\n`);
      else expect(r.status).toBe(503);
    }
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    const { code, stats } = await stopped;
    expect(stats.violations).toEqual([]);
    expect(stats.sessions.active).toBe(0);
    expect(stats.extension.terminated).toBe(true);
    expect(code).toBe(0);
    expect(app.trace()).toMatch(/\[isapi-node\] stopped/);
  });
});

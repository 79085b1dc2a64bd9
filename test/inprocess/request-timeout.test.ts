// requestTimeoutMs: a request whose app has not finished by then is ended — a 504 page while no
// headers have left, a closed connection after — and the app sees isapi.signal fire.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

describe('requestTimeoutMs', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: fixture('features.app.mjs'), config: { requestTimeoutMs: 400 } });
  });
  afterAll(async () => {
    const stats = await stopClean(app);
    expect(stats.sessions.started).toBe(stats.sessions.done);
  });

  it('answers 504 for an app that has not started its answer in time', async () => {
    const started = Date.now();
    const res = await request(`${app.url}/slow?ms=5000`);
    expect(res.status).toBe(504);
    expect(res.body.toString()).toContain('The application did not answer in time.');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(app.trace()).toMatch(/request \d+ \(GET \/slow\) ran past "requestTimeoutMs" \(400 ms\)/);
  });

  it('closes the connection of a streamed answer that runs too long, and the app sees isapi.signal fire', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = http.get(`${app.url}/disconnect-watch`, { agent: false }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('ended'));
        res.on('aborted', () => resolve('cut'));
        res.on('error', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
    });
    expect(outcome).toBe('cut');
    for (let i = 0; i < 50 && !app.trace().includes('client gone seen: true'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(app.trace()).toContain('client gone seen: true');
  });

  it('leaves quick requests alone', async () => {
    const res = await request(`${app.url}/write`);
    expect(res.status).toBe(200);
  });
});

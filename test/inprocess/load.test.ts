// Many clients at once: every request answered, exactly, and the contract kept under load.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { fixture, startApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

const CLIENTS = 256;
const REQUESTS_EACH = 20;

describe('concurrency', () => {
  it(`answers ${CLIENTS} concurrent keep-alive clients × ${REQUESTS_EACH} requests, every one`, async () => {
    const app = await startApp({ app: fixture('hello.app.mjs'), hostArgs: ['--threads', '4'] });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    let answered = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < REQUESTS_EACH; i++) {
          const res = await request(`${app.url}/c${client}/r${i}`, { agent });
          expect(res.status).toBe(200);
          expect(res.body.toString()).toBe(`Hello from GET /c${client}/r${i}\n`);
          answered += 1;
        }
      }),
    );
    agent.destroy();
    expect(answered).toBe(CLIENTS * REQUESTS_EACH);
    const stats = await stopClean(app);
    expect(stats.sessions).toEqual({ started: CLIENTS * REQUESTS_EACH, done: CLIENTS * REQUESTS_EACH, active: 0 });
  });
});

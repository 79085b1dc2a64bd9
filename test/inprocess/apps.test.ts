// The real path for each kind of app module: HTTP → isapi-host → isapi_node.so → embedded Node → app.
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/build.js';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

let running: RunningApp | undefined;
afterEach(async () => {
  if (!running) return;
  const stats = await stopClean(running);
  running = undefined;
  expect(stats.sessions.active).toBe(0);
});

describe('app modules', () => {
  it('serves an ESM app: exact status, headers and body in one send', async () => {
    running = await startApp({ app: fixture('hello.app.mjs') });
    const res = await request(`${running.url}/greeting?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['content-length']).toBe('25');
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe('Hello from GET /greeting\n');
  });

  it('serves a CommonJS app exported as module.exports', async () => {
    running = await startApp({ app: fixture('hello.app.cjs') });
    expect((await request(`${running.url}/`)).body.toString()).toBe('Hello from CommonJS\n');
  });

  it('serves a named export chosen by the configuration', async () => {
    running = await startApp({ app: fixture('hello.app.cjs'), export: 'named' });
    expect((await request(`${running.url}/`)).body.toString()).toBe('Hello from a named CommonJS export\n');
  });

  it('serves the TypeScript demo app compiled to JavaScript', async () => {
    running = await startApp({ app: `${projectRoot}/examples/hello/dist/app.js` });
    const res = await request(`${running.url}/hello`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('Hello from isapi-node: GET /hello\n');
  });

  it('keeps serving on several JavaScript workers', async () => {
    running = await startApp({ app: fixture('hello.app.mjs'), workers: 3 });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => request(`${running!.url}/n${i}`)));
    answers.forEach((res, i) => expect(res.body.toString()).toBe(`Hello from GET /n${i}\n`));
  });
});

// maxRequestBodyBytes: a body announced larger is refused before the app runs, as IIS's request
// filtering does; a chunked body is counted as the app reads it, and nothing past the limit is read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { buildConfig } from '../support/build.js';
import { stopClean } from '../support/host.js';
import { memory, resetPeak } from '../support/memory.js';
import { generatedBody, rawExchange, request } from '../support/http.js';

const MB = 1024 * 1024;
const LIMIT = 30_000_000; // the default
// What the host may hold beyond the limit's 30 MB while it refuses the rest: buffers in flight, and
// under ThreadSanitizer the shadow of every byte the native code copied (a run measured 42.4 MB).
// Reading the whole 100 MB would exceed either.
const PEAK_BOUND = (buildConfig === 'Tsan' ? 48 : 40) * MB;
let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ app: fixture('faults.app.mjs') });
});
afterAll(async () => {
  const stats = await stopClean(app);
  expect(stats.sessions.active).toBe(0);
});


describe('maxRequestBodyBytes', () => {
  it('answers 413 to a 100 MB chunked upload read with text(), holding no more than the limit', async () => {
    const before = memory(app.process.pid, 'VmRSS');
    resetPeak(app.process.pid); // the peak (VmHWM) from now
    const res = await request(`${app.url}/text`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: generatedBody(100 * MB, 5).stream(),
    });
    expect(res.status).toBe(413);
    expect(res.body.toString()).toBe('Payload Too Large');
    expect(memory(app.process.pid, 'VmHWM') - before).toBeLessThan(PEAK_BOUND);
    expect(app.trace()).toContain(`[ISAPI_REQUEST_BODY_TOO_LARGE] IsapiError: The request body is larger than the ${LIMIT} bytes`);
  });

  it('refuses a Content-Length past the limit before the app runs, and closes the connection', async () => {
    // More than IIS reads ahead (the preload) and less than the body: the client is still sending.
    const head = `POST /app/text HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`;
    const answer = await rawExchange(app.port, Buffer.concat([Buffer.from(head), Buffer.alloc(256 * 1024, 0x61)]));
    expect(answer).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(answer).toContain('Connection: close\r\n');
    expect(answer).toContain('maxRequestBodyBytes');
  });

  it('lets a body of exactly the limit through', async () => {
    const res = await request(`${app.url}/text`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: generatedBody(LIMIT, 9).stream(),
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(String(LIMIT));
  });

  it('gives the app a clear error it may catch and answer itself', async () => {
    const res = await request(`${app.url}/bytes-caught`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: generatedBody(LIMIT + 1, 2).stream(),
    });
    expect(res.status).toBe(400);
    expect(res.body.toString()).toMatch(/^ISAPI_REQUEST_BODY_TOO_LARGE: The request body is larger than the 30000000 bytes this application accepts \("maxRequestBodyBytes"\)/);
  });
});

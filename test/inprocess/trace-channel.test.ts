// The trace channel under abuse: identical records folded into a count, the file rotated past
// traceMaxBytes (the previous one kept as FILE.1), so an app that logs in a loop cannot fill the disk.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

describe('the trace channel', () => {
  let app: RunningApp;
  let traceFile: string;
  beforeAll(async () => {
    app = await startApp({ app: fixture('iis-worst.app.mjs'), config: { traceMaxBytes: 200_000 } });
    traceFile = (JSON.parse(readFileSync(app.configFile, 'utf8')) as { trace: string }).trace;
  });
  afterAll(async () => {
    await stopClean(app);
  });

  it('folds identical records into one line and a count', async () => {
    expect((await request(`${app.url}/flood-trace?same=1000&distinct=1`)).status).toBe(200);
    const trace = app.trace();
    expect(trace.split('the same complaint again').length - 1).toBe(1);
    expect(trace).toContain('… the record above came 999 more time(s) within 10 s');
  });

  it('rotates the file past traceMaxBytes, keeping the previous one as FILE.1', async () => {
    expect((await request(`${app.url}/flood-trace?same=0&distinct=5000`)).status).toBe(200);
    expect(existsSync(`${traceFile}.1`)).toBe(true);
    expect(statSync(traceFile).size).toBeLessThanOrEqual(200_000);
    expect(statSync(`${traceFile}.1`).size).toBeLessThanOrEqual(200_000);
    expect(app.trace()).toContain('complaint number 4999');
  });
});

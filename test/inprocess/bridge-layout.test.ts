// The native binding and the JavaScript side agree on the bridge protocol, and the record carries
// exactly the server variables the dev server hands its apps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_VARIABLES } from '../../lib/core/record-variables.js';
import { expectedLayout } from '../../lib/runtime/bridge-protocol.js';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { outOfProcess } from '../support/hosting-model.js';
import { request } from '../support/http.js';

// The in-process bridge's own check: out of process, the frames are checked against shared vectors
// instead (test/outofprocess/frame-vectors.test.ts, test/worker/frames.test.ts).
describe.skipIf(outOfProcess)('the bridge protocol', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: fixture('layout.app.mjs') });
  });
  afterAll(async () => {
    await stopClean(app);
  });

  it('is the same in the native binding as in lib/runtime/bridge-protocol.ts', async () => {
    const res = await request(`http://127.0.0.1:${app.port}/`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual(expectedLayout());
  });

  it('carries the record variables of lib/core/record-variables.ts', async () => {
    const res = await request(`http://127.0.0.1:${app.port}/`);
    expect(JSON.parse(res.body.toString()).recordVariables).toEqual([...RECORD_VARIABLES]);
  });
});

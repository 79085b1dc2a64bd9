// Startup failures a user can cause: every request gets a 500 page naming the kind of failure,
// the trace channel gets the cause and the fix, and the host is never brought down.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { builtFile, projectRoot } from '../support/build.js';
import { stopClean } from '../support/host.js';
import { outOfProcess } from '../support/hosting-model.js';
import { request } from '../support/http.js';

let running: RunningApp | undefined;
afterEach(async () => {
  if (!running) return;
  await stopClean(running);
  running = undefined;
});

async function expectFailurePage(kind: string, traceMatches: RegExp) {
  const res = await request(`${running!.url}/anything`);
  expect(res.status).toBe(500);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.body.toString()).toContain(`Startup failure: ${kind}.`);
  expect(running!.trace()).toMatch(traceMatches);
}

describe('startup failures', () => {
  it('names a missing app module (app_not_found)', async () => {
    running = await startApp({ app: '/nonexistent/app.mjs' });
    await expectFailurePage('app_not_found', /\[app_not_found\]: the app module '\/nonexistent\/app\.mjs' does not exist/);
  });

  it('names an app that throws while loading (app_failed) with its stack', async () => {
    running = await startApp({ app: fixture('throws-at-load.app.mjs') });
    await expectFailurePage('app_failed', /this app fails while it is loaded\n\s+at /);
  });

  it('names an export that is not an app function (app_failed)', async () => {
    running = await startApp({ app: fixture('not-a-function.app.mjs') });
    await expectFailurePage('app_failed', /export "default" of .* is an object, not an app function/);
  });

  it('names a missing export (app_failed) and lists what the module exports', async () => {
    running = await startApp({ app: fixture('hello.app.mjs'), export: 'nope' });
    await expectFailurePage('app_failed', /has no export "nope" \(it exports: default\)/);
  });

  it('names a configuration that is not JSON (config_invalid)', async () => {
    running = await startApp({ app: fixture('hello.app.mjs'), rawConfig: '{ "app": ' });
    const res = await request(`${running.url}/`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).toContain('Startup failure: config_invalid.');
    // The trace file is named by the configuration it could not read: the cause goes to stderr.
    expect(running.stderr()).toMatch(/is not valid JSON/);
  });

  it('names an unknown configuration key (config_invalid)', async () => {
    running = await startApp({ app: fixture('hello.app.mjs'), config: { wrokers: 2 } });
    await request(`${running.url}/`);
    expect(running.stderr()).toMatch(/unknown key "wrokers"/);
  });

  it.each([
    ['hangTimeoutMs', -1, '"hangTimeoutMs" must be a whole number from 0 to 86400000'],
    ['maxRequestBodyBytes', 2 ** 53, '"maxRequestBodyBytes" must be a whole number from 0 to 9007199254740991'],
    ['maxHeapMb', '256', '"maxHeapMb" must be a whole number from 0 to 1048576'],
  ])('names a limit out of range: %s = %j (config_invalid)', async (key, value, message) => {
    running = await startApp({ app: fixture('hello.app.mjs'), config: { [key]: value } });
    expect((await request(`${running.url}/`)).body.toString()).toContain('Startup failure: config_invalid.');
    expect(running.stderr()).toContain(message);
  });

  // In-process only: out of process nothing of libnode or the runtime library is loaded.
  it.skipIf(outOfProcess)('takes the libnode ISAPI_NODE_LIBNODE names over the configuration, and names it when it fails', async () => {
    running = await startApp({
      app: fixture('hello.app.mjs'),
      config: { libnode: '/from/config/libnode.so.108' },
      env: { ISAPI_NODE_LIBNODE: '/from/env/libnode.so.108' },
    });
    await expectFailurePage('libnode_missing', /cannot load "libnode" '\/from\/env\/libnode\.so\.108' named in the ISAPI_NODE_LIBNODE environment variable/);
  });

  // In-process only: out of process nothing of libnode or the runtime library is loaded.
  it.skipIf(outOfProcess)('refuses a runtime library that speaks another version of the backend interface (runtime_failed)', async () => {
    // The extension loads the runtime beside itself: a copy of it with a newer runtime beside it.
    const dir = mkdtempSync(join(tmpdir(), 'isapi-abi-'));
    copyFileSync(builtFile('isapi_node.so'), join(dir, 'isapi_node.so'));
    copyFileSync(builtFile('abi_probe_backend.so'), join(dir, 'isapi_node_inproc.so'));
    running = await startApp({ app: fixture('hello.app.mjs'), extension: join(dir, 'isapi_node.so'), config: { packageRoot: projectRoot } });
    await expectFailurePage('runtime_failed', /speaks another version of the backend interface than the extension \(1\): install both from the same release/);
  });

  // In-process only: out of process nothing of libnode or the runtime library is loaded.
  it.skipIf(outOfProcess)('names a libnode that cannot be loaded (libnode_missing)', async () => {
    running = await startApp({ app: fixture('hello.app.mjs'), config: { libnode: '/nonexistent/libnode.so.108' } });
    await expectFailurePage('libnode_missing', /cannot load "libnode" '\/nonexistent\/libnode\.so\.108'/);
  });
});

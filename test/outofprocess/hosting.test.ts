// What only the out-of-process model has: the user's own Node, a private connection and secret,
// its output on the trace channel, and the startup failures of a Node that is missing or too old.
import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { projectRoot } from '../support/build.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

const OUT_OF_PROCESS = { hostingModel: 'outofprocess', nodePath: process.execPath };
const local = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

let running: RunningApp | undefined;
afterEach(async () => {
  if (!running) return;
  await stopClean(running);
  running = undefined;
});

async function json(url: string) {
  const res = await request(url);
  expect(res.status).toBe(200);
  return JSON.parse(res.body.toString()) as { version: string; pid: number; argv: string[]; env: Record<string, string> };
}

describe('the out-of-process model', () => {
  it("runs the machine's own Node, while in process the embedded libnode 18 runs", async () => {
    running = await startApp({ app: fixture('process.app.mjs'), config: OUT_OF_PROCESS });
    const outside = await json(`${running.url}/version`);
    expect(outside.version).toBe(process.version);
    expect(outside.pid).not.toBe(running.process.pid);
    await stopClean(running);
    running = await startApp({ app: fixture('process.app.mjs'), config: { hostingModel: 'inprocess', workers: 1 } });
    const inside = await json(`${running.url}/version`);
    expect(inside.version).toMatch(/^v18\./);
    expect(inside.version).not.toBe(process.version);
    expect(inside.pid).toBe(running.process.pid);
  });

  it('hands the worker its address and secret on standard input only', async () => {
    running = await startApp({ app: fixture('process.app.mjs'), config: OUT_OF_PROCESS });
    const seen = await json(`${running.url}/version`);
    expect(seen.argv).toEqual([process.execPath, join(projectRoot, 'dist', 'worker', 'main.js')]);
    for (const value of [...seen.argv, ...Object.values(seen.env)]) expect(value).not.toMatch(/isapi-node-.*worker\.sock|[0-9a-f]{64}/);
  });

  it('listens for the worker in a private 0700 folder, and names a worker that never connects', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'isapi-oop-tmp-'));
    const script = join(tmp, 'silent-node');
    writeFileSync(script, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(script, 0o755);
    const starting = startApp({ app: fixture('hello.app.mjs'), config: { ...OUT_OF_PROCESS, nodePath: script, startTimeoutMs: 1500 }, env: { TMPDIR: tmp } });
    let folders: string[] = [];
    for (let i = 0; i < 100 && folders.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      folders = readdirSync(tmp).filter((f) => f.startsWith('isapi-node-'));
    }
    expect(folders).toHaveLength(1);
    expect(statSync(join(tmp, folders[0])).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(tmp, folders[0]))).toEqual(['worker.sock']);
    running = await starting;
    expect((await request(`${running.url}/`)).body.toString()).toContain('Startup failure: runtime_failed.');
    expect(running.trace()).toMatch(/did not connect: the worker did not connect in time/);
    // The folder goes with the listener.
    expect(readdirSync(tmp).filter((f) => f.startsWith('isapi-node-'))).toEqual([]);
  });

  it("puts the worker's standard output and error on the trace channel, line by line, with its pid", async () => {
    running = await startApp({ app: fixture('process.app.mjs'), config: OUT_OF_PROCESS });
    const { pid } = await json(`${running.url}/version`);
    expect((await request(`${running.url}/print`)).status).toBe(204);
    for (let i = 0; i < 50 && !running.trace().includes('standard error'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(running.trace()).toContain(`[worker ${pid}] a line on standard output\n`);
    expect(running.trace()).toContain(`[worker ${pid}] a line on standard error\n`);
  });

  it('names a Node executable that is not there (node_not_found)', async () => {
    running = await startApp({ app: fixture('hello.app.mjs'), config: { ...OUT_OF_PROCESS, nodePath: '/nonexistent/node' } });
    const res = await request(`${running.url}/`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).toContain('Startup failure: node_not_found.');
    expect(running.trace()).toMatch(/\[node_not_found\]: cannot start the worker with "nodePath" '\/nonexistent\/node'.*set "nodePath"/);
  });

  it('names a Node that is too old (node_too_old)', async () => {
    running = await startApp({
      app: fixture('hello.app.mjs'),
      config: OUT_OF_PROCESS,
      env: { NODE_OPTIONS: `--require ${join(projectRoot, 'test', 'worker', 'fixtures', 'node-16.cjs')}` },
    });
    const res = await request(`${running.url}/`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).toContain('Startup failure: node_too_old.');
    expect(running.trace()).toMatch(/\[node_too_old\]: .* \(exit code 3\); its last output:\n {2}isapi-node: the out-of-process worker needs Node 18 or later, but .* is Node 16\.20\.2/);
  });

  it('names missing worker files (worker_missing)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'isapi-oop-empty-'));
    running = await startApp({ app: fixture('hello.app.mjs'), config: { ...OUT_OF_PROCESS, packageRoot: empty } });
    const res = await request(`${running.url}/`);
    expect(res.body.toString()).toContain('Startup failure: worker_missing.');
    expect(running.trace()).toContain(`[worker_missing]: '${join(empty, 'dist', 'worker', 'main.js')}' does not exist`);
  });

  it('shows the message and stack on the failure page with devErrors, and not without', async () => {
    running = await startApp({ app: fixture('throws-at-load.app.mjs'), config: { ...OUT_OF_PROCESS, devErrors: true } });
    const shown = (await request(`${running.url}/`)).body.toString();
    expect(shown).toContain('Startup failure: app_failed.');
    expect(shown).toMatch(/<pre>[^<]*this app fails while it is loaded\n\s+at /);
    await stopClean(running);
    running = await startApp({ app: fixture('throws-at-load.app.mjs'), config: OUT_OF_PROCESS });
    const hidden = (await request(`${running.url}/`)).body.toString();
    expect(hidden).toContain('Startup failure: app_failed.');
    expect(hidden).not.toContain('this app fails');
  });

  it('refuses a worker that does not know the secret, and ends one that breaks the protocol', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'isapi-oop-bad-')), 'node');
    writeFileSync(script, `#!/bin/sh\nexec ${process.execPath} ${local('bad-worker.mjs')} "$@"\n`);
    chmodSync(script, 0o755);
    running = await startApp({ app: fixture('hello.app.mjs'), config: { ...OUT_OF_PROCESS, nodePath: script }, env: { BAD_WORKER: 'secret' } });
    expect((await request(`${running.url}/`)).body.toString()).toContain('Startup failure: runtime_failed.');
    expect(running.trace()).toContain("HELLO without the worker's secret");
    await stopClean(running);

    running = await startApp({ app: fixture('hello.app.mjs'), config: { ...OUT_OF_PROCESS, nodePath: script, rapidFailCount: 100 }, env: { BAD_WORKER: 'frame' } });
    for (let i = 0; i < 3; i++) expect((await request(`${running.url}/x${i}`)).status).toBe(502);
    expect(running.trace()).toMatch(/it broke the protocol: a frame of unknown type 127/);
    expect(running.trace()).toMatch(/JavaScript worker 0 ended \(.*\); restarting it/);
  });
});

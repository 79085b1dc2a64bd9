// The trace channel's default on Windows under Wine: inside IIS, w3wp.exe has no console, so a
// configuration without "trace" traces to isapi_node.log beside the configuration
// (native/extension/win/platform.cc default_trace), not to stderr. Once beside the DLL (its own
// configuration), once elsewhere (ISAPI_NODE_CONFIG, out of process with the official node.exe,
// an app error's stack read back through `isapi-node trace`'s follower, filtered by request).
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followTrace, traceFileOf } from '../../lib/cli/trace.js';
import { projectRoot } from '../support/build.js';
import { request } from '../support/http.js';
import { readTrace, WINDOWS_NODE, windowsPath, wineHosts } from './wine-host.js';
import { until } from '../support/wait.js';

const DLL = join(projectRoot, 'build', 'win64', 'isapi_node.dll');
const { start } = wineHosts();



describe('the trace channel of isapi_node.dll without "trace" under Wine', () => {
  it('goes to isapi_node.log beside the configuration, not to stderr', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'isapi-wine-trace-')), 'site');
    mkdirSync(dir);
    copyFileSync(DLL, join(dir, 'isapi_node.dll'));
    const config = join(dir, 'isapi_node.json');
    writeFileSync(config, JSON.stringify({ app: windowsPath(join(projectRoot, 'test/inprocess/fixtures/hello.app.mjs')), packageRoot: windowsPath(projectRoot) }));
    const app = await start(['--extension', windowsPath(join(dir, 'isapi_node.dll'))]);
    const res = await request(`${app.url}/`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).toContain('Startup failure: libnode_missing. The details are on the isapi-node trace channel.');
    const log = join(dir, 'isapi_node.log');
    expect(readTrace(log)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[isapi-node\] startup failure \[libnode_missing\]: libnode\.dll is not in /);
    expect(app.stderr()).not.toContain('libnode_missing');
    // `isapi-node trace --config` on Windows names the same file.
    expect(traceFileOf(config, 'win32')).toBe(log);
  });

  it('follows the configuration, not the DLL (ISAPI_NODE_CONFIG), out of process: an app error whole, by request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isapi-wine-trace-'));
    const config = join(dir, 'isapi_node.json');
    writeFileSync(
      config,
      JSON.stringify({
        app: windowsPath(join(projectRoot, 'test/wine/fixtures/outofprocess.app.mjs')),
        packageRoot: windowsPath(projectRoot),
        hostingModel: 'outofprocess',
        nodePath: windowsPath(WINDOWS_NODE),
      }),
    );
    const app = await start(['--extension', windowsPath(DLL)], { ISAPI_NODE_CONFIG: windowsPath(config) });
    expect((await request(`${app.url}/hello/x`)).body.toString()).toBe('Hello from GET /hello/x\n');
    expect((await request(`${app.url}/throw`)).status).toBe(500);
    const log = join(dir, 'isapi_node.log');
    const text = await until(() => readTrace(log), (t) => /features\.app\.mjs:\d+:\d+/.test(t), 10_000);
    expect(text).toContain(`[isapi-node] ready: ${windowsPath(join(projectRoot, 'test/wine/fixtures/outofprocess.app.mjs'))} with 1 worker process(es)`);
    const id = /request (\d+) \(GET \/throw\)/.exec(text)?.[1];
    expect(id).toBeDefined();
    let shown = '';
    await followTrace({ file: log, once: true, request: id, write: (t) => (shown += t) });
    // One record, header and stack: the app error of that request and nothing else.
    expect(shown).toMatch(new RegExp(`^\\S+Z \\[app\\] isapi-node: request ${id} \\(GET /throw\\): Error: deliberate failure in the app\\n(\\s+at .*\\n)+$`));
    expect(shown).toMatch(/features\.app\.mjs:\d+:\d+/);
    expect(app.stderr()).not.toContain('deliberate failure');
  });
});

// The Windows build under Wine: isapi-host.exe (mingw-w64, the same sources as the Linux host)
// loading isapi_node.dll (mingw-w64) as IIS would, from a folder whose name is not ASCII. No
// Windows runtime is built here (libnode.dll needs an MSVC build), so the in-process model must
// answer every request with the libnode_missing page and say in the trace where to get one.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types
import { startWineHost, windowsPath } from '../../scripts/wine/host.mjs';
import { projectRoot } from '../support/build.js';
import { rawExchange, request } from '../support/http.js';

type WineHost = { child: import('node:child_process').ChildProcess; stop(): Promise<number> };

const DLL = join(projectRoot, 'build', 'win64', 'isapi_node.dll');
let running: { host: WineHost; stderr: () => string } | undefined;
afterEach(async () => {
  if (running) await running.host.stop();
  running = undefined;
});

/** Starts the host under Wine on a free port; resolves once it listens. */
async function start(args: string[], env: Record<string, string> = {}) {
  const host: WineHost = startWineHost(['--port', '0', ...args], { env });
  let out = '';
  let err = '';
  host.child.stdout!.on('data', (d: Buffer) => (out += d));
  host.child.stderr!.on('data', (d: Buffer) => (err += d));
  running = { host, stderr: () => err };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not listen within 60 s:\n${out}\n${err}`)), 60_000);
    host.child.stdout!.on('data', () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    host.child.on('exit', () => reject(new Error(`the host exited:\n${out}\n${err}`)));
  });
  return { port, url: `http://127.0.0.1:${port}`, host, stderr: () => err };
}

/** The extension copied into a fresh folder named `name`, with its configuration beside it. */
function installExtension(name: string, config: object | null): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'isapi-wine-')), name);
  mkdirSync(dir);
  copyFileSync(DLL, join(dir, 'isapi_node.dll'));
  if (config) writeFileSync(join(dir, 'isapi_node.json'), JSON.stringify(config, null, 2));
  return dir;
}

describe('isapi_node.dll under Wine', () => {
  it('finds its configuration beside itself in a non-ASCII folder, writes its trace there, and answers libnode_missing', async () => {
    const dir = installExtension('Café Δ', {
      app: windowsPath(join(projectRoot, 'test/inprocess/fixtures/hello.app.mjs')),
      packageRoot: windowsPath(projectRoot),
      trace: 'trace.log', // relative: beside the configuration
    });
    const app = await start(['--extension', windowsPath(join(dir, 'isapi_node.dll'))]);
    const res = await request(`${app.url}/anything`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).toContain('Startup failure: libnode_missing.');
    const trace = readFileSync(join(dir, 'trace.log'), 'utf8');
    expect(trace).toContain(`[libnode_missing]: libnode.dll is not in '${windowsPath(dir)}'`);
    expect(trace).toContain('Microsoft.JavaScript.LibNode.win-x64');
  });

  it('names a missing configuration file (config_invalid) on every request, keeping connections alive', async () => {
    const dir = installExtension('no-config', null);
    const app = await start(['--extension', windowsPath(join(dir, 'isapi_node.dll'))]);
    const one = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    const answer = await rawExchange(app.port, one + one.replace('/a', '/b') + 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.match(/HTTP\/1\.1 500 Internal Server Error\r\n/g)).toHaveLength(3);
    expect(answer).toContain('Startup failure: config_invalid.');
    expect(app.stderr()).toContain(`cannot read the configuration file '${windowsPath(join(dir, 'isapi_node.json'))}'`);
  });

  it('stops on its standard input closing, in strict mode, with every session ended and no violation', async () => {
    const dir = installExtension('strict', null);
    const stats = join(dir, 'stats.json');
    const app = await start(['--extension', windowsPath(join(dir, 'isapi_node.dll')), '--strict', '--stats-file', windowsPath(stats)]);
    for (let i = 0; i < 5; i++) expect((await request(`${app.url}/n${i}`)).status).toBe(500);
    const code = await app.host.stop();
    running = undefined;
    expect(code).toBe(0);
    expect(existsSync(stats)).toBe(true);
    const counts = JSON.parse(readFileSync(stats, 'utf8'));
    expect(counts.violations).toEqual([]);
    expect(counts.sessions).toMatchObject({ started: 5, done: 5, active: 0 });
    expect(counts.extension).toMatchObject({ loaded: true, terminated: true });
  });
});

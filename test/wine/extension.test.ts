// The Windows build under Wine: isapi-host.exe (mingw-w64, the same sources as the Linux host)
// loading isapi_node.dll (mingw-w64) as IIS would, from a folder whose name is not ASCII. No
// Windows runtime is built here (libnode.dll needs an MSVC build), so the in-process model must
// answer every request with the libnode_missing page and say in the trace where to get one.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/build.js';
import { rawExchange, request } from '../support/http.js';
import { windowsPath, wineHosts } from './wine-host.js';

const DLL = join(projectRoot, 'build', 'win64', 'isapi_node.dll');
const { start } = wineHosts();

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

  it('names a missing configuration file (config_invalid) on every request, keeping connections alive, in the trace file beside it', async () => {
    const dir = installExtension('no-config', null);
    const app = await start(['--extension', windowsPath(join(dir, 'isapi_node.dll'))]);
    const one = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    const answer = await rawExchange(app.port, one + one.replace('/a', '/b') + 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.match(/HTTP\/1\.1 500 Internal Server Error\r\n/g)).toHaveLength(3);
    expect(answer).toContain('Startup failure: config_invalid.');
    // w3wp.exe's standard error goes nowhere: the failure is written where a configuration without
    // "trace" would trace, isapi_node.log beside the configuration that is missing.
    const log = join(dir, 'isapi_node.log');
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toContain(`cannot read the configuration file '${windowsPath(join(dir, 'isapi_node.json'))}'`);
    expect(app.stderr()).not.toContain('cannot read the configuration file');
  });

  it('stops on its standard input closing, in strict mode, with every session ended and no violation', async () => {
    const dir = installExtension('strict', null);
    const stats = join(dir, 'stats.json');
    const app = await start(['--extension', windowsPath(join(dir, 'isapi_node.dll')), '--strict', '--stats-file', windowsPath(stats)]);
    for (let i = 0; i < 5; i++) expect((await request(`${app.url}/n${i}`)).status).toBe(500);
    expect(await app.stop()).toBe(0);
    expect(existsSync(stats)).toBe(true);
    const counts = JSON.parse(readFileSync(stats, 'utf8'));
    expect(counts.violations).toEqual([]);
    expect(counts.sessions).toMatchObject({ started: 5, done: 5, active: 0 });
    expect(counts.extension).toMatchObject({ loaded: true, terminated: true });
  });
});

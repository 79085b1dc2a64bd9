// Shutdown as IIS recycles a worker: stop accepting, let pending sessions finish, then
// TerminateExtension.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { builtFile } from '../support/build.js';
import { startHost } from '../support/host.js';
import { request } from '../support/http.js';

describe('SIGTERM', () => {
  it('lets every pending session finish before TerminateExtension, and loses none', async () => {
    const host = await startHost();
    const inFlight = Array.from({ length: 8 }, (_, i) => request(`${host.url}/slow?ms=${600 + i * 50}`));
    await new Promise((r) => setTimeout(r, 200)); // all eight are inside the extension now
    const stopped = host.stop('SIGTERM');
    const answers = await Promise.all(inFlight);
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe(`slow answer after ${600 + i * 50} ms\n`);
    }
    const { code, stats } = await stopped;
    expect(code).toBe(0);
    expect(stats.violations).toEqual([]);
    expect(stats.sessions).toEqual({ started: 8, done: 8, active: 0 });
    expect(stats.extension.terminated).toBe(true);
  });

  it('stops accepting new connections once shutdown begins', async () => {
    const host = await startHost();
    const pending = request(`${host.url}/slow?ms=800`);
    await new Promise((r) => setTimeout(r, 150));
    const stopped = host.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 150));
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(host.port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    expect((await pending).status).toBe(200);
    expect((await stopped).code).toBe(0);
  });

  it('closes idle keep-alive connections at once, while pending sessions still run', async () => {
    const host = await startHost();
    const idle = net.connect(host.port, '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    const events: string[] = [];
    const idleClosed = new Promise<void>((r) => idle.once('close', () => r(void events.push('idle closed'))));
    const pending = request(`${host.url}/slow?ms=1000`).then((res) => {
      events.push('slow answered');
      return res;
    });
    await new Promise((r) => setTimeout(r, 150));
    const stopped = host.stop('SIGINT');
    await Promise.all([idleClosed, pending]);
    expect(events).toEqual(['idle closed', 'slow answered']);
    expect((await stopped).code).toBe(0);
  });
});

describe('--stop-on-stdin-close', () => {
  it('shuts down as on SIGTERM once standard input ends, letting the pending session finish', async () => {
    const child = spawn(builtFile('isapi-host'), ['--extension', builtFile('hello_ext.so'), '--port', '0', '--stop-on-stdin-close', '--strict'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const port = await new Promise<number>((resolve) =>
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        const m = /127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(Number(m[1]));
      }),
    );
    const pending = request(`http://127.0.0.1:${port}/slow?ms=400`);
    await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stdin!.end();
    expect((await pending).status).toBe(200);
    expect(await exited).toBe(0);
  });
});

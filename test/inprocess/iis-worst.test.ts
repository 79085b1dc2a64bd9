// What IIS does that a kinder host would hide, and what the extension must hold on its own: paths
// in the ANSI code page (the app must see the UTF-16 ones), HTTP/1.0 clients that cannot read
// chunked coding, heads the native side must refuse without the JS side's help, and a file
// descriptor closed while IIS is still sending it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { outOfProcess } from '../support/hosting-model.js';
import { request, sha256 } from '../support/http.js';

const NON_ASCII = '/h%C3%A9llo/%E6%97%A5%E6%9C%AC';
const DECODED = '/héllo/日本';

/** One exchange on a fresh connection: everything the server sent, and whether it closed the connection. */
function exchange(port: number, head: string, timeoutMs = 5000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closedByServer: false });
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      clearTimeout(timer);
      socket.end();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closedByServer: true });
    });
    socket.write(head);
  });
}

describe('paths IIS gives in the ANSI code page', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: fixture('iis-worst.app.mjs'), hostArgs: ['--code-page', '1252'] });
  });
  afterAll(async () => {
    await stopClean(app);
  });

  it('reach the app intact in PATH_INFO and isapi.server_variable("URL"), read from the UTF-16 variables', async () => {
    const res = await request(`${app.url}/echo-path${NON_ASCII}?x=1`);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ PATH_INFO: `/echo-path${DECODED}`, URL: `/echo-path${DECODED}` });
  });
});

describe('a non-ASCII path through each adapter', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: fixture('adapters-path.app.mjs'), hostArgs: ['--code-page', '1252'] });
  });
  afterAll(async () => {
    await stopClean(app);
  });

  it.each(['node', 'fetch'])('arrives intact at a %s handler', async (kind) => {
    const res = await request(`${app.url}/${kind}${NON_ASCII}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ path: `/${kind}${DECODED}` });
  });
});

describe('the extension on its own', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: fixture('iis-worst.app.mjs') });
  });
  afterAll(async () => {
    await stopClean(app);
  });

  it('ends a streamed answer to an HTTP/1.0 client with the connection, not with chunked coding', async () => {
    const { text, closedByServer } = await exchange(app.port, 'GET /stream HTTP/1.0\r\nHost: localhost\r\n\r\n');
    const end = text.indexOf('\r\n\r\n');
    const [head, body] = [text.slice(0, end), text.slice(end + 4)];
    expect(head.split('\r\n')[0]).toBe('HTTP/1.0 200 OK');
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    expect(head.toLowerCase()).not.toContain('content-length');
    expect(body).toBe('part 1\npart 2\npart 3\n');
    expect(closedByServer).toBe(true);
  });

  it('still frames the same answer chunked for HTTP/1.1', async () => {
    const { text } = await exchange(app.port, 'GET /stream HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const end = text.indexOf('\r\n\r\n');
    const [head, body] = [text.slice(0, end), text.slice(end + 4)];
    expect(head).toContain('Transfer-Encoding: chunked');
    expect(body).toBe('7\r\npart 1\n\r\n7\r\npart 2\n\r\n7\r\npart 3\n\r\n0\r\n\r\n');
  });

  // The in-process bridge's own check of what JavaScript hands it.
  it.skipIf(outOfProcess).each([
    ['value', 'header value'],
    ['name', 'header name'],
    ['nul', 'header value'],
    ['long', 'header value'],
  ])('refuses a head with a bad %s in the native binding, and the request still gets its answer', async (bad, what) => {
    const res = await request(`${app.url}/native-head?bad=${bad}`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`TypeError: isapi-node: the ${what} contains CR, LF, NUL or a character above U+00FF`);
    expect(res.headers['x-test']).toBeUndefined();
  });

  it('tells an app busy without touching IIS that its client left, within 2 s (HSE_REQ_IS_CONNECTED)', async () => {
    const socket = net.connect(app.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /wait-for-gone HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    let seen: RegExpExecArray | null = null;
    for (let i = 0; i < 150 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 20));
      seen = /gone seen: (\w+) after (\d+) ms/.exec(app.trace());
    }
    expect(seen?.[1]).toBe('true');
    expect(Number(seen?.[2])).toBeLessThan(2200);
  });

  it('sends the file it was given although the app closed the descriptor and the number was reused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isapi-fd-'));
    const content = randomBytes(32 * 1024 * 1024);
    writeFileSync(join(dir, 'real.bin'), content);
    writeFileSync(join(dir, 'decoy.bin'), Buffer.alloc(content.length, 0x44));
    const query = `path=${encodeURIComponent(join(dir, 'real.bin'))}&decoy=${encodeURIComponent(join(dir, 'decoy.bin'))}`;
    // The client stops reading for a while, so IIS is still sending when the app closes its descriptor.
    const received = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(`${app.url}/file-closed-early?${query}`, (res) => {
          const chunks: Buffer[] = [];
          res.pause();
          setTimeout(() => res.resume(), 300);
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(received.length).toBe(content.length);
    expect(sha256(received)).toBe(sha256(content));
  });
});

// The host suite's core cases, with the Windows host and the Windows reference extension under
// Wine: exact answers, keep-alive, bodies both ways and chunked, async reads and writes,
// TRANSMIT_FILE with a real HANDLE, and strict mode catching a deliberate breach.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/build.js';
import { generatedBody, rawExchange, request, requestHashed, sha256, streamPatternSha256 } from '../support/http.js';
import { windowsPath, wineHosts } from './wine-host.js';

const MB = 1024 * 1024;
const REFERENCE = windowsPath(join(projectRoot, 'build', 'win64', 'hello_ext.dll'));
const site = mkdtempSync(join(tmpdir(), 'isapi-wine-site-'));
const fileBytes = randomBytes(3 * MB + 123);
writeFileSync(join(site, 'payload.bin'), fileBytes);
const { start } = wineHosts();

describe('isapi-host.exe with hello_ext.dll under Wine', () => {
  it('answers exactly, keeps connections alive, moves bodies both ways and sends a file', async () => {
    // One host for the cases that share it: starting Wine is the slow part.
    const host = await start(['--extension', REFERENCE, '--strict', '--physical-path', `${windowsPath(site)}\\`]);

    const hello = await request(`${host.url}/hello`);
    expect(hello.status).toBe(200);
    expect(hello.headers['content-length']).toBe('21');
    expect(hello.body.toString()).toBe('Hello from hello_ext\n');

    const wire = await rawExchange(host.port, 'GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello-vector HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    expect(wire.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
    expect(wire).toContain('Hello from VECTOR_SEND\n');

    const upload = generatedBody(8 * MB, 5);
    for (const route of ['/echo', '/echo-async']) {
      const known = await requestHashed(`${host.url}${route}`, { method: 'POST', headers: { 'Content-Length': String(8 * MB) }, body: upload.stream() });
      expect([known.status, known.bytes, known.sha256]).toEqual([200, 8 * MB, upload.sha256]);
      const chunked = await requestHashed(`${host.url}${route}`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: upload.stream() });
      expect([chunked.status, chunked.bytes, chunked.sha256]).toEqual([200, 8 * MB, upload.sha256]);
    }

    const streamed = await requestHashed(`${host.url}/stream?bytes=${16 * MB}`);
    expect([streamed.status, streamed.bytes, streamed.sha256]).toEqual([200, 16 * MB, streamPatternSha256(16 * MB)]);

    const file = await request(`${host.url}/file?name=payload.bin`);
    expect(file.status).toBe(200);
    expect(file.headers['content-length']).toBe(String(fileBytes.length));
    expect(sha256(file.body)).toBe(sha256(fileBytes));

    expect(await host.stop()).toBe(0);
  });

  it('catches a deliberate breach in strict mode and exits 3', async () => {
    const host = await start(['--extension', REFERENCE, '--strict']);
    expect((await request(`${host.url}/breach?kind=double-done`)).status).toBe(200);
    expect(await host.stop()).toBe(3);
    expect(host.stderr()).toContain('contract violation [done_twice]');
  });
});

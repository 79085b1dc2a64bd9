// Request and response bodies of every size and framing, through ReadClient, ASYNC_READ_CLIENT,
// async WriteClient and TRANSMIT_FILE.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, stopClean, type RunningHost } from '../support/host.js';
import { generatedBody, rawExchange, request, requestHashed, sha256, streamPatternSha256 } from '../support/http.js';

const MB = 1024 * 1024;
const siteDir = mkdtempSync(join(tmpdir(), 'isapi-site-'));
const fileBytes = randomBytes(3 * MB + 123);
writeFileSync(join(siteDir, 'payload.bin'), fileBytes);

let host: RunningHost;
beforeAll(async () => {
  host = await startHost({ args: ['--physical-path', siteDir] });
});
afterAll(async () => {
  const stats = await stopClean(host);
  expect(stats.sessions.active).toBe(0);
});

describe('uploads', () => {
  const upload = generatedBody(50 * MB);

  for (const route of ['/echo', '/echo-async']) {
    it(`echoes a 50 MB Content-Length upload through ${route} with the same SHA-256`, async () => {
      const res = await requestHashed(`${host.url}${route}`, {
        method: 'POST',
        headers: { 'Content-Length': String(50 * MB) },
        body: upload.stream(),
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe(String(50 * MB));
      expect(res.bytes).toBe(50 * MB);
      expect(res.sha256).toBe(upload.sha256);
    });

    it(`echoes a 50 MB chunked upload through ${route} with the same SHA-256`, async () => {
      const res = await requestHashed(`${host.url}${route}`, {
        method: 'POST',
        headers: { 'Transfer-Encoding': 'chunked' },
        body: upload.stream(),
      });
      expect(res.status).toBe(200);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.bytes).toBe(50 * MB);
      expect(res.sha256).toBe(upload.sha256);
    });
  }

  it('preloads the first 48 KiB into lpbData and reports the whole length in cbTotalBytes', async () => {
    // IIS's default uploadReadAheadSize, pinned (the hostile host preloads any amount up to it).
    const pinned = await startHost({ args: ['--preload', '49152'] });
    const res = await request(`${pinned.url}/vars`, { method: 'POST', body: Buffer.alloc(100_000, 7) });
    await stopClean(pinned);
    const ecb = JSON.parse(res.body.toString()).ecb;
    expect(ecb.cbTotalBytes).toBe(100_000);
    expect(ecb.cbAvailable).toBe(49_152);
    expect(ecb.lpbDataTerminated).toBe(true);
  });

  it('reports a chunked body as cbTotalBytes 0xFFFFFFFF', async () => {
    const res = await request(`${host.url}/vars`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: Buffer.from('tiny'),
    });
    const ecb = JSON.parse(res.body.toString()).ecb;
    expect(ecb.cbTotalBytes).toBe(0xffffffff);
    expect(ecb.cbAvailable).toBeLessThanOrEqual(4); // any preload up to the whole body
    expect(ecb.lpbDataTerminated).toBe(true);
  });

  it('answers "100 Continue" before reading a body the client holds back', async () => {
    const wire = await rawExchange(
      host.port,
      'POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
      1500,
    );
    // The body never came: the request waits for it. With nothing preloaded (the hostile host may
    // preload any amount, 0 included) /echo has already sent its head, but no body byte.
    const continued = 'HTTP/1.1 100 Continue\r\n\r\n';
    expect(wire.startsWith(continued)).toBe(true);
    const rest = wire.slice(continued.length);
    if (rest) expect(rest).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 5\r\n[^]*\r\n\r\n$/);
  });
});

describe('downloads', () => {
  it('streams 100 MB with async WriteClient, intact', async () => {
    const size = 100 * MB;
    const res = await requestHashed(`${host.url}/stream?bytes=${size}`);
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(size);
    expect(res.sha256).toBe(streamPatternSha256(size));
  });

  it('sends a file with TRANSMIT_FILE, status and headers included', async () => {
    const res = await request(`${host.url}/file?name=payload.bin`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(fileBytes.length));
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(sha256(res.body)).toBe(sha256(fileBytes));
  });

  it('survives a client that hangs up in the middle of a download, and ends the session', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${host.url}/stream?bytes=${200 * MB}`, { agent: false }, (res) => {
        let got = 0;
        res.on('data', (c: Buffer) => {
          got += c.length;
          if (got > 2 * MB) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
    });
    // The host keeps serving, and the abandoned session has ended (failed async write → DONE).
    const res = await request(`${host.url}/hello`);
    expect(res.body.toString()).toBe('Hello from hello_ext\n');
  });

  it('survives a client that hangs up in the middle of an upload', async () => {
    const socket = net.connect(host.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST /echo-async HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n');
    socket.write(Buffer.alloc(200_000, 1));
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    const res = await request(`${host.url}/hello`);
    expect(res.status).toBe(200);
  });
});

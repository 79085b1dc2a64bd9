// Large bodies both ways through the dev server, streamed and back-pressured, never held whole.
import { createWriteStream, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { devServers, sleep } from '../support/dev-servers.js';
import { generatedBody, request, requestHashed } from '../support/http.js';
import { deferred, download, hashUpload } from './fixtures/apps.js';

const MB = 1024 * 1024;
const { start } = devServers();

/** Zero-filled 64 KiB chunks, counting how many bytes were taken from it. */
function countingSource(total: number): { stream: Readable; taken: () => number } {
  let taken = 0;
  const chunk = Buffer.alloc(64 * 1024);
  const stream = new Readable({
    read() {
      if (taken >= total) return void this.push(null);
      taken += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, taken: () => taken };
}

describe('request bodies', () => {
  it('streams a 10 MB upload through wsgi.input intact', async () => {
    const server = await start(hashUpload);
    const body = generatedBody(10 * MB, 7);
    const res = await request(`${server.url}/up`, { method: 'POST', headers: { 'Content-Length': String(10 * MB) }, body: body.stream() });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`${10 * MB} ${body.sha256}`);
  });

  it('streams a chunked upload of unknown length intact', async () => {
    const server = await start(hashUpload);
    const body = generatedBody(3 * MB + 17, 3);
    const res = await request(`${server.url}/up`, { method: 'PUT', headers: { 'Transfer-Encoding': 'chunked' }, body: body.stream() });
    expect(res.body.toString()).toBe(`${3 * MB + 17} ${body.sha256}`);
  });

  it('reads the upload only as fast as the app consumes it', async () => {
    const total = 64 * MB;
    const source = countingSource(total);
    const reading = deferred();
    let takenBeforeReading = 0;
    const server = await start(async (environ, startResponse) => {
      await sleep(500);
      takenBeforeReading = source.taken();
      reading.resolve();
      let bytes = 0;
      for await (const chunk of environ['wsgi.input']) bytes += chunk.length;
      startResponse('200 OK', []);
      return [String(bytes)];
    }, { maxRequestBodyBytes: total });
    const res = await request(`${server.url}/up`, { method: 'POST', headers: { 'Content-Length': String(total) }, body: source.stream });
    await reading.promise;
    expect(res.body.toString()).toBe(String(total));
    // Socket buffers on both sides hold a few MB at most; the rest waited for the app.
    expect(takenBeforeReading).toBeLessThan(24 * MB);
  });

  it('lets wsgi.input.read(size) take exact pieces', async () => {
    const server = await start(async (environ, startResponse) => {
      const input = environ['wsgi.input'];
      const first = await input.read(3);
      const rest = await input.read();
      startResponse('200 OK', []);
      return [`${Buffer.from(first).toString()}|${Buffer.from(rest).length}`];
    });
    const res = await request(`${server.url}/`, { method: 'POST', body: 'abc' + 'x'.repeat(200_000) });
    expect(res.body.toString()).toBe('abc|200000');
  });

  it('keeps the connection usable when the app ignores the body', async () => {
    const server = await start((environ, startResponse) => {
      startResponse('200 OK', []);
      return [environ.REQUEST_METHOD];
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await request(`${server.url}/`, { method: 'POST', body: 'y'.repeat(1 * MB), agent });
      const second = await request(`${server.url}/`, { agent });
      expect([first.body.toString(), second.body.toString()]).toEqual(['POST', 'GET']);
    } finally {
      agent.destroy();
    }
  });
});

describe('response bodies', () => {
  it('streams a 10 MB download intact and chunked', async () => {
    const server = await start(download(10 * MB));
    const res = await requestHashed(`${server.url}/down`);
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.bytes).toBe(10 * MB);
    expect(res.sha256).toBe(generatedBody(10 * MB, 1).sha256);
  });

  it('streams a 10 MB file through the file wrapper intact', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'isapi-serve-')), 'big.bin');
    const body = generatedBody(10 * MB, 5);
    await pipeline(body.stream(), createWriteStream(file));
    const server = await start((environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      return environ['isapi.file_wrapper'](file);
    });
    const res = await requestHashed(`${server.url}/file`);
    expect(res.headers['content-length']).toBe(String(10 * MB));
    expect(res.bytes).toBe(10 * MB);
    expect(res.sha256).toBe(body.sha256);
  });

  it('produces the body only as fast as the client reads it', async () => {
    let produced = 0;
    const chunk = Buffer.alloc(64 * 1024);
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', []);
      return (function* () {
        for (let i = 0; i < 1024; i++) {
          produced += chunk.length;
          yield chunk;
        }
      })();
    });
    let producedWhilePaused = 0;
    const received = await new Promise<number>((resolve, reject) => {
      http
        .get(`${server.url}/`, { agent: false }, (res) => {
          let bytes = 0;
          res.pause();
          setTimeout(() => {
            producedWhilePaused = produced;
            res.on('data', (c: Buffer) => (bytes += c.length));
            res.resume();
          }, 500);
          res.on('end', () => resolve(bytes));
        })
        .on('error', reject);
    });
    expect(received).toBe(64 * MB);
    // 64 MB were on offer; the socket buffers hold a few.
    expect(producedWhilePaused).toBeLessThan(24 * MB);
  });
});

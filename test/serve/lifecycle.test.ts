// Clients that leave, and a server that stops: isapi.signal, and close() letting requests in
// flight finish.
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { App } from '../../lib/index.js';
import { serve } from '../../lib/serve/index.js';
import { devServers, sleep } from '../support/dev-servers.js';
import { request } from '../support/http.js';
import { deferred } from './fixtures/apps.js';

const { start } = devServers();

/** Starts a GET and returns the client request, so the test can drop it. */
function open(url: string): http.ClientRequest {
  const req = http.get(url, { agent: false });
  req.on('error', () => undefined);
  return req;
}

describe('isapi.signal', () => {
  it('aborts when the client disconnects while the app is working', async () => {
    const started = deferred();
    const aborted = deferred<boolean>();
    const server = await start(async (environ, startResponse) => {
      const signal = environ['isapi.signal'];
      started.resolve();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      aborted.resolve(signal.aborted);
      startResponse('200 OK', []);
      return [];
    });
    const req = open(`${server.url}/slow`);
    await started.promise;
    req.destroy();
    expect(await aborted.promise).toBe(true);
  });

  it('aborts when the client disconnects during a streamed response, and the body is closed', async () => {
    const closed = deferred();
    let abortedAtClose = false;
    const server = await start((environ, startResponse) => {
      startResponse('200 OK', []);
      const signal = environ['isapi.signal'];
      const body = (async function* () {
        for (;;) {
          yield 'tick\n';
          await sleep(10);
        }
      })();
      return Object.assign(body, {
        close: () => {
          abortedAtClose = signal.aborted;
          closed.resolve();
        },
      });
    });
    const req = open(`${server.url}/ticks`);
    req.on('response', (res) => res.once('data', () => req.destroy()));
    await closed.promise;
    expect(abortedAtClose).toBe(true);
  });

  it('aborts when the client disconnects half-way through its upload', async () => {
    const aborted = deferred<string>();
    const server = await start(async (environ, startResponse) => {
      try {
        for await (const _chunk of environ['wsgi.input']) {
          // Reading until the client goes.
        }
        aborted.resolve('the body ended');
      } catch {
        aborted.resolve(environ['isapi.signal'].aborted ? 'aborted' : 'read failed without the signal');
      }
      startResponse('200 OK', []);
      return [];
    });
    const req = http.request(`${server.url}/up`, { method: 'POST', agent: false, headers: { 'Content-Length': '1000000' } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(1000));
    await sleep(50);
    req.destroy();
    expect(await aborted.promise).toBe('aborted');
  });

  it('stays quiet for a request that completes', async () => {
    let signal: AbortSignal | undefined;
    const server = await start((environ, startResponse) => {
      signal = environ['isapi.signal'];
      startResponse('200 OK', []);
      return ['done'];
    });
    await request(`${server.url}/`);
    await sleep(20);
    expect(signal?.aborted).toBe(false);
  });
});

describe('close()', () => {
  it('waits for a request in flight to finish, and its client gets the whole answer', async () => {
    const inApp = deferred();
    const release = deferred();
    const server = await start(async (_environ, startResponse) => {
      inApp.resolve();
      await release.promise;
      startResponse('200 OK', []);
      return ['finished after close()'];
    });
    const answer = request(`${server.url}/`);
    await inApp.promise;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await sleep(100);
    expect(closed).toBe(false);
    release.resolve();
    const res = await answer;
    await closing;
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(res.body.toString()).toBe('finished after close()');
  });

  it('stops accepting connections at once', async () => {
    const release = deferred();
    const server = await start(async (_environ, startResponse) => {
      await release.promise;
      startResponse('200 OK', []);
      return [];
    });
    const inFlight = request(`${server.url}/`);
    await sleep(50);
    const closing = server.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('connect', () => resolve('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    release.resolve();
    await inFlight;
    await closing;
  });

  it('answers 503 to a new request on a connection kept alive from before', async () => {
    const release = deferred();
    const server = await start(async (environ, startResponse) => {
      if (environ.PATH_INFO === '/slow') await release.promise;
      startResponse('200 OK', []);
      return ['ok'];
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await request(`${server.url}/first`, { agent })).status).toBe(200);
      const slow = request(`${server.url}/slow`, { agent: new http.Agent() });
      await sleep(50);
      const closing = server.close();
      const late = await request(`${server.url}/late`, { agent });
      expect(late.status).toBe(503);
      release.resolve();
      expect((await slow).status).toBe(200);
      await closing;
    } finally {
      agent.destroy();
    }
  });

  it('does not wait for idle keep-alive connections', async () => {
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', []);
      return ['ok'];
    });
    const agent = new http.Agent({ keepAlive: true });
    try {
      await request(`${server.url}/`, { agent });
      const begun = Date.now();
      await server.close();
      expect(Date.now() - begun).toBeLessThan(1000);
    } finally {
      agent.destroy();
    }
  });

  it('lets a large final chunk still being flushed reach a slow client whole', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 97);
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', []);
      return [big];
    });
    const received = new Promise<number>((resolve, reject) => {
      http
        .get(`${server.url}/`, { agent: false }, (res) => {
          let bytes = 0;
          // Not reading yet: the app's one chunk is handed over, but cannot be flushed.
          res.pause();
          setTimeout(() => res.resume(), 300);
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => resolve(bytes));
          res.on('error', () => resolve(bytes));
        })
        .on('error', reject);
    });
    await sleep(100);
    await Promise.all([server.close(), received]);
    expect(await received).toBe(big.length);
  });
});

describe('serve()', () => {
  it('rejects when the port is taken', async () => {
    const first = await start((_environ, startResponse) => {
      startResponse('200 OK', []);
      return [];
    });
    await expect(serve(() => [], { port: first.port, trace: () => undefined })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('refuses an app that is not a function, and a bad port or scriptName', async () => {
    await expect(serve('app' as unknown as App)).rejects.toThrow(TypeError);
    await expect(serve(() => [], { port: 70000 })).rejects.toThrow(RangeError);
    await expect(serve(() => [], { port: 0, scriptName: '/a?b' })).rejects.toThrow(TypeError);
  });
});

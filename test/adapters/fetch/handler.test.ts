// fromFetch with hand-written Fetch handlers, served by the dev server and driven over real HTTP.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { fromFetch, type FetchHandler } from '../../../lib/adapters/fetch/index.js';
import { responseHeaders } from '../../../lib/adapters/fetch/response.js';
import { devServers } from '../../support/dev-servers.js';
import { generatedBody, rawExchange, request, requestHashed } from '../../support/http.js';

const servers = devServers();
const { traces } = servers;
const start = (handler: FetchHandler, scriptName = '/') => servers.start(fromFetch(handler), { scriptName });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The response as it was on the wire, without the Date line. */
async function wire(port: number, head: string): Promise<{ status: string; headers: string[]; body: string }> {
  const text = await rawExchange(port, head);
  const end = text.indexOf('\r\n\r\n');
  const [status, ...headers] = text.slice(0, end).split('\r\n');
  return { status, headers: headers.filter((line) => !line.startsWith('Date: ')), body: text.slice(end + 4) };
}

describe('the Request a handler receives', () => {
  it('has the URL, method, headers and body of the request', async () => {
    const server = await start(async (req) => {
      const seen = {
        url: req.url,
        method: req.method,
        type: req.headers.get('content-type'),
        length: req.headers.get('content-length'),
        trace: req.headers.get('x-trace-id'),
        cookie: req.headers.get('cookie'),
        body: await req.text(),
      };
      return Response.json(seen);
    }, '/app');
    const res = await request(`${server.url}/items/7?q=a%20b&x=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', 'X-Trace-Id': 'abc', Cookie: 'a=1; b=2' },
      body: 'hello body',
    });
    expect(JSON.parse(res.body.toString())).toEqual({
      url: `${server.url}/items/7?q=a%20b&x=1`,
      method: 'POST',
      type: 'text/plain',
      length: '10',
      trace: 'abc',
      cookie: 'a=1; b=2',
      body: 'hello body',
    });
  });

  it('builds the host from SERVER_NAME and SERVER_PORT when the client sent no Host', async () => {
    const server = await start((req) => new Response(req.url));
    const res = await wire(server.port, 'GET /old?x HTTP/1.0\r\n\r\n');
    expect(res.body).toBe(`http://127.0.0.1:${server.port}/old?x`);
  });

  it('keeps characters of the decoded path that would change the URL escaped', async () => {
    const server = await start((req) => new Response(new URL(req.url).pathname));
    const res = await request(`${server.url}/a%3Fb%23c%25d%20e`);
    expect(res.body.toString()).toBe('/a%3Fb%23c%25d%20e');
  });

  it('answers 400 to a request that cannot be a Fetch Request, before the handler runs', async () => {
    let called = false;
    const server = await start(() => {
      called = true;
      return new Response('no');
    });
    const res = await request(`${server.url}/`, { method: 'TRACE' });
    expect(res.status).toBe(400);
    expect(called).toBe(false);
    expect(traces.join('\n')).toContain('cannot be made into a Request');
  });

  it('streams a 10 MB upload back as it arrives', async () => {
    const server = await start((req) => new Response(req.body, { headers: { 'content-type': 'application/octet-stream' } }));
    const body = generatedBody(10 * 1024 * 1024, 9);
    const res = await requestHashed(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'Content-Length': String(10 * 1024 * 1024) },
      body: body.stream(),
    });
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(10 * 1024 * 1024);
    expect(res.sha256).toBe(body.sha256);
  });

  it('aborts the Request signal when the client disconnects', async () => {
    const started = deferred();
    const aborted = deferred<boolean>();
    const server = await start(async (req) => {
      started.resolve();
      await new Promise((resolve) => req.signal.addEventListener('abort', resolve, { once: true }));
      aborted.resolve(req.signal.aborted);
      return new Response('too late');
    });
    const client = http.get(`${server.url}/wait`, { agent: false });
    client.on('error', () => undefined);
    await started.promise;
    client.destroy();
    expect(await aborted.promise).toBe(true);
  });

  it('gives the handler isapi.signal itself as the Request signal, so no collectable link sits between them', async () => {
    // Node 18's undici links a Request's signal to the one it was given only through a WeakRef:
    // a garbage collection could cut it, and the handler would never hear of the client leaving.
    const server = await start((req, environ) => new Response(String(req.signal === environ['isapi.signal'])));
    const res = await request(`${server.url}/same`);
    expect(res.body.toString()).toBe('true');
  });
});

describe('the response a client receives', () => {
  it('carries the status, reason, headers and a body known at once with its length', async () => {
    const server = await start(() => new Response('hello', { status: 201, statusText: 'Made It', headers: { 'X-A': '1', 'Content-Type': 'text/plain' } }));
    const res = await wire(server.port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe('HTTP/1.1 201 Made It');
    expect(res.headers).toEqual(['content-type: text/plain', 'x-a: 1', 'Content-Length: 5', 'Connection: close']);
    expect(res.body).toBe('hello');
  });

  it('uses the standard reason phrase when the Response has none', async () => {
    const server = await start(() => new Response(null, { status: 404 }));
    const res = await wire(server.port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe('HTTP/1.1 404 Not Found');
    expect(res.headers).toContain('Content-Length: 0');
  });

  it('keeps each Set-Cookie apart and drops hop-by-hop headers', async () => {
    const server = await start(() => {
      const headers = new Headers({ Connection: 'keep-alive', 'Keep-Alive': 'timeout=5' });
      headers.append('Set-Cookie', 'a=1; Path=/');
      headers.append('Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT');
      return new Response('ok', { headers });
    });
    const res = await request(`${server.url}/`);
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT']);
    expect(res.headers['keep-alive']).toBeUndefined();
  });

  it('splits Set-Cookie where Headers has no getSetCookie()', () => {
    const headers = new Headers();
    headers.append('Set-Cookie', 'a=1; Path=/');
    headers.append('Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT');
    headers.append('X-Other', 'x');
    Object.defineProperty(headers, 'getSetCookie', { value: undefined });
    expect(responseHeaders(headers)).toEqual([
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
      ['x-other', 'x'],
    ]);
  });

  it('streams a body as it is produced, each chunk reaching the client before the next exists', async () => {
    const release = deferred();
    const server = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode('first;'));
              await release.promise;
              controller.enqueue(new TextEncoder().encode('second'));
              controller.close();
            },
          }),
        ),
    );
    const chunks: string[] = [];
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      http
        .get(`${server.url}/`, { agent: false }, (res) => {
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk.toString());
            if (chunks.length === 1) release.resolve();
          });
          res.on('end', () => resolve(res.headers));
        })
        .on('error', reject);
    });
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(chunks).toEqual(['first;', 'second']);
  });

  it('sends no body for HEAD', async () => {
    const server = await start((req) => new Response(`method ${req.method}`));
    const res = await wire(server.port, 'HEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe('HTTP/1.1 200 OK');
    expect(res.headers).toContain('Content-Length: 11');
    expect(res.body).toBe('');
  });

  it('cancels the response stream when the client leaves', async () => {
    const cancelled = deferred<unknown>();
    const server = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              await sleep(5);
              controller.enqueue(new TextEncoder().encode('tick\n'));
            },
            cancel: (reason) => cancelled.resolve(reason),
          }),
        ),
    );
    const client = http.get(`${server.url}/`, { agent: false }, (res) => res.once('data', () => client.destroy()));
    client.on('error', () => undefined);
    await cancelled.promise;
  });
});

describe('failures', () => {
  it('answers 500 when the handler throws', async () => {
    const server = await start(() => {
      throw new Error('handler threw');
    });
    const res = await request(`${server.url}/`);
    expect(res.status).toBe(500);
    expect(traces.join('\n')).toContain('handler threw');
  });

  it('answers 500 when the handler rejects', async () => {
    const server = await start(async () => {
      await sleep(1);
      throw new Error('handler rejected');
    });
    expect((await request(`${server.url}/`)).status).toBe(500);
    expect(traces.join('\n')).toContain('handler rejected');
  });

  it('answers 500 when the handler returns something other than a Response', async () => {
    const server = await start((() => 'not a response') as unknown as FetchHandler);
    expect((await request(`${server.url}/`)).status).toBe(500);
    expect(traces.join('\n')).toContain('must return a Response');
  });

  it('answers 500 when the body fails before anything was sent', async () => {
    const server = await start(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.error(new Error('no body after all'));
            },
          }),
        ),
    );
    expect((await request(`${server.url}/`)).status).toBe(500);
    expect(traces.join('\n')).toContain('no body after all');
  });

  it('cuts the connection when the body fails after the headers left', async () => {
    const server = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode('partial'));
              await sleep(20);
              controller.error(new Error('stream broke'));
            },
          }),
        ),
    );
    const outcome = await new Promise<string>((resolve) => {
      http
        .get(`${server.url}/`, { agent: false }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve('complete'));
          res.on('error', () => resolve('cut'));
        })
        .on('error', () => resolve('cut'));
    });
    expect(outcome).toBe('cut');
    expect(traces.join('\n')).toContain('stream broke');
  });
});

// The host serving the reference extension's plain routes: exact bytes on the wire, keep-alive,
// and IIS's answers for an extension that sends nothing.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, stopClean, type RunningHost } from '../support/host.js';
import { rawExchange, request } from '../support/http.js';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  const stats = await stopClean(host);
  expect(stats.sessions.started).toBe(stats.sessions.done);
  expect(stats.extension).toMatchObject({ loaded: true, terminated: true, description: 'hello_ext reference extension' });
});

describe('responses through the reference extension', () => {
  it('answers /hello with the exact status, headers and body', async () => {
    const res = await request(`${host.url}/hello`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['content-length']).toBe('21');
    expect(res.headers.server).toBe('isapi-host');
    expect(res.headers.date).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(res.body.toString()).toBe('Hello from hello_ext\n');
  });

  it('sends status, headers and a two-element body in one VECTOR_SEND', async () => {
    const res = await request(`${host.url}/hello-vector`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('23');
    expect(res.body.toString()).toBe('Hello from VECTOR_SEND\n');
  });

  it('keeps the connection for the next request when the response is delimited', async () => {
    const wire = await rawExchange(
      host.port,
      'GET /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello-vector HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    );
    const answers = wire.split('HTTP/1.1 200 OK\r\n');
    expect(answers).toHaveLength(3);
    expect(answers[1]).toContain('\r\n\r\nHello from hello_ext\n');
    expect(answers[1]).not.toContain('Connection: close');
    expect(answers[2]).toContain('Connection: close\r\n');
    expect(answers[2].endsWith('\r\n\r\nHello from VECTOR_SEND\n')).toBe(true);
  });

  it('sends headers but no body for HEAD', async () => {
    const wire = await rawExchange(host.port, 'HEAD /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    expect(wire.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(wire).toContain('Content-Length: 21\r\n');
    expect(wire.endsWith('\r\n\r\n')).toBe(true);
  });

  it("passes the extension's own 404 through", async () => {
    const res = await request(`${host.url}/no/such/route`);
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('no route for /no/such/route\n');
  });

  it('answers 500 and closes when HttpExtensionProc returns HSE_STATUS_ERROR having sent nothing', async () => {
    const res = await request(`${host.url}/error`);
    expect(res.status).toBe(500);
    expect(res.headers.connection).toBe('close');
    expect(res.body.toString()).toContain('The ISAPI extension reported an error.');
  });

  it('answers HTTP/1.0 and closes the connection after it', async () => {
    const wire = await rawExchange(host.port, 'GET /hello HTTP/1.0\r\n\r\n');
    expect(wire.startsWith('HTTP/1.0 200 OK\r\n')).toBe(true);
    expect(wire).toContain('Connection: close\r\n');
    expect(wire.endsWith('Hello from hello_ext\n')).toBe(true);
  });
});

describe('ServerSupportFunction requests', () => {
  it('answers IS_CONNECTED and IS_KEEP_CONN, and refuses an unknown request with ERROR_INVALID_PARAMETER', async () => {
    const agent = new http.Agent({ keepAlive: true });
    const kept = await request(`${host.url}/support`, { agent });
    agent.destroy();
    expect(JSON.parse(kept.body.toString())).toEqual({
      isConnected: true,
      isKeepConn: true,
      unknownRequest: { ok: false, error: 87 },
    });
    const closing = await request(`${host.url}/support`); // Node sends "Connection: close"
    expect(JSON.parse(closing.body.toString()).isKeepConn).toBe(false);
  });

  it('sends a 302 for SEND_URL_REDIRECT_RESP', async () => {
    const res = await request(`${host.url}/support?redirect=1`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/hello');
    expect(res.headers['content-length']).toBe('0');
  });

  it('maps a URL to a path below the physical directory (MAP_URL_TO_PATH and _EX)', async () => {
    const res = await request(`${host.url}/map?url=/docs/a.txt`);
    const cwd = process.cwd();
    expect(JSON.parse(res.body.toString())).toEqual({
      path: `${cwd}/docs/a.txt`,
      ex: { path: `${cwd}/docs/a.txt`, flags: 0x205, matchingPath: cwd.length, matchingUrl: 0 },
    });
  });
});

// The request as an app sees it on the dev server: the environ IIS + the extension would give it,
// and IIS's own refusals before any app runs.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type DevServer } from '../../lib/serve/index.js';
import { rawExchange, request } from '../support/http.js';
import { environDump } from './fixtures/apps.js';

type Dump = Record<string, unknown>;

/** Sends one raw request on a fresh connection; returns the status line, the environ and the client port. */
async function rawDump(port: number, head: string, body = ''): Promise<{ status: string; env: Dump; clientPort: number }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const clientPort = socket.localPort!;
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.write(head + body);
  await new Promise((resolve) => socket.once('close', resolve));
  const wire = Buffer.concat(chunks).toString();
  const text = wire.slice(wire.indexOf('\r\n\r\n') + 4);
  return { status: wire.slice(0, wire.indexOf('\r\n')), env: text.startsWith('{') ? JSON.parse(text) : {}, clientPort };
}

const statusOf = async (port: number, target: string): Promise<string> => {
  const wire = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  return wire.slice(0, wire.indexOf('\r\n'));
};

describe('environ under scriptName "/app"', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await serve(environDump, { port: 0, scriptName: '/app', trace: () => undefined });
  });
  afterAll(() => server.close());

  it('has the url of the application', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/app`);
  });

  it('carries the request line, headers, body length and connection', async () => {
    const { status, env, clientPort } = await rawDump(
      server.port,
      'POST /app/items/42?sort=asc&q=a%20b HTTP/1.1\r\nHost: shop.example:8443\r\nAccept: application/json\r\n' +
        'X-Trace-Id: abc\r\nX_Under_Score: dropped\r\nX-Trace-Id: def\r\nContent-Type: application/json\r\n' +
        'Content-Length: 13\r\nConnection: close\r\n\r\n',
      '{"name":"ok"}',
    );
    expect(status).toBe('HTTP/1.1 200 OK');
    expect(env).toMatchObject({
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '/app',
      PATH_INFO: '/items/42',
      QUERY_STRING: 'sort=asc&q=a%20b',
      CONTENT_TYPE: 'application/json',
      CONTENT_LENGTH: '13',
      SERVER_NAME: 'shop.example',
      SERVER_PORT: String(server.port),
      SERVER_PROTOCOL: 'HTTP/1.1',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_PORT: String(clientPort),
      HTTP_HOST: 'shop.example:8443',
      HTTP_ACCEPT: 'application/json',
      HTTP_X_TRACE_ID: 'abc, def',
      'wsgi.version': [1, 0],
      'wsgi.url_scheme': 'http',
      'wsgi.input': '<object>',
      'wsgi.errors': '<object>',
      'wsgi.multithread': false,
      'wsgi.multiprocess': false,
      'wsgi.run_once': false,
      'isapi.signal': '<object>',
      'var(URL)': '/app/items/42',
      'var(UNENCODED_URL)': '/app/items/42?sort=asc&q=a%20b',
      'var(REQUEST_METHOD)': 'POST',
      'var(INSTANCE_ID)': '1',
      'var(HTTP_X_TRACE_ID)': 'abc, def',
      'var(HEADER_X_Under_Score)': 'dropped',
      'var(NO_SUCH)': null,
    });
    expect(env).not.toHaveProperty('HTTP_CONTENT_TYPE');
    expect(env).not.toHaveProperty('HTTP_CONTENT_LENGTH');
    expect(env).not.toHaveProperty('HTTP_X_UNDER_SCORE');
    expect(env).not.toHaveProperty('HTTPS');
    expect(typeof env['isapi.request_id']).toBe('number');
  });

  it('never sets REMOTE_USER or AUTH_TYPE, whatever the client sends', async () => {
    const res = await request(`${server.url}/x`, { headers: { 'Remote-User': 'mallory', 'Auth-Type': 'Basic' } });
    const env = JSON.parse(res.body.toString());
    expect(env.REMOTE_USER).toBeUndefined();
    expect(env.AUTH_TYPE).toBeUndefined();
    expect(env.HTTP_REMOTE_USER).toBe('mallory');
  });

  it('gives the application root an empty PATH_INFO', async () => {
    const env = JSON.parse((await request(`${server.url}`)).body.toString());
    expect(env.SCRIPT_NAME).toBe('/app');
    expect(env.PATH_INFO).toBe('');
  });

  it('matches the application case-insensitively, as IIS does', async () => {
    const env = JSON.parse((await request(`http://127.0.0.1:${server.port}/APP/x`)).body.toString());
    expect(env.SCRIPT_NAME).toBe('/app');
    expect(env.PATH_INFO).toBe('/x');
  });

  it('decodes the path, removes dot segments and keeps the query raw', async () => {
    const { env } = await rawDump(
      server.port,
      'GET /app/a/./b/../%63%2Fd%20%C3%A9/?x=%41+y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    );
    expect(env.PATH_INFO).toBe('/a/c/d é/');
    expect(env.QUERY_STRING).toBe('x=%41+y');
    expect(env['var(UNENCODED_URL)']).toBe('/app/a/./b/../%63%2Fd%20%C3%A9/?x=%41+y');
  });

  it('omits CONTENT_LENGTH for a chunked upload', async () => {
    const env = JSON.parse((await request(`${server.url}/x`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: 'abc' })).body.toString());
    expect(env.CONTENT_LENGTH).toBeUndefined();
  });

  it('answers 404 outside the application, before any app runs', async () => {
    const res = await request(`http://127.0.0.1:${server.port}/other`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=us-ascii');
    expect(res.body.toString()).toContain('404 Not Found');
    expect(await statusOf(server.port, '/application')).toBe('HTTP/1.1 404 Not Found');
    expect(await statusOf(server.port, '/')).toBe('HTTP/1.1 404 Not Found');
  });

  it('answers 404 to a path that climbs out of the application but stays on the site', async () => {
    expect(await statusOf(server.port, '/app/../other')).toBe('HTTP/1.1 404 Not Found');
  });
});

describe('environ at the site root', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await serve(environDump, { port: 0, trace: () => undefined });
  });
  afterAll(() => server.close());

  it('has an empty SCRIPT_NAME and the whole path in PATH_INFO', async () => {
    const env = JSON.parse((await request(`${server.url}/users/7?full=1`)).body.toString());
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(env.SCRIPT_NAME).toBe('');
    expect(env.PATH_INFO).toBe('/users/7');
    expect(env.QUERY_STRING).toBe('full=1');
    expect(env.SERVER_NAME).toBe('127.0.0.1');
  });

  it('reports HTTP/1.0 and the local address as SERVER_NAME without a Host header', async () => {
    const { env } = await rawDump(server.port, 'GET /x HTTP/1.0\r\n\r\n');
    expect(env.SERVER_PROTOCOL).toBe('HTTP/1.0');
    expect(env.SERVER_NAME).toBe('127.0.0.1');
  });
});

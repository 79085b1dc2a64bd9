// The environ an app receives: CGI keys, wsgi.* keys and isapi.* extras, matching the request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startApp, type RunningApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { rawJsonExchange, request } from '../support/http.js';

type Dump = Record<string, unknown>;

async function rawDump(port: number, head: string, body = ''): Promise<{ env: Dump; clientPort: number }> {
  const { json, clientPort } = await rawJsonExchange<Dump>(port, head + body);
  return { env: json, clientPort };
}

describe('environ of an app at the site root', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: fixture('environ.app.mjs') });
  });
  afterAll(async () => {
    await stopClean(app);
  });

  it('carries the request line, headers, body length and connection', async () => {
    const { env, clientPort } = await varsFor(app);
    expect(env).toMatchObject({
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '',
      PATH_INFO: '/items/42',
      QUERY_STRING: 'sort=asc&q=a%20b',
      CONTENT_TYPE: 'application/json',
      CONTENT_LENGTH: '13',
      SERVER_NAME: 'shop.example',
      SERVER_PORT: String(app.port),
      SERVER_PROTOCOL: 'HTTP/1.1',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_PORT: String(clientPort),
      LOCAL_ADDR: '127.0.0.1',
      HTTP_HOST: 'shop.example',
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
      'isapi.signal.aborted': false,
      'isapi.server_variable(INSTANCE_ID)': '1',
      'isapi.server_variable(NO_SUCH)': null,
    });
    // CGI rules: no HTTP_ key for Content-Type/Length; an underscore header is dropped entirely.
    expect(env).not.toHaveProperty('HTTP_CONTENT_TYPE');
    expect(env).not.toHaveProperty('HTTP_CONTENT_LENGTH');
    expect(env).not.toHaveProperty('HTTP_X_UNDER_SCORE');
    expect(env).not.toHaveProperty('REMOTE_USER');
    expect(env).not.toHaveProperty('AUTH_TYPE');
    expect(typeof env['isapi.request_id']).toBe('number');
  });

  it('never takes REMOTE_USER or AUTH_TYPE from a client header', async () => {
    const res = await request(`${app.url}/x`, { headers: { 'Remote-User': 'mallory', 'Auth-Type': 'Basic' } });
    const env = JSON.parse(res.body.toString());
    expect(env.REMOTE_USER).toBeUndefined();
    expect(env.AUTH_TYPE).toBeUndefined();
    expect(env.HTTP_REMOTE_USER).toBe('mallory');
  });

  it('carries UTF-8 in the path and in a header exactly, with every field in its place', async () => {
    // The record's strings travel to JavaScript joined by NUL and decoded as one: a multi-byte
    // character must neither be split nor shift a field.
    const { env } = await rawDump(
      app.port,
      'GET /%C3%A9 HTTP/1.1\r\nHost: shop.example\r\nX-Name: caf\u00e9\r\nConnection: close\r\n\r\n',
    );
    expect(env).toMatchObject({
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/\u00e9',
      HTTP_X_NAME: 'caf\u00e9',
      HTTP_HOST: 'shop.example',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REMOTE_ADDR: '127.0.0.1',
    });
    expect(env).not.toHaveProperty('REMOTE_USER');
  });

  it('carries server variables longer than the first buffer the extension offers IIS, whole', async () => {
    // ALL_RAW and UNICODE_URL here run past 512 bytes: IIS answers ERROR_INSUFFICIENT_BUFFER first.
    const long = 'v'.repeat(3000);
    const path = `/${'p'.repeat(300)}/\u00e9`;
    const { env } = await rawDump(
      app.port,
      `GET ${encodeURI(path)} HTTP/1.1\r\nHost: shop.example\r\nX-Long: ${long}\r\nConnection: close\r\n\r\n`,
    );
    expect(env).toMatchObject({ PATH_INFO: path, HTTP_X_LONG: long, HTTP_HOST: 'shop.example' });
  });

  it('omits CONTENT_LENGTH for a chunked upload', async () => {
    const res = await request(`${app.url}/x`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: 'abc' });
    const env = JSON.parse(res.body.toString());
    expect(env.CONTENT_LENGTH).toBeUndefined();
  });
});

async function varsFor(app: RunningApp) {
  return rawDump(
    app.port,
    'POST /items/42?sort=asc&q=a%20b HTTP/1.1\r\nHost: shop.example\r\nAccept: application/json\r\n' +
      'X-Trace-Id: abc\r\nX_Under_Score: dropped\r\nX-Trace-Id: def\r\nContent-Type: application/json\r\n' +
      'Content-Length: 13\r\nConnection: close\r\n\r\n',
    '{"name":"ok"}',
  );
}

describe('environ of an app under a virtual directory, authenticated, behind TLS', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      app: fixture('environ.app.mjs'),
      hostArgs: ['--virtual-dir', '/app', '--auth-user', 'CONTOSO\\alice', '--https'],
    });
  });
  afterAll(async () => {
    await stopClean(app);
  });

  it('splits SCRIPT_NAME and PATH_INFO at the application', async () => {
    const env = JSON.parse((await request(`${app.url}/app/users/7?full=1`)).body.toString());
    expect(env.SCRIPT_NAME).toBe('/app');
    expect(env.PATH_INFO).toBe('/users/7');
    expect(env.QUERY_STRING).toBe('full=1');
  });

  it('gives the application root an empty PATH_INFO', async () => {
    const env = JSON.parse((await request(`${app.url}/app`)).body.toString());
    expect(env.SCRIPT_NAME).toBe('/app');
    expect(env.PATH_INFO).toBe('');
  });

  it('takes REMOTE_USER and AUTH_TYPE from IIS authentication, whatever the client says', async () => {
    const env = JSON.parse((await request(`${app.url}/app/me`, { headers: { 'Remote-User': 'mallory' } })).body.toString());
    expect(env.REMOTE_USER).toBe('CONTOSO\\alice');
    expect(env.AUTH_TYPE).toBe('Negotiate');
  });

  it('reports https in wsgi.url_scheme when IIS says HTTPS=on', async () => {
    const env = JSON.parse((await request(`${app.url}/app/`)).body.toString());
    expect(env['wsgi.url_scheme']).toBe('https');
    expect(env.HTTPS).toBe('on');
  });
});

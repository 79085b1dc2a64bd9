// Server variables as IIS reports them: they must match what the client sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, stopClean, type RunningHost } from '../support/host.js';
import { rawExchange, rawJsonExchange, request } from '../support/http.js';

interface VarsDump {
  vars: Record<string, string | null>;
  headers?: Record<string, string | null>;
  ecb: Record<string, string | number | boolean>;
}

const dump = (body: Buffer) => JSON.parse(body.toString()) as VarsDump;

async function varsFromRawRequest(port: number, head: string, body = ''): Promise<{ dump: VarsDump; clientPort: number }> {
  const { json, clientPort } = await rawJsonExchange<VarsDump>(port, head + body);
  return { dump: json, clientPort };
}

describe('server variables at the site root', () => {
  let host: RunningHost;
  beforeAll(async () => {
    // The ECB is compared whole: its preload pinned (the hostile host preloads any amount).
    host = await startHost({ args: ['--preload', '49152'] });
  });
  afterAll(async () => {
    await stopClean(host);
  });

  it('reports the request line, headers and connection exactly', async () => {
    const { dump: d, clientPort } = await varsFromRawRequest(
      host.port,
      'POST /vars?h=X-Custom-Header,Accept&x=1%202 HTTP/1.1\r\nHost: example.test:8080\r\nX-Custom-Header: one\r\n' +
        'Accept: text/plain\r\nX-Custom-Header: two\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
      'hello',
    );
    const v = d.vars;
    expect(v.REQUEST_METHOD).toBe('POST');
    expect(v.QUERY_STRING).toBe('h=X-Custom-Header,Accept&x=1%202');
    expect(v.URL).toBe('/vars');
    expect(v.SCRIPT_NAME).toBe('/vars');
    expect(v.PATH_INFO).toBe('/vars');
    expect(v.UNENCODED_URL).toBe('/vars?h=X-Custom-Header,Accept&x=1%202');
    expect(v.HTTP_URL).toBe('/vars?h=X-Custom-Header,Accept&x=1%202');
    expect(v.CONTENT_LENGTH).toBe('5');
    expect(v.CONTENT_TYPE).toBe('text/plain');
    expect(v.SERVER_NAME).toBe('example.test');
    expect(v.SERVER_PORT).toBe(String(host.port));
    expect(v.SERVER_PROTOCOL).toBe('HTTP/1.1');
    expect(v.SERVER_PORT_SECURE).toBe('0');
    expect(v.HTTPS).toBe('off');
    expect(v.GATEWAY_INTERFACE).toBe('CGI/1.1');
    expect(v.REMOTE_ADDR).toBe('127.0.0.1');
    expect(v.REMOTE_HOST).toBe('127.0.0.1');
    expect(v.REMOTE_PORT).toBe(String(clientPort));
    expect(v.LOCAL_ADDR).toBe('127.0.0.1');
    expect(v.INSTANCE_ID).toBe('1');
    expect(v.INSTANCE_META_PATH).toBe('/LM/W3SVC/1');
    expect(v.APPL_MD_PATH).toBe('/LM/W3SVC/1/ROOT');
    expect(v.APPL_PHYSICAL_PATH).toBe(`${process.cwd()}/`);
    expect(v.PATH_TRANSLATED).toBe(`${process.cwd()}/vars`);
    expect(v.AUTH_TYPE).toBe('');
    expect(v.REMOTE_USER).toBe('');
    // ALL_HTTP: one line per header name, repeats merged, HTTP_ + upper case with '_' for '-'.
    expect(v.ALL_HTTP).toBe(
      'HTTP_HOST:example.test:8080\r\nHTTP_X_CUSTOM_HEADER:one, two\r\nHTTP_ACCEPT:text/plain\r\n' +
        'HTTP_CONTENT_TYPE:text/plain\r\nHTTP_CONTENT_LENGTH:5\r\nHTTP_CONNECTION:close\r\n',
    );
    // ALL_RAW: the headers as received, each line kept (repeats of a name listed together, as the
    // HTTP parser stores them).
    expect(v.ALL_RAW).toBe(
      'Host: example.test:8080\r\nX-Custom-Header: one\r\nX-Custom-Header: two\r\nAccept: text/plain\r\n' +
        'Content-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n',
    );
    expect(d.headers).toEqual({
      HTTP_X_CUSTOM_HEADER: 'one, two',
      'HEADER_X-Custom-Header': 'one, two',
      HTTP_ACCEPT: 'text/plain',
      HEADER_Accept: 'text/plain',
    });
    expect(d.ecb).toEqual({
      cbSize: 192,
      dwVersion: 0x60000,
      method: 'POST',
      query: 'h=X-Custom-Header,Accept&x=1%202',
      pathInfo: '/vars',
      pathTranslated: `${process.cwd()}/vars`,
      contentType: 'text/plain',
      cbTotalBytes: 5,
      cbAvailable: 5,
      lpbDataTerminated: true,
    });
  });

  it('follows the GetServerVariable buffer rules', async () => {
    const res = await request(`${host.url}/buffer-rules`);
    // URL is "/buffer-rules": 13 characters, 14 bytes with the NUL; 28 as UTF-16.
    expect(JSON.parse(res.body.toString())).toEqual({
      urlLength: 13,
      nullBuffer: { ok: false, error: 122, size: 14 },
      oneShort: { ok: false, error: 122, size: 14 },
      exact: { ok: true, error: 0, size: 14 },
      unicodeNull: { ok: false, error: 122, size: 28 },
      unknown: { ok: false, error: 1413, size: 64 },
      absentHeader: { ok: false, error: 1413, size: 64 },
    });
  });

  it('gives UNICODE_ variables as UTF-16LE with a two-byte terminator, for paths and identities only', async () => {
    const plain = await request(`${host.url}/var?UNICODE_URL`);
    expect(plain.body).toEqual(Buffer.from('/var\0', 'utf16le'));
    const user = await request(`${host.url}/var?UNICODE_REMOTE_USER`);
    expect(user.body).toEqual(Buffer.from('\0', 'utf16le')); // anonymous: empty
    // Headers and the other variables have no UNICODE_ form on IIS: ERROR_INVALID_INDEX.
    for (const name of ['UNICODE_REMOTE_ADDR', 'UNICODE_HTTP_HOST', 'UNICODE_HEADER_Host', 'UNICODE_QUERY_STRING']) {
      const refused = await request(`${host.url}/var?${name}`);
      expect([name, refused.status, refused.body.toString()]).toEqual([name, 404, 'ERROR_INVALID_INDEX\n']);
    }
    // A UTF-8 header value stays the bytes received (raw: Node's client refuses non-Latin-1 values).
    const wire = await rawExchange(
      host.port,
      Buffer.concat([
        Buffer.from('GET /var?HTTP_X_NAME HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX-Name: '),
        Buffer.from('café 𝄞', 'utf8'),
        Buffer.from('\r\n\r\n'),
      ]),
    );
    const body = Buffer.from(wire.slice(wire.indexOf('\r\n\r\n') + 4), 'latin1');
    expect(body).toEqual(Buffer.from('café 𝄞\0', 'utf8'));
  });
});

describe('server variables under a virtual directory', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({ args: ['--virtual-dir', '/app', '--physical-path', '/srv/www/app', '--site-id', '3'] });
  });
  afterAll(async () => {
    await stopClean(host);
  });

  it('reports the application in APPL_MD_PATH and the full path in URL and PATH_INFO', async () => {
    const res = await request(`${host.url}/app/vars/extra?k=v`);
    expect(res.status).toBe(404); // the extension routes on the path relative to the application
    const ok = await request(`${host.url}/app/vars?k=v`);
    const v = dump(ok.body).vars;
    expect(v.APPL_MD_PATH).toBe('/LM/W3SVC/3/ROOT/app');
    expect(v.APPL_PHYSICAL_PATH).toBe('/srv/www/app/');
    expect(v.URL).toBe('/app/vars');
    expect(v.SCRIPT_NAME).toBe('/app/vars');
    expect(v.PATH_INFO).toBe('/app/vars');
    expect(v.PATH_TRANSLATED).toBe('/srv/www/app/vars');
    expect(v.INSTANCE_ID).toBe('3');
    expect(v.QUERY_STRING).toBe('k=v');
  });

  it('answers 404 itself for URLs outside the application', async () => {
    const res = await request(`${host.url}/application/vars`);
    expect(res.status).toBe(404);
    expect(res.headers.server).toBe('isapi-host');
    expect(res.body.toString()).toContain('no application is mapped at this URL');
  });
});

// The dev server against the real path: the same app, the same raw requests, through serve() and
// through isapi-host → isapi_node extension → embedded Node. The environ and the server variables
// must be the same, except what depends on the port each one listens on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../lib/index.js';
import { serve, type DevServer } from '../../lib/serve/index.js';
import { startApp, type RunningApp } from '../support/app-host.js';
import { buildDir } from '../support/build.js';
import { rawExchange } from '../support/http.js';

const fixture = new URL('./fixtures/parity.app.mjs', import.meta.url).pathname;
const built = existsSync(join(buildDir, 'isapi-host')) && existsSync(join(buildDir, 'isapi_node.so'));

interface Answer {
  status: string;
  dump: { environ: Record<string, unknown>; variables: Record<string, unknown>; body: string } | null;
}

async function exchange(port: number, raw: string): Promise<Answer> {
  const wire = await rawExchange(port, raw);
  const text = Buffer.from(wire, 'latin1').toString('utf8');
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status: text.slice(0, text.indexOf('\r\n')), dump: body.startsWith('{') ? JSON.parse(body) : null };
}

/**
 * What legitimately differs between the two: the ports, the request counter, and the status line's
 * version (isapi-host answers an HTTP/1.0 request in HTTP/1.0, Node's http always in HTTP/1.1).
 */
function comparable(answer: Answer): Answer {
  const status = answer.status.replace(/^HTTP\/1\.[01] /, '');
  if (!answer.dump) return { status, dump: null };
  const { environ, variables, body } = answer.dump;
  const { SERVER_PORT, REMOTE_PORT, 'isapi.request_id': id, ...rest } = environ;
  expect(typeof id).toBe('number');
  expect(SERVER_PORT).toMatch(/^\d+$/);
  expect(REMOTE_PORT).toMatch(/^\d+$/);
  return { status, dump: { environ: rest, variables, body } };
}

const REQUESTS: [string, string][] = [
  [
    'a POST with headers and a body',
    'POST /app/items/42?sort=asc&q=a%20b HTTP/1.1\r\nHost: shop.example:8443\r\nAccept: application/json\r\n' +
      // Repeats side by side: isapi-host's parser (Beast) groups repeated fields in ALL_RAW, where
      // IIS and the dev server keep the order received.
      'X-Trace-Id: abc\r\nX-Trace-Id: def\r\nX_Under_Score: dropped\r\nContent-Type: application/json\r\n' +
      'Cookie: a=1\r\nCookie: b=2\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{"name":"ok"}',
  ],
  ['escapes and dot segments', 'GET /app/a/./b/../%63%2Fd%20%C3%A9/?x=%41+y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
  ['backslashes and double slashes', 'GET /app//x\\y/ HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
  ['the application root', 'GET /app HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
  [
    'a chunked upload',
    'PUT /app/up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
  ],
  ['HTTP/1.0 without Host', 'GET /app/old HTTP/1.0\r\n\r\n'],
  ['an IPv6 Host', 'GET /app/v6 HTTP/1.1\r\nHost: [::1]:81\r\nConnection: close\r\n\r\n'],
  ['a path outside the application', 'GET /other HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
];

describe.skipIf(!built)('the dev server and the real path give an app the same request', () => {
  let real: RunningApp;
  let dev: DevServer;
  beforeAll(async () => {
    const app = ((await import(fixture)) as { default: App }).default;
    [real, dev] = await Promise.all([
      startApp({ app: fixture, hostArgs: ['--virtual-dir', '/app'] }),
      serve(app, { port: 0, scriptName: '/app', trace: () => undefined }),
    ]);
  });
  afterAll(async () => {
    await dev?.close();
    const stopped = await real?.stop();
    expect(stopped?.stats.violations).toEqual([]);
  });

  it.each(REQUESTS)('for %s', async (_name, raw) => {
    const [fromHost, fromDev] = await Promise.all([exchange(real.port, raw), exchange(dev.port, raw)]);
    expect(comparable(fromDev)).toEqual(comparable(fromHost));
  });
});

// Bad HTTP input is refused the way http.sys refuses it, before any extension code runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, stopClean, type RunningHost } from '../support/host.js';
import { rawExchange } from '../support/http.js';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost({ args: ['--max-header-bytes', '4096'] });
});
afterAll(async () => {
  const stats = await stopClean(host);
  // Not one of these requests reached the extension.
  expect(stats.sessions.started).toBe(0);
  expect(stats.refused).toBeGreaterThanOrEqual(cases.length);
});

const statusLine = (wire: string) => wire.slice(0, wire.indexOf('\r\n'));

const cases: [string, string, string][] = [
  ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
  ['a method with a space in it', 'GE T /hello HTTP/1.1\r\nHost: t\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
  ['a header line without a colon', 'GET /hello HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
  [
    'both Content-Length and Transfer-Encoding',
    'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'HTTP/1.1 400 Bad Request',
  ],
  ['a non-numeric Content-Length', 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5x\r\n\r\nhello', 'HTTP/1.1 400 Bad Request'],
  ['a malformed chunk size', 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
  ['an unknown transfer coding', 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n', 'HTTP/1.1 501 Not Implemented'],
  ['an HTTP version the host does not speak', 'GET /hello HTTP/2.0\r\nHost: t\r\n\r\n', 'HTTP/1.1 505 HTTP Version Not Supported'],
  ['headers larger than the limit', `GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
];

describe('malformed requests', () => {
  for (const [what, bytes, expected] of cases) {
    it(`refuses ${what} with "${expected.slice(9)}" and closes`, async () => {
      const wire = await rawExchange(host.port, bytes);
      expect(statusLine(wire)).toBe(expected);
      expect(wire).toContain('\r\nConnection: close\r\n');
      expect(wire).toContain('\r\nServer: isapi-host\r\n');
    });
  }
});

// req.url and req.httpVersion as a Node listener sees them: the target relative to the application,
// in the client's own encoding, and the version of the request line.
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildRequest, relativeUrl } from '../../lib/adapters/node/request.js';
import type { Environ } from '../../lib/index.js';

const environ = (fields: Record<string, string>): Environ => ({ SCRIPT_NAME: '', QUERY_STRING: '', SERVER_PROTOCOL: 'HTTP/1.1', 'isapi.headers': [], ...fields }) as unknown as Environ;

describe('relativeUrl', () => {
  it.each([
    ['/plaintext', '', '/plaintext', '', '/plaintext'],
    ['/a/b', 'x=1', '/a/b?x=1', '', '/a/b?x=1'],
    ['/caf\u00e9', '', '/caf%C3%A9', '', '/caf%C3%A9'],
    ['/caf\u00e9', '', '/caf%c3%a9', '', '/caf%c3%a9'],
    ['/a b', '', '/a b', '', '/a b'],
    ['/a b', '', '/a%20b', '', '/a%20b'],
    ['/x/y', '', '/app/x/y', '/app', '/x/y'],
    ['', '', '/app', '/app', '/'],
    ['/', '', '*', '', '/'],
    ['/other', '', '/plaintext', '', '/other'],
  ])('PATH_INFO %j, QUERY_STRING %j, REQUEST_URI %j, SCRIPT_NAME %j: %j', (pathInfo, query, uri, scriptName, url) => {
    expect(relativeUrl(environ({ PATH_INFO: pathInfo, QUERY_STRING: query, REQUEST_URI: uri, SCRIPT_NAME: scriptName }))).toBe(url);
  });
});

describe('httpVersion', () => {
  it.each([
    ['HTTP/1.1', 1, 1, '1.1'],
    ['HTTP/1.0', 1, 0, '1.0'],
    ['HTTP/2', 2, 0, '2.0'],
    ['HTTP/2.0', 2, 0, '2.0'],
    ['', 1, 1, '1.1'],
    ['SPDY', 1, 1, '1.1'],
  ])('%j: %d.%d', (protocol, major, minor, version) => {
    const req = buildRequest(environ({ PATH_INFO: '/', REQUEST_URI: '/', SERVER_PROTOCOL: protocol }), new Socket());
    expect([req.httpVersionMajor, req.httpVersionMinor, req.httpVersion]).toEqual([major, minor, version]);
  });
});

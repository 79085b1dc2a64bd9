import { describe, expect, it } from 'vitest';
import { checkHeaderName, checkHeaderValue, checkHeaders, checkStatus, isHopByHop, type ErrorCode } from '../../lib/index.js';

function codeOf(action: () => void): ErrorCode | undefined {
  try {
    action();
  } catch (error) {
    return (error as { code?: ErrorCode }).code;
  }
  return undefined;
}

function messageOf(action: () => void): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('checkStatus', () => {
  it('accepts a code, one space and a reason phrase', () => {
    expect(() => checkStatus('200 OK')).not.toThrow();
    expect(() => checkStatus('404 Not Found')).not.toThrow();
    expect(() => checkStatus('599 Whatever It Is\tTabbed')).not.toThrow();
  });

  it('accepts a Latin-1 reason phrase', () => {
    expect(() => checkStatus('200 Très bien')).not.toThrow();
  });

  it.each([
    ['CR', '200 OK\r'],
    ['LF', '200 OK\nX-Injected: 1'],
    ['NUL', '200 O\0K'],
  ])('refuses %s in the status', (name, status) => {
    expect(codeOf(() => checkStatus(status))).toBe('ISAPI_BAD_STATUS');
    expect(messageOf(() => checkStatus(status))).toContain(`contains ${name}`);
  });

  it('refuses a status that is not a string', () => {
    expect(codeOf(() => checkStatus(200))).toBe('ISAPI_BAD_STATUS');
  });

  it('refuses a status without a reason phrase', () => {
    expect(codeOf(() => checkStatus('200'))).toBe('ISAPI_BAD_STATUS');
    expect(messageOf(() => checkStatus('200 '))).toContain('reason phrase is missing');
  });

  it('refuses a code that is not three digits', () => {
    expect(codeOf(() => checkStatus('20 OK'))).toBe('ISAPI_BAD_STATUS');
    expect(codeOf(() => checkStatus('2000 OK'))).toBe('ISAPI_BAD_STATUS');
    expect(codeOf(() => checkStatus('OK 200'))).toBe('ISAPI_BAD_STATUS');
  });

  it('refuses interim (1xx) and out-of-range codes', () => {
    expect(codeOf(() => checkStatus('100 Continue'))).toBe('ISAPI_BAD_STATUS');
    expect(codeOf(() => checkStatus('600 Nope'))).toBe('ISAPI_BAD_STATUS');
  });

  it('refuses whitespace around the reason phrase', () => {
    expect(codeOf(() => checkStatus('200  OK'))).toBe('ISAPI_BAD_STATUS');
    expect(codeOf(() => checkStatus('200 OK '))).toBe('ISAPI_BAD_STATUS');
  });

  it('refuses other control characters and characters beyond Latin-1', () => {
    expect(messageOf(() => checkStatus('200 O\x07K'))).toContain('U+0007');
    expect(messageOf(() => checkStatus('200 OK \u20ac'))).toContain('not Latin-1');
  });

  it('names the status in the message', () => {
    expect(messageOf(() => checkStatus('2xx OK'))).toContain('"2xx OK"');
  });
});

describe('checkHeaderName', () => {
  it('accepts RFC 9110 tokens', () => {
    expect(() => checkHeaderName('Content-Type')).not.toThrow();
    expect(() => checkHeaderName("X-!#$%&'*+.^_`|~1")).not.toThrow();
  });

  it.each([
    ['CR', 'X-A\rB'],
    ['LF', 'X-A\nB'],
    ['NUL', 'X-A\0B'],
  ])('refuses %s in a name', (name, header) => {
    expect(codeOf(() => checkHeaderName(header))).toBe('ISAPI_BAD_HEADER_NAME');
    expect(messageOf(() => checkHeaderName(header))).toContain(`contains ${name}`);
  });

  it.each(['X Y', 'X:Y', 'X(Y)', 'X"Y', 'X/Y', 'Ä', 'X@Y', 'X{Y}'])('refuses the non-token name %j', (name) => {
    expect(codeOf(() => checkHeaderName(name))).toBe('ISAPI_BAD_HEADER_NAME');
    expect(messageOf(() => checkHeaderName(name))).toContain('RFC 9110 token');
  });

  it('refuses an empty name', () => {
    expect(codeOf(() => checkHeaderName(''))).toBe('ISAPI_BAD_HEADER_NAME');
  });

  it('refuses a name that is not a string', () => {
    expect(codeOf(() => checkHeaderName(7))).toBe('ISAPI_BAD_HEADER_NAME');
  });

  it('refuses a Status header', () => {
    expect(codeOf(() => checkHeaderName('Status'))).toBe('ISAPI_BAD_HEADER_NAME');
  });

  it.each(['Connection', 'Keep-Alive', 'Proxy-Authenticate', 'Proxy-Authorization', 'TE', 'Trailer', 'Trailers', 'Transfer-Encoding', 'Upgrade'])(
    'refuses the hop-by-hop header %s',
    (name) => {
      expect(codeOf(() => checkHeaderName(name))).toBe('ISAPI_HOP_BY_HOP_HEADER');
      expect(messageOf(() => checkHeaderName(name))).toContain(name);
    },
  );

  it('recognizes hop-by-hop names in any case', () => {
    expect(isHopByHop('transfer-ENCODING')).toBe(true);
    expect(codeOf(() => checkHeaderName('connection'))).toBe('ISAPI_HOP_BY_HOP_HEADER');
    expect(isHopByHop('Content-Length')).toBe(false);
  });
});

describe('checkHeaderValue', () => {
  it('accepts visible characters, spaces, tabs and Latin-1', () => {
    expect(() => checkHeaderValue('X', 'a b\tc "d" é')).not.toThrow();
    expect(() => checkHeaderValue('X', '')).not.toThrow();
  });

  it.each([
    ['CR', 'a\rb'],
    ['LF', 'a\nSet-Cookie: x=1'],
    ['NUL', 'a\0b'],
  ])('refuses %s in a value', (name, value) => {
    expect(codeOf(() => checkHeaderValue('X-Test', value))).toBe('ISAPI_BAD_HEADER_VALUE');
    expect(messageOf(() => checkHeaderValue('X-Test', value))).toContain(`contains ${name}`);
  });

  it('names the header in the message', () => {
    expect(messageOf(() => checkHeaderValue('X-Test', 'a\nb'))).toContain('"X-Test"');
  });

  it('refuses other control characters, DEL and characters beyond Latin-1', () => {
    expect(codeOf(() => checkHeaderValue('X', 'a\x01'))).toBe('ISAPI_BAD_HEADER_VALUE');
    expect(codeOf(() => checkHeaderValue('X', 'a\x7f'))).toBe('ISAPI_BAD_HEADER_VALUE');
    expect(messageOf(() => checkHeaderValue('X', 'snow ☃'))).toContain('not Latin-1');
  });

  it('refuses a value that is not a string', () => {
    expect(codeOf(() => checkHeaderValue('Content-Length', 5))).toBe('ISAPI_BAD_HEADER_VALUE');
  });
});

describe('checkHeaders', () => {
  it('accepts an array of valid pairs, repeats included', () => {
    expect(() =>
      checkHeaders([
        ['Content-Type', 'text/plain'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ]),
    ).not.toThrow();
    expect(() => checkHeaders([])).not.toThrow();
  });

  it('refuses something that is not an array', () => {
    expect(codeOf(() => checkHeaders({ 'Content-Type': 'text/plain' }))).toBe('ISAPI_BAD_HEADERS');
  });

  it('refuses an entry that is not a pair', () => {
    expect(codeOf(() => checkHeaders([['Content-Type']]))).toBe('ISAPI_BAD_HEADERS');
    expect(codeOf(() => checkHeaders([['A', 'b', 'c']]))).toBe('ISAPI_BAD_HEADERS');
    expect(codeOf(() => checkHeaders(['Content-Type: text/plain']))).toBe('ISAPI_BAD_HEADERS');
  });

  it('checks every name and value', () => {
    expect(codeOf(() => checkHeaders([['X-Ok', 'fine'], ['Bad Name', 'x']]))).toBe('ISAPI_BAD_HEADER_NAME');
    expect(codeOf(() => checkHeaders([['X-Ok', 'fine'], ['X-Bad', 'x\r\n']]))).toBe('ISAPI_BAD_HEADER_VALUE');
    expect(codeOf(() => checkHeaders([['Upgrade', 'websocket']]))).toBe('ISAPI_HOP_BY_HOP_HEADER');
  });

  it('refuses a Content-Length that is not a plain decimal number', () => {
    expect(codeOf(() => checkHeaders([['Content-Length', '-1']]))).toBe('ISAPI_BAD_CONTENT_LENGTH');
    expect(codeOf(() => checkHeaders([['Content-Length', '1e3']]))).toBe('ISAPI_BAD_CONTENT_LENGTH');
    expect(codeOf(() => checkHeaders([['Content-Length', ' 5']]))).toBe('ISAPI_BAD_CONTENT_LENGTH');
    expect(codeOf(() => checkHeaders([['Content-Length', '99999999999999999999']]))).toBe('ISAPI_BAD_CONTENT_LENGTH');
  });

  it('refuses two Content-Length headers', () => {
    expect(codeOf(() => checkHeaders([['Content-Length', '5'], ['content-length', '5']]))).toBe('ISAPI_BAD_CONTENT_LENGTH');
  });
});

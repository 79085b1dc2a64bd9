// Validation of what an app passes to startResponse. Whatever passes here is safe to hand to the
// native side as-is: no CR, LF or NUL that could split the header block, only characters that are
// one byte in Latin-1 (so the native side encodes status and headers as Latin-1, as Node's own
// http module does), and no hop-by-hop header that would fight the server's connection management.
// validate(app) reuses these checks, so each failure names its rule.

import { IsapiError, describeValue } from './errors.js';

/** RFC 9110 token characters (section 5.6.2). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NOT_TOKEN_CHAR = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** RFC 9110 field-value characters (HTAB, SP, VCHAR, obs-text): the same set Node's http accepts. */
const NOT_FIELD_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const CR_LF_NUL = /[\r\n\0]/;

/**
 * Connection-level headers: the server owns these. RFC 9110 section 7.6.1's list, RFC 2616's
 * (Keep-Alive, Proxy-Authenticate, Proxy-Authorization, Trailers) and the non-standard
 * Proxy-Connection. The one list: the core refuses them from a WSGI app, both adapters drop them.
 */
export const HOP_BY_HOP_HEADERS: readonly string[] = Object.freeze([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);
const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase());
}

/** Names a character for a message: the three that split lines by name, the rest by code point. */
function describeChar(char: string): string {
  if (char === '\r') return 'CR';
  if (char === '\n') return 'LF';
  if (char === '\0') return 'NUL';
  if (char === ' ') return 'a space';
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code > 0xff) return `${hex}, which is not Latin-1`;
  if (code >= 0x21 && code <= 0x7e) return `"${char}" (${hex})`;
  return `the control character ${hex}`;
}

/** The first CR, LF or NUL, else the first character outside `allowed`, described; null when clean. */
function badChar(text: string, notAllowed: RegExp): string | null {
  const found = CR_LF_NUL.exec(text) ?? notAllowed.exec(text);
  return found ? describeChar(found[0]) : null;
}

/** PEP 3333 status: three digits, one space, a reason phrase, nothing around them. */
export function checkStatus(status: unknown): asserts status is string {
  if (typeof status !== 'string') {
    throw new IsapiError('ISAPI_BAD_STATUS', describeValue(status), 'a status must be a string such as "200 OK"');
  }
  const bad = badChar(status, NOT_FIELD_CHAR);
  if (bad) throw new IsapiError('ISAPI_BAD_STATUS', JSON.stringify(status), `it contains ${bad}`);
  const match = /^(\d{3}) (.*)$/s.exec(status);
  if (!match) {
    throw new IsapiError('ISAPI_BAD_STATUS', JSON.stringify(status), 'it must be three digits, a space and a reason phrase, such as "200 OK"');
  }
  const code = Number(match[1]);
  if (code < 200 || code > 599) {
    // 1xx are interim responses that only the server may send; 6xx and up do not exist.
    throw new IsapiError('ISAPI_BAD_STATUS', JSON.stringify(status), 'the code of a final response must be from 200 to 599');
  }
  const reason = match[2];
  if (reason === '') throw new IsapiError('ISAPI_BAD_STATUS', JSON.stringify(status), 'the reason phrase is missing');
  if (/^\s|\s$/.test(reason)) {
    throw new IsapiError('ISAPI_BAD_STATUS', JSON.stringify(status), 'the code and the reason phrase must be separated by one space, with no whitespace around them');
  }
}

export function checkHeaderName(name: unknown): asserts name is string {
  if (typeof name !== 'string') {
    throw new IsapiError('ISAPI_BAD_HEADER_NAME', describeValue(name), 'a header name must be a string');
  }
  if (name === '') throw new IsapiError('ISAPI_BAD_HEADER_NAME', JSON.stringify(name), 'a header name cannot be empty');
  if (!TOKEN.test(name)) {
    const bad = badChar(name, NOT_TOKEN_CHAR);
    throw new IsapiError('ISAPI_BAD_HEADER_NAME', JSON.stringify(name), `it contains ${bad}, and a header name must be an RFC 9110 token`);
  }
  if (name.toLowerCase() === 'status') {
    // CGI's "Status:" convention: some servers would take it as the status, others send it on.
    throw new IsapiError('ISAPI_BAD_HEADER_NAME', JSON.stringify(name), 'Status is not a header: pass the status to startResponse');
  }
  if (isHopByHop(name)) throw new IsapiError('ISAPI_HOP_BY_HOP_HEADER', JSON.stringify(name));
}

export function checkHeaderValue(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new IsapiError('ISAPI_BAD_HEADER_VALUE', JSON.stringify(name), `a header value must be a string, got ${describeValue(value)}`);
  }
  const bad = badChar(value, NOT_FIELD_CHAR);
  if (bad) throw new IsapiError('ISAPI_BAD_HEADER_VALUE', JSON.stringify(name), `it contains ${bad}`);
}

/** Content-Length decides the native side's framing, so it must be one plain decimal number. */
function checkContentLength(value: string, seenBefore: boolean): void {
  if (seenBefore) throw new IsapiError('ISAPI_BAD_CONTENT_LENGTH', JSON.stringify(value), 'there is more than one Content-Length header');
  if (!/^\d+$/.test(value)) throw new IsapiError('ISAPI_BAD_CONTENT_LENGTH', JSON.stringify(value), 'it must be a decimal number of bytes');
  if (!Number.isSafeInteger(Number(value))) throw new IsapiError('ISAPI_BAD_CONTENT_LENGTH', JSON.stringify(value), 'it is too large');
}

/** Response headers: an array of [name, value] string pairs, each name and value valid. */
export function checkHeaders(headers: unknown): asserts headers is [string, string][] {
  if (!Array.isArray(headers)) {
    throw new IsapiError('ISAPI_BAD_HEADERS', `they must be an array of [name, value] pairs, got ${describeValue(headers)}`);
  }
  let contentLength = false;
  headers.forEach((pair: unknown, index) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new IsapiError('ISAPI_BAD_HEADERS', `entry ${index} must be a [name, value] pair, got ${describeValue(pair)}`);
    }
    const [name, value] = pair as unknown[];
    checkHeaderName(name);
    checkHeaderValue(name, value);
    if (name.toLowerCase() === 'content-length') {
      checkContentLength(value, contentLength);
      contentLength = true;
    }
  });
}

/** The Content-Length of validated headers, or null when they have none. */
export function contentLengthOf(headers: readonly (readonly [string, string])[]): number | null {
  const found = headers.find(([name]) => name.toLowerCase() === 'content-length');
  return found ? Number(found[1]) : null;
}

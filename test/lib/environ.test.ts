import { describe, expect, it } from 'vitest';
import { buildEnviron, FileBody, RequestBody, type RequestRecord } from '../../lib/index.js';
import { FakeTransport, makeRecord } from './fake-transport.js';

const options = { multithread: true, multiprocess: false };

function environOf(overrides: Partial<RequestRecord> = {}, transport = new FakeTransport()) {
  return buildEnviron(makeRecord(overrides), transport, options);
}

function withVars(vars: Record<string, string>, overrides: Partial<RequestRecord> = {}) {
  return environOf({ ...overrides, vars: { ...makeRecord().vars, ...vars } });
}

describe('environ of a root application', () => {
  const environ = environOf({ method: 'POST', path: '/users/7', query: 'a=1&b=%20' });

  it('has the CGI request keys', () => {
    expect(environ.REQUEST_METHOD).toBe('POST');
    expect(environ.SCRIPT_NAME).toBe('');
    expect(environ.PATH_INFO).toBe('/users/7');
    expect(environ.QUERY_STRING).toBe('a=1&b=%20');
  });

  it('has the server keys from the server variables', () => {
    expect(environ.SERVER_NAME).toBe('example.test');
    expect(environ.SERVER_PORT).toBe('80');
    expect(environ.SERVER_PROTOCOL).toBe('HTTP/1.1');
    expect(environ.REMOTE_ADDR).toBe('192.0.2.10');
    expect(environ.REMOTE_PORT).toBe('50123');
  });

  it('has the wsgi keys', () => {
    expect(environ['wsgi.version']).toEqual([1, 0]);
    expect(environ['wsgi.url_scheme']).toBe('http');
    expect(environ['wsgi.input']).toBeInstanceOf(RequestBody);
    expect(environ['wsgi.multithread']).toBe(true);
    expect(environ['wsgi.multiprocess']).toBe(false);
    expect(environ['wsgi.run_once']).toBe(false);
  });

  it('has the isapi extras', () => {
    expect(environ['isapi.request_id']).toBe(1);
    expect(environ['isapi.signal']).toBeInstanceOf(AbortSignal);
    expect(environ['isapi.file_wrapper']('/etc/hostname')).toBeInstanceOf(FileBody);
  });

  it('leaves out keys IIS had no value for', () => {
    expect('REMOTE_USER' in environ).toBe(false);
    expect('AUTH_TYPE' in environ).toBe(false);
    expect('CONTENT_TYPE' in environ).toBe(false);
    expect('CONTENT_LENGTH' in environ).toBe(false);
    expect('HTTPS' in environ).toBe(false);
  });

  it('gives "/" to PATH_INFO for the root URL', () => {
    expect(environOf({ path: '/' }).PATH_INFO).toBe('/');
  });
});

describe('environ of an application under /app', () => {
  it('takes SCRIPT_NAME from APPL_MD_PATH and the rest of the path as PATH_INFO', () => {
    const environ = withVars({ APPL_MD_PATH: '/LM/W3SVC/1/ROOT/app' }, { path: '/app/x' });
    expect(environ.SCRIPT_NAME).toBe('/app');
    expect(environ.PATH_INFO).toBe('/x');
  });

  it('matches the metabase prefix in any case', () => {
    const environ = withVars({ APPL_MD_PATH: '/lm/w3svc/3/Root/app' }, { path: '/app/x' });
    expect(environ.SCRIPT_NAME).toBe('/app');
    expect(environ.PATH_INFO).toBe('/x');
  });

  it('matches the application path in the URL case-insensitively', () => {
    const environ = withVars({ APPL_MD_PATH: '/LM/W3SVC/1/ROOT/App' }, { path: '/APP/x' });
    expect(environ.SCRIPT_NAME).toBe('/App');
    expect(environ.PATH_INFO).toBe('/x');
  });

  it('gives an empty PATH_INFO for the application URL itself', () => {
    expect(withVars({ APPL_MD_PATH: '/LM/W3SVC/1/ROOT/app' }, { path: '/app' }).PATH_INFO).toBe('');
  });

  it('handles nested applications', () => {
    const environ = withVars({ APPL_MD_PATH: '/LM/W3SVC/1/ROOT/a/b' }, { path: '/a/b/c/d' });
    expect(environ.SCRIPT_NAME).toBe('/a/b');
    expect(environ.PATH_INFO).toBe('/c/d');
  });

  it('does not cut a path that only starts with the same letters', () => {
    const environ = withVars({ APPL_MD_PATH: '/LM/W3SVC/1/ROOT/app' }, { path: '/application/x' });
    expect(environ.SCRIPT_NAME).toBe('');
    expect(environ.PATH_INFO).toBe('/application/x');
  });

  it('treats a trailing slash on ROOT as the root application', () => {
    expect(withVars({ APPL_MD_PATH: '/LM/W3SVC/1/ROOT/' }, { path: '/x' }).SCRIPT_NAME).toBe('');
  });
});

describe('HTTP_ keys', () => {
  it('upper-cases names and turns dashes into underscores', () => {
    const environ = environOf({ headers: ['Host', 'h.test', 'x-custom-header', 'v', 'Accept', 'text/html'] });
    expect(environ.HTTP_HOST).toBe('h.test');
    expect(environ.HTTP_X_CUSTOM_HEADER).toBe('v');
    expect(environ.HTTP_ACCEPT).toBe('text/html');
  });

  it('drops a header whose name contains an underscore', () => {
    const environ = environOf({ headers: ['X-User', 'real', 'X_User', 'forged', 'X_Only', 'forged'] });
    expect(environ.HTTP_X_USER).toBe('real');
    expect('HTTP_X_ONLY' in environ).toBe(false);
  });

  it('joins repeated headers with a comma', () => {
    const environ = environOf({ headers: ['Accept', 'text/html', 'X-Forwarded-For', '1.1.1.1', 'accept', 'application/json'] });
    expect(environ.HTTP_ACCEPT).toBe('text/html, application/json');
  });

  it('joins repeated Cookie headers with a semicolon', () => {
    expect(environOf({ headers: ['Cookie', 'a=1', 'Cookie', 'b=2'] }).HTTP_COOKIE).toBe('a=1; b=2');
  });

  it('gives Content-Type and Content-Length no HTTP_ key', () => {
    const environ = environOf({ headers: ['Content-Type', 'text/plain', 'Content-Length', '3'], totalBytes: 3 });
    expect('HTTP_CONTENT_TYPE' in environ).toBe(false);
    expect('HTTP_CONTENT_LENGTH' in environ).toBe(false);
    expect(environ.CONTENT_TYPE).toBe('text/plain');
  });

  it('keeps an empty header value', () => {
    expect(environOf({ headers: ['X-Empty', ''] }).HTTP_X_EMPTY).toBe('');
  });
});

describe('identity', () => {
  it('takes REMOTE_USER and AUTH_TYPE from the server variables', () => {
    const environ = withVars({ REMOTE_USER: 'CORP\\alice', AUTH_TYPE: 'Negotiate' });
    expect(environ.REMOTE_USER).toBe('CORP\\alice');
    expect(environ.AUTH_TYPE).toBe('Negotiate');
  });

  it('never takes REMOTE_USER or AUTH_TYPE from request headers', () => {
    const environ = environOf({ headers: ['Remote-User', 'admin', 'Auth-Type', 'Basic', 'REMOTE_USER', 'admin'] });
    expect('REMOTE_USER' in environ).toBe(false);
    expect('AUTH_TYPE' in environ).toBe(false);
    expect(environ.HTTP_REMOTE_USER).toBe('admin');
  });

  it('leaves out an empty REMOTE_USER (anonymous access)', () => {
    const environ = withVars({ REMOTE_USER: '', AUTH_TYPE: '' });
    expect('REMOTE_USER' in environ).toBe(false);
    expect('AUTH_TYPE' in environ).toBe(false);
  });
});

describe('url scheme', () => {
  it('is https when HTTPS is on, in any case', () => {
    expect(withVars({ HTTPS: 'on' })['wsgi.url_scheme']).toBe('https');
    expect(withVars({ HTTPS: 'ON' })['wsgi.url_scheme']).toBe('https');
    expect(withVars({ HTTPS: 'On' }).HTTPS).toBe('on');
  });

  it('is http when HTTPS is off or absent', () => {
    expect(withVars({ HTTPS: 'off' })['wsgi.url_scheme']).toBe('http');
    expect(withVars({ HTTPS: 'OFF' }).HTTPS).toBeUndefined();
    const { HTTPS: _, ...vars } = makeRecord().vars;
    expect(environOf({ vars })['wsgi.url_scheme']).toBe('http');
  });
});

describe('CONTENT_LENGTH and CONTENT_TYPE', () => {
  it('reports the body length when a Content-Length header was sent', () => {
    expect(environOf({ headers: ['Content-Length', '12'], totalBytes: 12 }).CONTENT_LENGTH).toBe('12');
  });

  it('reports a zero length that was announced', () => {
    expect(environOf({ headers: ['Content-Length', '0'], totalBytes: 0 }).CONTENT_LENGTH).toBe('0');
  });

  it('leaves it out for a chunked upload', () => {
    expect('CONTENT_LENGTH' in environOf({ headers: ['Transfer-Encoding', 'chunked'], totalBytes: -1 })).toBe(false);
  });

  it('leaves it out when no Content-Length header was sent', () => {
    expect('CONTENT_LENGTH' in environOf({ headers: ['Host', 'h'], totalBytes: 0 })).toBe(false);
  });

  it('takes CONTENT_TYPE from the server variable first', () => {
    expect(withVars({ CONTENT_TYPE: 'application/json' }, { headers: ['Content-Type', 'text/plain'] }).CONTENT_TYPE).toBe('application/json');
  });

  it('leaves out an empty CONTENT_TYPE', () => {
    expect('CONTENT_TYPE' in withVars({ CONTENT_TYPE: '' })).toBe(false);
  });
});

describe('isapi.server_variable and wsgi.errors', () => {
  it('reads any server variable, undefined when IIS has none', () => {
    const transport = new FakeTransport({ variables: { APPL_PHYSICAL_PATH: 'C:\\inetpub\\app\\' } });
    const environ = environOf({}, transport);
    expect(environ['isapi.server_variable']('APPL_PHYSICAL_PATH')).toBe('C:\\inetpub\\app\\');
    expect(environ['isapi.server_variable']('NOPE')).toBeUndefined();
  });

  it('writes wsgi.errors to the trace channel', () => {
    const transport = new FakeTransport();
    const errors = environOf({}, transport)['wsgi.errors'];
    errors.write('first line\n');
    expect(transport.traces).toEqual(['first line']);
  });

  it('exposes the transport signal', () => {
    const transport = new FakeTransport();
    const environ = environOf({}, transport);
    transport.disconnect();
    expect(environ['isapi.signal'].aborted).toBe(true);
  });
});

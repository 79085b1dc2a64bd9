// Rules 1 and 2: the environ, checked before the app runs. runApp builds a correct environ, so a
// "server" in front of the validator breaks it the way a buggy server or middleware would.

import { describe, expect, it } from 'vitest';
import { buildEnviron, type App, type Environ } from '../../lib/index.js';
import { ValidationError, isValidationError, validate } from '../../lib/validate/index.js';
import { FakeTransport, makeRecord } from '../lib/fake-transport.js';
import { run } from '../lib/run.js';
import { behindServer, expect500, expectReported } from './support.js';

const REQUIRED = [
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'PATH_INFO',
  'QUERY_STRING',
  'SERVER_NAME',
  'SERVER_PORT',
  'SERVER_PROTOCOL',
  'wsgi.version',
  'wsgi.url_scheme',
  'wsgi.input',
  'wsgi.errors',
  'wsgi.multithread',
  'wsgi.multiprocess',
  'wsgi.run_once',
];

/** Sets `key` to `value` in the environ before the validated app sees it. */
const withValue = (key: string, value: unknown) => behindServer((environ) => void (environ[key] = value));

describe('environ type (rule 1)', () => {
  it('refuses an environ that is not a plain object', async () => {
    const transport = await run(behindServer((environ) => new Map(Object.entries(environ))));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_TYPE', 'The environ is an object (Map)', 'the server broke it');
  });

  it('accepts an environ without a prototype', async () => {
    const transport = await run(behindServer((environ) => Object.assign(Object.create(null) as Environ, environ)));
    expect(transport.head?.status).toBe('200 OK');
  });

  it('does not call the app when the environ is broken', async () => {
    let called = false;
    const app: App = () => {
      called = true;
      return [];
    };
    await run(behindServer((environ: Record<string, unknown>) => void delete environ.PATH_INFO, app));
    expect(called).toBe(false);
  });
});

describe('required keys (rule 1)', () => {
  it.each(REQUIRED)('refuses an environ without %s', async (key) => {
    const transport = await run(behindServer((environ) => void delete environ[key]));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_MISSING_KEY', `The environ lacks the key ${JSON.stringify(key)}`);
  });
});

describe('environ values (rule 2)', () => {
  it('refuses a CGI key that is not a string', async () => {
    const transport = await run(withValue('SERVER_PORT', 80));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["SERVER_PORT"] is number 80: CGI and HTTP_* values must be strings');
  });

  it('refuses an HTTP_* key that is not a string', async () => {
    const transport = await run(withValue('HTTP_ACCEPT', ['text/html']));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["HTTP_ACCEPT"] is an array');
  });

  it('leaves extension keys (with a dot) to their owners', async () => {
    const transport = await run(withValue('isapi.request_id', 7));
    expect(transport.head?.status).toBe('200 OK');
  });

  it('refuses a wsgi.version other than [1, 0]', async () => {
    const transport = await run(withValue('wsgi.version', [1, 1]));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["wsgi.version"]', 'it must be the array [1, 0]');
  });

  it("refuses a wsgi.url_scheme other than 'http' or 'https'", async () => {
    const transport = await run(withValue('wsgi.url_scheme', 'HTTPS'));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["wsgi.url_scheme"] is a string ("HTTPS")', "'http' or 'https'");
  });

  it.each(['wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once'])('refuses a %s that is not a boolean', async (key) => {
    const transport = await run(withValue(key, 'yes'));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', `environ[${JSON.stringify(key)}]`, 'it must be true or false');
  });

  it("refuses a SCRIPT_NAME that does not start with '/'", async () => {
    const transport = await run(withValue('SCRIPT_NAME', 'app'));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["SCRIPT_NAME"]', "it must be '' or start with '/'");
  });

  it("refuses a SCRIPT_NAME of '/' (the root application's is '')", async () => {
    const transport = await run(withValue('SCRIPT_NAME', '/'));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', "the root application's SCRIPT_NAME is ''");
  });

  it("refuses a PATH_INFO that does not start with '/'", async () => {
    const transport = await run(withValue('PATH_INFO', 'users/7'));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["PATH_INFO"]', "it must be '' or start with '/'");
  });

  it('accepts an empty PATH_INFO', async () => {
    const transport = await run(withValue('PATH_INFO', ''));
    expect(transport.head?.status).toBe('200 OK');
  });

  it('refuses a CONTENT_LENGTH that is not a decimal string', async () => {
    const transport = await run(withValue('CONTENT_LENGTH', '12 bytes'));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["CONTENT_LENGTH"]', 'decimal number of bytes');
  });

  it('refuses a wsgi.input without read()', async () => {
    const transport = await run(withValue('wsgi.input', { [Symbol.asyncIterator]: () => undefined }));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["wsgi.input"]', 'read(size)');
  });

  it('refuses a wsgi.errors without flush()', async () => {
    const transport = await run(withValue('wsgi.errors', { write: () => undefined, writelines: () => undefined }));
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_VALUE', 'environ["wsgi.errors"]', 'flush()');
  });
});

describe('forbidden keys (rule 2)', () => {
  it.each([
    ['HTTP_CONTENT_TYPE', 'CONTENT_TYPE'],
    ['HTTP_CONTENT_LENGTH', 'CONTENT_LENGTH'],
  ])('refuses %s', async (key, instead) => {
    const transport = await run(withValue(key, '5'));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_ENVIRON_FORBIDDEN_KEY', `The environ has the key ${key}`, `Fix: put the value under ${instead}`);
  });
});

describe('the environ check on a direct call', () => {
  it('throws the ValidationError synchronously to the server', () => {
    const environ = buildEnviron(makeRecord(), new FakeTransport(), { multithread: true, multiprocess: false });
    environ['wsgi.version'] = [2, 0] as unknown as Environ['wsgi.version'];
    let thrown: unknown;
    try {
      validate(() => [])(environ, () => () => undefined);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(isValidationError(thrown, 'ISAPI_VALIDATE_ENVIRON_VALUE')).toBe(true);
    expect((thrown as ValidationError).by).toBe('server');
  });
});

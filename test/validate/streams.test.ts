// Rules 12 and 13: wsgi.input and wsgi.errors. The app's mistakes throw at its call; the server's
// (a broken wsgi.input, put in front of the validator here) reject the read that received them.

import { describe, expect, it } from 'vitest';
import type { App, Environ, RequestRecord } from '../../lib/index.js';
import { isValidationError } from '../../lib/validate/index.js';
import { FakeTransport } from '../lib/fake-transport.js';
import { run } from '../lib/run.js';
import { behindServer, expect500, expectReported, ok, runValidated } from './support.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const upload: Partial<RequestRecord> = { method: 'POST', headers: ['Content-Length', '6'], totalBytes: 6, preload: bytes('abc') };
const uploadTransport = (): FakeTransport => new FakeTransport({ body: 'def', readChunk: 1 });

/** An app that consumes the input with `use` and answers 200. */
function consuming(use: (input: Environ['wsgi.input']) => Promise<unknown>): App {
  return async (environ, startResponse) => {
    await use(environ['wsgi.input']);
    startResponse(ok, []);
    return [];
  };
}

/** A server whose wsgi.input is `input` (a broken one), in front of the validated `app`. */
const withInput = (input: object, app: App): App => behindServer((environ) => void (environ['wsgi.input'] = input as Environ['wsgi.input']), app);

describe('wsgi.input read(size) (rule 12)', () => {
  it.each([
    [-1, 'number -1'],
    [2.5, 'number 2.5'],
    [Infinity, 'number Infinity'],
    ['10', 'a string ("10")'],
  ])('refuses read(%s), throwing synchronously to the app', async (size, described) => {
    let thrown: unknown;
    const transport = await runValidated(
      consuming(async (input) => {
        try {
          void input.read(size as number);
        } catch (error) {
          thrown = error;
          throw error;
        }
      }),
    );
    expect(isValidationError(thrown, 'ISAPI_VALIDATE_READ_SIZE')).toBe(true);
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_READ_SIZE', `wsgi.input.read() got the size ${described}`, 'or nothing to read the rest');
  });

  it('lets reads after the end return empty', async () => {
    const lengths: number[] = [];
    const transport = await runValidated(
      consuming(async (input) => {
        lengths.push((await input.read()).length, (await input.read(5)).length, (await input.read()).length);
      }),
      upload,
      uploadTransport(),
    );
    expect(lengths).toEqual([6, 0, 0]);
    expect(transport.head?.status).toBe('200 OK');
  });
});

describe('wsgi.input results (rule 12, server side)', () => {
  it('refuses bytes from read() after it reported the end', async () => {
    const transport = await run(withInput({ read: async () => bytes('more'), [Symbol.asyncIterator]: () => undefined }, consuming(async (input) => {
      await input.read();
      await input.read();
    })));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_READ_AFTER_END', 'wsgi.input read() gave 4 bytes after it had reported the end of the body', 'the server broke it');
  });

  it('refuses bytes from a second loop after the first one ended', async () => {
    const endless = { read: async () => new Uint8Array(0), async *[Symbol.asyncIterator]() { yield bytes('x'); } };
    const transport = await run(withInput(endless, consuming(async (input) => {
      for await (const _ of input) void _;
      for await (const _ of input) void _;
    })));
    expectReported(transport, 'ISAPI_VALIDATE_READ_AFTER_END', 'wsgi.input iteration gave 1 byte after');
  });

  it('refuses a read() result that is not a Uint8Array', async () => {
    const transport = await run(withInput({ read: async () => 'text', [Symbol.asyncIterator]: () => undefined }, consuming((input) => input.read(4))));
    expectReported(transport, 'ISAPI_VALIDATE_INPUT_RESULT', 'wsgi.input read(4) gave a string ("text")');
  });

  it('refuses more bytes than read(size) asked for', async () => {
    const transport = await run(withInput({ read: async () => bytes('hello'), [Symbol.asyncIterator]: () => undefined }, consuming((input) => input.read(2))));
    expectReported(transport, 'ISAPI_VALIDATE_INPUT_RESULT', 'wsgi.input read(2) gave 5 bytes');
  });
});

describe('wsgi.input iteration (rule 12)', () => {
  it('refuses two loops over the input at the same time', async () => {
    const drain = async (input: Environ['wsgi.input']): Promise<void> => {
      for await (const _ of input) void _;
    };
    const transport = await runValidated(
      consuming((input) => Promise.all([drain(input), drain(input)])),
      upload,
      uploadTransport(),
    );
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_INPUT_CONCURRENT', 'wsgi.input was iterated while another iteration of it was still going');
  });
});

describe('wsgi.errors (rule 13)', () => {
  it('refuses write() of a non-string, throwing synchronously to the app', async () => {
    let thrown: unknown;
    await runValidated((environ, startResponse) => {
      try {
        environ['wsgi.errors'].write({ level: 'warn' } as unknown as string);
      } catch (error) {
        thrown = error;
      }
      startResponse(ok, []);
      return [];
    });
    expect(isValidationError(thrown, 'ISAPI_VALIDATE_ERRORS_WRITE')).toBe(true);
    expect((thrown as Error).message).toContain('wsgi.errors.write() got an object');
  });

  it('refuses writelines() with a non-string line', async () => {
    const transport = await runValidated((environ) => {
      environ['wsgi.errors'].writelines(['fine\n', 5 as unknown as string]);
      return [];
    });
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_ERRORS_WRITE', 'wsgi.errors.writelines() got number 5');
  });

  it('refuses writelines() of something that is not iterable', async () => {
    const transport = await runValidated((environ) => {
      environ['wsgi.errors'].writelines(7 as unknown as string[]);
      return [];
    });
    expectReported(transport, 'ISAPI_VALIDATE_ERRORS_WRITE', 'wsgi.errors.writelines() got number 7, not an iterable of strings');
  });
});

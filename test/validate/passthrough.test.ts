// A correct app behaves the same with and without the validator: identical transport calls.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Body, Environ } from '../../lib/index.js';
import { expectUnchanged, ok, text } from './support.js';

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'isapi-node-validate-'));
  file = join(dir, 'page.txt');
  writeFileSync(file, 'file contents, 28 bytes long');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An app that answers with what `read` made of the request body. */
function echo(read: (input: Environ['wsgi.input']) => Promise<string>): () => App {
  return () => async (environ, startResponse) => {
    const got = await read(environ['wsgi.input']);
    startResponse(ok, [['Content-Type', 'text/plain']]);
    return [got];
  };
}

const upload = { record: { method: 'POST', headers: ['Content-Length', '26'], totalBytes: 26, preload: new TextEncoder().encode('abc') }, options: { body: 'defghijklmnopqrstuvwxyz', readChunk: 5 } };

describe('a correct app under validate()', () => {
  it('sends a one-chunk synchronous body unchanged', async () => {
    const transport = await expectUnchanged(() => (_environ, startResponse) => {
      startResponse(ok, [['Content-Type', 'text/plain'], ['Content-Length', '5']]);
      return ['hello'];
    });
    expect(transport.calls).toHaveLength(1);
  });

  it('sends a many-chunk synchronous body with an empty chunk unchanged', async () => {
    await expectUnchanged(() => (_environ, startResponse) => {
      startResponse(ok, []);
      return ['a', '', new Uint8Array([0x62]), 'ü'];
    });
  });

  it('sends a generator body that calls startResponse lazily unchanged', async () => {
    await expectUnchanged(() => (_environ, startResponse) =>
      (function* () {
        yield '';
        startResponse(ok, []);
        yield 'late';
      })(),
    );
  });

  it('sends an async generator body unchanged', async () => {
    const transport = await expectUnchanged(() => async (_environ, startResponse) => {
      startResponse(ok, [['Content-Length', '6']]);
      return (async function* () {
        yield 'abc';
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield Buffer.from('def');
      })();
    });
    expect(text(transport.sends[0].chunk)).toBe('abc');
  });

  it('sends write() calls and the body unchanged', async () => {
    const transport = await expectUnchanged(() => (_environ, startResponse) => {
      const write = startResponse(ok, [['Content-Length', '4']]);
      write('w1');
      return (function* () {
        yield 'b';
        write('w');
      })();
    });
    expect(transport.bodyText).toBe('w1bw');
  });

  it('sends a file wrapper body through sendFile unchanged', async () => {
    const transport = await expectUnchanged(() => (environ, startResponse) => {
      startResponse(ok, [['Content-Type', 'text/plain']]);
      return environ['isapi.file_wrapper'](file);
    });
    expect(transport.calls.map((call) => call.kind)).toEqual(['sendFile']);
  });

  it('sends a file range with a matching Content-Length unchanged', async () => {
    const transport = await expectUnchanged(() => (environ, startResponse) => {
      startResponse(ok, [['Content-Length', '8']]);
      return environ['isapi.file_wrapper'](file, { offset: 5, length: 8 });
    });
    expect(transport.bodyText).toBe('contents');
  });

  it('replaces the response with excInfo before the headers left, unchanged', async () => {
    await expectUnchanged(() => (_environ, startResponse) => {
      startResponse(ok, [['Content-Type', 'text/html']]);
      try {
        throw new Error('template failed');
      } catch (error) {
        startResponse('503 Service Unavailable', [['Retry-After', '5']], error);
      }
      return ['later'];
    });
  });

  it('rethrows excInfo after the headers left and aborts, unchanged', async () => {
    const transport = await expectUnchanged(() => (_environ, startResponse) => {
      const write = startResponse(ok, []);
      write('partial');
      startResponse('500 Internal Server Error', [], new Error('late failure'));
      return [];
    });
    expect(transport.aborts).toEqual(['late failure']);
  });

  it('reads the body with read(size), read() and read() after the end, unchanged', async () => {
    const transport = await expectUnchanged(
      echo(async (input) => {
        const first = text(await input.read(4));
        const zero = text(await input.read(0));
        const rest = text(await input.read());
        const after = (await input.read(10)).length;
        return `${first}|${zero}|${rest}|${after}`;
      }),
      upload.record,
      upload.options,
    );
    expect(transport.bodyText).toBe('abcd||efghijklmnopqrstuvwxyz|0');
  });

  it('reads the body with a for-await loop, then nothing after it, unchanged', async () => {
    const transport = await expectUnchanged(
      echo(async (input) => {
        const parts: string[] = [];
        for await (const chunk of input) parts.push(text(chunk));
        for await (const chunk of input) parts.push(`again:${text(chunk)}`);
        return parts.join('/') + `|${(await input.read()).length}`;
      }),
      upload.record,
      upload.options,
    );
    expect(transport.bodyText).toBe('abc/defgh/ijklm/nopqr/stuvw/xyz|0');
  });

  it('reads the body with a loop that breaks, then read(), unchanged', async () => {
    const transport = await expectUnchanged(
      echo(async (input) => {
        let first = '';
        for await (const chunk of input) {
          first = text(chunk);
          break;
        }
        return `${first}|${text(await input.read())}`;
      }),
      upload.record,
      upload.options,
    );
    expect(transport.bodyText).toBe('abc|defghijklmnopqrstuvwxyz');
  });

  it('reads the body with bytes() and text(), unchanged', async () => {
    await expectUnchanged(echo(async (input) => `${(await input.bytes()).length}`), upload.record, upload.options);
    await expectUnchanged(echo((input) => input.text()), upload.record, upload.options);
  });

  it('reads an unknown-length (chunked) body, unchanged', async () => {
    await expectUnchanged(echo((input) => input.text()), { method: 'POST', totalBytes: -1 }, { body: 'chunked upload', readChunk: 3 });
  });

  it('passes wsgi.errors text to the trace channel unchanged', async () => {
    const transport = await expectUnchanged(() => (environ, startResponse) => {
      const errors = environ['wsgi.errors'];
      errors.write('one line\n');
      errors.writelines(['two ', 'parts\n', 'pending']);
      errors.flush();
      errors.write('left for the end');
      startResponse(ok, []);
      return [];
    });
    expect(transport.traces).toEqual(['one line', 'two parts', 'pending', 'left for the end']);
  });

  it('answers HEAD with the GET Content-Length and a dropped body, unchanged', async () => {
    await expectUnchanged(
      () => (_environ, startResponse) => {
        startResponse(ok, [['Content-Length', '100']]);
        return ['only part of it'];
      },
      { method: 'HEAD' },
    );
  });

  it('answers 304 with a Content-Length and no body, unchanged', async () => {
    await expectUnchanged(() => (_environ, startResponse) => {
      startResponse('304 Not Modified', [['Content-Length', '1234']]);
      return [];
    });
  });

  it("calls the body's own close() once, unchanged", async () => {
    const closes: number[] = [];
    await expectUnchanged(() => (_environ, startResponse) => {
      startResponse(ok, []);
      return Object.assign(['closing'], { close: () => void closes.push(1) }) as Body;
    });
    expect(closes).toEqual([1, 1]);
  });

  it('fails an app that throws exactly as without the validator', async () => {
    await expectUnchanged(() => () => {
      throw new Error('app bug');
    });
  });
});

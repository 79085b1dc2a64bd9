// PEP 3333's write(): bytes sent at once, in order with the body's chunks.

import { describe, expect, it } from 'vitest';
import type { Write } from '../../lib/index.js';
import { expectCleanEnd, ok, run } from './run.js';

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));

describe('write()', () => {
  it('sends written bytes before the returned body', async () => {
    const transport = await run((_environ, startResponse) => {
      const write = startResponse(ok, []);
      write('w1');
      write(new Uint8Array([0x77, 0x32]));
      return ['b'];
    });
    expect(transport.sends.map((s) => text(s.chunk))).toEqual(['w1', 'w2', 'b']);
    expect(transport.sends[0].head?.status).toBe('200 OK');
    expectCleanEnd(transport);
  });

  it('ends a write-only response with send(null, null, true)', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, [])('all');
      return [];
    });
    expect(transport.sends.map((s) => [s.head !== null, text(s.chunk), s.final])).toEqual([
      [true, 'all', false],
      [false, null, true],
    ]);
    expectCleanEnd(transport);
  });

  it('keeps order with a synchronous body that writes between its chunks', async () => {
    const transport = await run((_environ, startResponse) => {
      const write = startResponse(ok, []);
      return (function* () {
        yield 'a';
        write('w');
        yield 'b';
      })();
    });
    expect(transport.sends.map((s) => text(s.chunk))).toEqual(['a', 'w', 'b']);
    expect(transport.sends.at(-1)?.final).toBe(true);
    expectCleanEnd(transport);
  });

  it('keeps order with an asynchronous body that writes between its chunks', async () => {
    const transport = await run((_environ, startResponse) => {
      const write = startResponse(ok, []);
      return (async function* () {
        yield 'a';
        write('w1');
        await new Promise((resolve) => setTimeout(resolve, 1));
        write('w2');
        yield 'b';
      })();
    });
    expect(transport.bodyText).toBe('aw1w2b');
    expectCleanEnd(transport);
  });

  it('ignores empty writes', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, [])('');
      return ['x'];
    });
    expect(transport.calls).toHaveLength(1);
  });

  it('throws ISAPI_BAD_CHUNK to the app for a chunk that is not bytes or a string', async () => {
    let thrown: unknown;
    await run((_environ, startResponse) => {
      const write = startResponse(ok, []);
      try {
        (write as (chunk: unknown) => void)(42);
      } catch (error) {
        thrown = error;
      }
      return [];
    });
    expect(thrown).toMatchObject({ code: 'ISAPI_BAD_CHUNK' });
  });

  it('throws ISAPI_WRITE_AFTER_END once the response has ended', async () => {
    let write!: Write;
    const transport = await run((_environ, startResponse) => {
      write = startResponse(ok, []);
      return ['done'];
    });
    expect(() => write('late')).toThrow(expect.objectContaining({ code: 'ISAPI_WRITE_AFTER_END' }));
    expect(transport.calls).toHaveLength(1);
  });
});

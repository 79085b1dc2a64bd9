// How runApp turns what the app returns into transport sends.

import { describe, expect, it } from 'vitest';
import type { App, Body } from '../../lib/index.js';
import { FakeTransport } from './fake-transport.js';
import { expectCleanEnd, ok, run, textPlain } from './run.js';

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** An app answering 200 text/plain with `body`. */
const answer =
  (body: () => Body | Promise<Body>): App =>
  (_environ, startResponse) => {
    startResponse(ok, textPlain);
    return body();
  };

describe('synchronous bodies', () => {
  it('sends a one-chunk answer as exactly one send with head, chunk and final', async () => {
    const transport = await run(answer(() => ['hello']));
    expect(transport.calls).toHaveLength(1);
    const [send] = transport.sends;
    expect(send.head).toEqual({ status: '200 OK', headers: [['Content-Type', 'text/plain']] });
    expect(text(send.chunk)).toBe('hello');
    expect(send.final).toBe(true);
    expectCleanEnd(transport);
  });

  it('sends strings as UTF-8', async () => {
    const transport = await run(answer(() => ['h\u00e9 \u2603']));
    expect(Array.from(transport.sends[0].chunk ?? [])).toEqual([0x68, 0xc3, 0xa9, 0x20, 0xe2, 0x98, 0x83]);
  });

  it('sends Uint8Array chunks as they are', async () => {
    const transport = await run(answer(() => [new Uint8Array([0, 255, 1])]));
    expect(Array.from(transport.sends[0].chunk ?? [])).toEqual([0, 255, 1]);
  });

  it('marks only the last chunk final and puts the head on the first', async () => {
    const transport = await run(answer(() => ['a', 'b', 'c']));
    expect(transport.sends.map((s) => [s.head !== null, text(s.chunk), s.final])).toEqual([
      [true, 'a', false],
      [false, 'b', false],
      [false, 'c', true],
    ]);
    expectCleanEnd(transport);
  });

  it('skips empty chunks', async () => {
    const transport = await run(answer(() => ['', 'only', '', new Uint8Array(0)]));
    expect(transport.calls).toHaveLength(1);
    expect(text(transport.sends[0].chunk)).toBe('only');
    expect(transport.sends[0].final).toBe(true);
  });

  it('sends head and final together for an empty body', async () => {
    const transport = await run(answer(() => []));
    expect(transport.sends).toEqual([{ kind: 'send', head: { status: '200 OK', headers: textPlain }, chunk: null, final: true }]);
    expectCleanEnd(transport);
  });

  it('iterates a generator, which may call startResponse on its first step', async () => {
    const transport = await run((_environ, startResponse) =>
      (function* () {
        startResponse('201 Created', []);
        yield 'made';
      })(),
    );
    expect(transport.head?.status).toBe('201 Created');
    expect(transport.calls).toHaveLength(1);
    expect(transport.bodyText).toBe('made');
  });

  it('waits for each send before pulling the next chunk (back-pressure)', async () => {
    const transport = new FakeTransport();
    const pulled: string[] = [];
    transport.holdSends();
    const done = run(
      answer(() =>
        (function* () {
          for (const c of ['a', 'b', 'c', 'd']) {
            pulled.push(c);
            yield c;
          }
        })(),
      ),
      {},
      transport,
    );
    await tick();
    // 'a' is being sent and 'b' is the one chunk looked ahead: nothing more was pulled.
    expect(pulled).toEqual(['a', 'b']);
    expect(transport.calls).toHaveLength(1);
    transport.releaseSends();
    await done;
    expect(transport.bodyText).toBe('abcd');
    expectCleanEnd(transport);
  });

  it('awaits a promised body', async () => {
    const transport = await run(async (_environ, startResponse) => {
      await tick();
      startResponse(ok, []);
      return ['later'];
    });
    expect(transport.bodyText).toBe('later');
    expect(transport.sends[0].final).toBe(true);
  });
});

describe('asynchronous bodies', () => {
  it('sends each chunk as it comes and ends with send(null, null, true)', async () => {
    const transport = await run(
      answer(() =>
        (async function* () {
          yield 'a';
          yield 'b';
        })(),
      ),
    );
    expect(transport.sends.map((s) => [s.head !== null, text(s.chunk), s.final])).toEqual([
      [true, 'a', false],
      [false, 'b', false],
      [false, null, true],
    ]);
    expectCleanEnd(transport);
  });

  it('sends a chunk before the next one exists', async () => {
    let release!: () => void;
    const transport = new FakeTransport();
    const done = run(
      answer(() =>
        (async function* () {
          yield 'first';
          await new Promise<void>((resolve) => (release = resolve));
          yield 'second';
        })(),
      ),
      {},
      transport,
    );
    await tick();
    expect(transport.bodyText).toBe('first');
    release();
    await done;
    expect(transport.bodyText).toBe('firstsecond');
  });

  it('does not send the head before the first non-empty chunk', async () => {
    let release!: () => void;
    const transport = new FakeTransport();
    const done = run(
      (_environ, startResponse) =>
        (async function* () {
          startResponse(ok, []);
          yield '';
          await new Promise<void>((resolve) => (release = resolve));
          yield 'now';
        })(),
      {},
      transport,
    );
    await tick();
    expect(transport.calls).toHaveLength(0);
    release();
    await done;
    expect(transport.sends[0].head?.status).toBe('200 OK');
    expect(text(transport.sends[0].chunk)).toBe('now');
  });

  it('waits for each send before asking for the next chunk (back-pressure)', async () => {
    const transport = new FakeTransport();
    let asked = 0;
    transport.holdSends();
    const body: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => (++asked <= 3 ? { done: false, value: `c${asked}` } : { done: true, value: undefined }),
      }),
    };
    const done = run(answer(() => body), {}, transport);
    await tick();
    expect(asked).toBe(1);
    transport.releaseSends();
    await done;
    expect(transport.bodyText).toBe('c1c2c3');
  });

  it('iterates a custom async iterable', async () => {
    const transport = await run(answer(() => ({ [Symbol.asyncIterator]: async function* () { yield new Uint8Array([65]); } })));
    expect(transport.bodyText).toBe('A');
  });
});

describe('HEAD requests', () => {
  it('send the head with the length the body would have had, and no body', async () => {
    const transport = await run(answer(() => ['hello', ' there']), { method: 'HEAD' });
    expect(transport.sends).toEqual([
      { kind: 'send', head: { status: '200 OK', headers: [...textPlain, ['Content-Length', '11']] }, chunk: null, final: true },
    ]);
    expectCleanEnd(transport);
  });

  it('keep a Content-Length the app set', async () => {
    const transport = await run(
      (_environ, startResponse) => {
        startResponse(ok, [['Content-Length', '500']]);
        return [];
      },
      { method: 'HEAD' },
    );
    expect(transport.head?.headers).toEqual([['Content-Length', '500']]);
    expect(transport.calls).toHaveLength(1);
  });
});

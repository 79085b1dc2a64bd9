// body.close() is called exactly once, whatever happened.

import { describe, expect, it } from 'vitest';
import type { Body, Chunk } from '../../lib/index.js';
import { FakeTransport } from './fake-transport.js';
import { expectCleanEnd, ok, run } from './run.js';

/** A body whose chunks come from `chunks` and whose close() calls are counted. */
function closable(chunks: Iterable<Chunk> | AsyncIterable<Chunk>, onClose: () => void | Promise<void> = () => undefined) {
  const state = { closes: 0 };
  const body = Object.assign(chunks, {
    close: () => {
      state.closes++;
      return onClose();
    },
  }) as Body;
  return { body, state };
}

describe('close()', () => {
  it('is called once after a successful response', async () => {
    const { body, state } = closable(['a', 'b']);
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    });
    expect(state.closes).toBe(1);
    expectCleanEnd(transport);
  });

  it('is called after the final send', async () => {
    const transport = new FakeTransport();
    let endedAtClose: boolean | undefined;
    const { body } = closable(['a'], () => {
      endedAtClose = transport.ended;
    });
    await run((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    }, {}, transport);
    expect(endedAtClose).toBe(true);
  });

  it('is called once when the iteration throws', async () => {
    const { body, state } = closable(
      (async function* () {
        yield 'a';
        throw new Error('boom');
      })(),
    );
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    });
    expect(state.closes).toBe(1);
    expectCleanEnd(transport);
  });

  it('is called once when the body holds a bad chunk', async () => {
    const { body, state } = closable([1 as unknown as string]);
    await run((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    });
    expect(state.closes).toBe(1);
  });

  it('is called once when the client goes away', async () => {
    const transport = new FakeTransport();
    const { body, state } = closable(
      (async function* () {
        yield 'a';
        transport.disconnect();
        yield 'b';
      })(),
    );
    await run((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    }, {}, transport);
    expect(state.closes).toBe(1);
    expectCleanEnd(transport);
  });

  it('is awaited before runApp resolves', async () => {
    let closed = false;
    const { body } = closable(['a'], async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      closed = true;
    });
    await run((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    });
    expect(closed).toBe(true);
  });

  it('is traced when it fails, without changing the response', async () => {
    const { body } = closable(['fine'], () => {
      throw new Error('close failed');
    });
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    });
    expect(transport.bodyText).toBe('fine');
    expect(transport.aborts).toEqual([]);
    expect(transport.traces.join('\n')).toContain('close failed');
    expectCleanEnd(transport);
  });

  it('is called on a body the app delivers after the client left', async () => {
    const transport = new FakeTransport();
    const { body, state } = closable(['late']);
    let deliver!: () => void;
    const done = run(
      (_environ, startResponse) =>
        new Promise<Body>((resolve) => {
          deliver = () => {
            startResponse(ok, []);
            resolve(body);
          };
        }),
      {},
      transport,
    );
    await new Promise((resolve) => setTimeout(resolve, 1));
    transport.disconnect();
    await done;
    expect(transport.aborts).toEqual(['client gone']);
    deliver();
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(state.closes).toBe(1);
    expect(transport.calls).toHaveLength(0);
  });
});

// A client that goes away: iteration stops, the request ends through abort(), nothing more is sent.

import { describe, expect, it } from 'vitest';
import type { Write } from '../../lib/index.js';
import { FakeTransport } from './fake-transport.js';
import { expectCleanEnd, ok, run } from './run.js';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('client gone', () => {
  it('stops an async body waiting for its next chunk and ends with abort', async () => {
    const transport = new FakeTransport();
    let stopped = false;
    const done = run(
      (_environ, startResponse) => {
        startResponse(ok, []);
        return (async function* () {
          try {
            yield 'event 1';
            await new Promise(() => undefined); // an event stream that never produces again
          } finally {
            stopped = true;
          }
        })();
      },
      {},
      transport,
    );
    await tick();
    transport.disconnect();
    await done;
    expect(transport.aborts).toEqual(['client gone']);
    expect(transport.bodyText).toBe('event 1');
    expectCleanEnd(transport);
    // The generator was asked to return; it runs its finally once its pending await resumes.
    expect(stopped).toBe(false);
  });

  it('stops a synchronous body at the next chunk', async () => {
    const transport = new FakeTransport();
    const pulled: number[] = [];
    let finalized = false;
    await run(
      (_environ, startResponse) => {
        startResponse(ok, []);
        return (function* () {
          try {
            for (let i = 0; i < 100; i++) {
              pulled.push(i);
              if (i === 3) transport.disconnect();
              yield `${i}`;
            }
          } finally {
            finalized = true;
          }
        })();
      },
      {},
      transport,
    );
    expect(pulled.length).toBeLessThan(10);
    expect(finalized).toBe(true);
    expect(transport.aborts).toEqual(['client gone']);
    expectCleanEnd(transport);
  });

  it('ends with abort and no 500 when a send rejects', async () => {
    const transport = new FakeTransport();
    transport.rejectSendsFrom(2);
    await run(
      (_environ, startResponse) => {
        startResponse(ok, []);
        return (async function* () {
          yield 'a';
          yield 'b';
          yield 'c';
        })();
      },
      {},
      transport,
    );
    expect(transport.calls).toHaveLength(2);
    expect(transport.aborts).toHaveLength(1);
    expect(transport.calls.every((call) => call.head === null || call.head.status === '200 OK')).toBe(true);
    expectCleanEnd(transport);
  });

  it('does not start the app for a client that is already gone', async () => {
    const transport = new FakeTransport();
    transport.disconnect();
    let called = false;
    await run(() => {
      called = true;
      return [];
    }, {}, transport);
    expect(called).toBe(false);
    expect(transport.aborts).toEqual(['client gone']);
    expectCleanEnd(transport);
  });

  it('ends the request when the app is still computing its answer', async () => {
    const transport = new FakeTransport();
    const done = run(() => new Promise(() => undefined), {}, transport);
    await tick();
    transport.disconnect();
    await done;
    expect(transport.aborts).toEqual(['client gone']);
    expectCleanEnd(transport);
  });

  it('makes write() throw ISAPI_CLIENT_GONE once a send failed', async () => {
    const transport = new FakeTransport();
    transport.rejectSendsFrom(1);
    let write!: Write;
    let thrown: unknown;
    await run(
      (_environ, startResponse) => {
        write = startResponse(ok, []);
        write('first');
        return (async function* () {
          await tick();
          try {
            write('second');
          } catch (error) {
            thrown = error;
          }
        })();
      },
      {},
      transport,
    );
    expect(thrown).toMatchObject({ code: 'ISAPI_CLIENT_GONE' });
    expect(transport.calls).toHaveLength(1);
    expectCleanEnd(transport);
  });

  it('does not trace a disconnect as an app error', async () => {
    const transport = new FakeTransport();
    await run(
      (_environ, startResponse) => {
        startResponse(ok, []);
        return (async function* () {
          yield 'a';
          transport.disconnect();
          yield 'b';
        })();
      },
      {},
      transport,
    );
    expect(transport.traces).toEqual([]);
  });

  it('exposes the disconnect to the app through isapi.signal', async () => {
    const transport = new FakeTransport();
    let seen = false;
    const done = run(
      (environ, startResponse) =>
        new Promise((resolve) => {
          environ['isapi.signal'].addEventListener('abort', () => {
            seen = true;
            startResponse(ok, []);
            resolve([]);
          });
        }),
      {},
      transport,
    );
    await tick();
    transport.disconnect();
    await done;
    expect(seen).toBe(true);
    expect(transport.calls).toHaveLength(0);
    expectCleanEnd(transport);
  });
});

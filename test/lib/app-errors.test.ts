// What the client and the trace channel get when the app fails.

import { describe, expect, it } from 'vitest';
import { runApp, type App } from '../../lib/index.js';
import { FakeTransport, makeRecord } from './fake-transport.js';
import { expectCleanEnd, ok, run } from './run.js';

const text = (bytes: Uint8Array | null): string => (bytes === null ? '' : new TextDecoder().decode(bytes));

function expectGeneric500(transport: FakeTransport): void {
  expect(transport.calls).toHaveLength(1);
  const [send] = transport.sends;
  expect(send.head?.status).toBe('500 Internal Server Error');
  expect(send.head?.headers).toContainEqual(['Content-Type', 'text/plain; charset=utf-8']);
  expect(send.head?.headers).toContainEqual(['Content-Length', '21']);
  expect(text(send.chunk)).toBe('Internal Server Error');
  expect(send.final).toBe(true);
  expect(transport.aborts).toEqual([]);
  expectCleanEnd(transport);
}

describe('app errors before the headers were sent', () => {
  it('answer a body past maxRequestBodyBytes that the app did not catch with 413', async () => {
    const transport = await run(
      async (environ) => {
        await environ['wsgi.input'].text();
        throw new Error('unreachable');
      },
      { totalBytes: -1, preload: new TextEncoder().encode('x'.repeat(40_000_001)) },
    );
    expect(transport.sends).toHaveLength(1);
    expect(transport.sends[0].head?.status).toBe('413 Payload Too Large');
    expect(text(transport.sends[0].chunk)).toBe('Payload Too Large');
    expect(transport.traces[0]).toContain('[ISAPI_REQUEST_BODY_TOO_LARGE]');
    expectCleanEnd(transport);
  });

  it('answer a generic 500 and trace the stack when the app throws', async () => {
    const transport = await run(() => {
      throw new Error('secret database password');
    });
    expectGeneric500(transport);
    expect(text(transport.sends[0].chunk)).not.toContain('secret');
    expect(transport.traces).toHaveLength(1);
    expect(transport.traces[0]).toContain('secret database password');
    expect(transport.traces[0]).toMatch(/\n\s+at /);
    expect(transport.traces[0]).toContain('request 1 (GET /)');
  });

  it('answer 500 when the app throws after startResponse', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, [['X-Partial', '1']]);
      throw new Error('after start');
    });
    expectGeneric500(transport);
    expect(transport.head?.headers).not.toContainEqual(['X-Partial', '1']);
  });

  it('answer 500 when the app returns a rejected promise', async () => {
    const transport = await run(async () => {
      throw new Error('async failure');
    });
    expectGeneric500(transport);
    expect(transport.traces[0]).toContain('async failure');
  });

  it('answer 500 when the body throws before its first chunk', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return (function* () {
        throw new Error('in body');
      })();
    });
    expectGeneric500(transport);
  });

  it('answer 500 when a synchronous body throws after a chunk that was not sent yet', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return (function* () {
        yield 'looked ahead, never sent';
        throw new Error('second step');
      })();
    });
    expectGeneric500(transport);
  });

  it('answer 500 and trace ISAPI_NO_START_RESPONSE when startResponse is never called', async () => {
    const transport = await run(() => []);
    expectGeneric500(transport);
    expect(transport.traces[0]).toContain('ISAPI_NO_START_RESPONSE');
  });

  it('answer 500 when the body yields bytes before startResponse', async () => {
    const transport = await run(() => ['too early']);
    expectGeneric500(transport);
    expect(transport.traces[0]).toContain('ISAPI_WRITE_BEFORE_START');
  });

  it('answer 500 for a chunk that is neither a string nor a Uint8Array', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return [42] as unknown as string[];
    });
    expectGeneric500(transport);
    expect(transport.traces[0]).toContain('ISAPI_BAD_CHUNK');
  });

  it.each([
    ['a string', 'hello'],
    ['a Uint8Array', new Uint8Array([1])],
    ['a number', 7],
    ['null', null],
    ['a plain object', { body: 'x' }],
  ])('answer 500 when the body is %s', async (_kind, body) => {
    const transport = await run(((_environ, startResponse) => {
      startResponse(ok, []);
      return body;
    }) as App);
    expectGeneric500(transport);
    expect(transport.traces[0]).toContain('ISAPI_BAD_BODY');
  });

  it('answer 500 when the app is not a function', async () => {
    const transport = await run({ default: () => [] } as unknown as App);
    expectGeneric500(transport);
    expect(transport.traces[0]).toContain('ISAPI_APP_NOT_FUNCTION');
  });

  it('trace a thrown non-Error value', async () => {
    const transport = await run(() => {
      throw { reason: 'plain object' };
    });
    expectGeneric500(transport);
    expect(transport.traces[0]).toContain('plain object');
  });

  it('name the request in the trace with control characters escaped', async () => {
    const transport = await run(
      () => {
        throw new Error('x');
      },
      { path: '/a\nforged trace line' },
    );
    expect(transport.traces[0]).toContain('request 1 (GET /a%0Aforged trace line)');
  });

  it('answer HEAD with the 500 head only', async () => {
    const transport = await run(
      () => {
        throw new Error('x');
      },
      { method: 'HEAD' },
    );
    expect(transport.sends[0].head?.status).toBe('500 Internal Server Error');
    expect(transport.sends[0].chunk).toBeNull();
    expectCleanEnd(transport);
  });
});

describe('app errors after the headers were sent', () => {
  it('trace the stack and abort instead of answering 500', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return (async function* () {
        yield 'partial';
        throw new Error('late failure');
      })();
    });
    expect(transport.sends).toHaveLength(1);
    expect(transport.head?.status).toBe('200 OK');
    expect(transport.aborts).toEqual(['late failure']);
    expect(transport.traces[0]).toContain('late failure');
    expect(transport.traces[0]).toMatch(/\n\s+at /);
    expectCleanEnd(transport);
  });

  it('abort on a bad chunk after the first one was sent', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return (async function* () {
        yield 'fine';
        yield 3.14 as unknown as string;
      })();
    });
    expect(transport.aborts).toHaveLength(1);
    expect(transport.traces[0]).toContain('ISAPI_BAD_CHUNK');
    expectCleanEnd(transport);
  });

  it('abort when the app throws after write() sent bytes', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, [])('written');
      throw new Error('after write');
    });
    expect(transport.bodyText).toBe('written');
    expect(transport.aborts).toEqual(['after write']);
    expectCleanEnd(transport);
  });
});

describe('runApp itself', () => {
  it('never rejects, even when the trace channel throws', async () => {
    const transport = new FakeTransport();
    transport.trace = () => {
      throw new Error('trace is broken');
    };
    await expect(
      runApp(
        () => {
          throw new Error('x');
        },
        makeRecord(),
        transport,
        { multithread: false, multiprocess: false },
      ),
    ).resolves.toBeUndefined();
    expect(transport.head?.status).toBe('500 Internal Server Error');
  });

  it('aborts when the 500 itself cannot be sent', async () => {
    const transport = new FakeTransport();
    transport.rejectSendsFrom(1);
    await run(() => {
      throw new Error('x');
    }, {}, transport);
    expect(transport.aborts).toEqual(['client gone']);
    expectCleanEnd(transport);
  });
});

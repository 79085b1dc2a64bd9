// Rule 11, a server-side rule: the server calls the body's close() exactly once. runApp does, so
// the violations come from a middleware between runApp and the validated app that mishandles the
// body. "Never called" is decided at runApp's end-of-request flush of wsgi.errors (see
// lib/validate/validate.ts); "called twice" throws from the second close().

import { describe, expect, it } from 'vitest';
import { buildEnviron, type App, type Body, type Chunk, type ErrorStream } from '../../lib/index.js';
import { validate } from '../../lib/validate/index.js';
import { FakeTransport, makeRecord } from '../lib/fake-transport.js';
import { run } from '../lib/run.js';
import { expectReported, ok, reported, runValidated } from './support.js';

const hello: App = (_environ, startResponse) => {
  startResponse(ok, []);
  return ['hello'];
};

/** A middleware that hands runApp `rewrap(body)` instead of the validated app's body. */
function middleware(rewrap: (body: Body) => Body, app: App = hello): App {
  const validated = validate(app);
  return async (environ, startResponse) => rewrap(await validated(environ, startResponse));
}

describe('close() called exactly once (rule 11)', () => {
  it('reports nothing when the server closes the body once', async () => {
    const transport = await runValidated(hello);
    expect(transport.traces).toEqual([]);
  });

  it('reports a body consumed but never closed, at the end of the request', async () => {
    const transport = await run(
      middleware((body) => ({
        *[Symbol.iterator]() {
          yield* body as Iterable<Chunk>;
        },
      })),
    );
    expect(transport.bodyText).toBe('hello');
    expect(transport.traces).toHaveLength(1);
    expect(transport.traces[0]).toMatch(/^isapi-node validate: ValidationError \[ISAPI_VALIDATE_CLOSE_NOT_CALLED\]/);
    expectReported(transport, 'ISAPI_VALIDATE_CLOSE_NOT_CALLED', 'The body was consumed but its close() was never called', 'the server broke it', 'must forward close()');
  });

  it('reports a file body taken but never closed', async () => {
    const transport = await run(
      middleware(
        (body) => ({
          async *[Symbol.asyncIterator]() {
            yield* body as AsyncIterable<Chunk>;
          },
        }),
        (environ, startResponse) => {
          startResponse(ok, []);
          return environ['isapi.file_wrapper'](new URL(import.meta.url).pathname);
        },
      ),
    );
    expectReported(transport, 'ISAPI_VALIDATE_CLOSE_NOT_CALLED');
  });

  it('reports nothing for a body the server never consumed', async () => {
    const transport = await run(middleware(() => ['replaced']));
    expect(transport.bodyText).toBe('replaced');
    expect(reported(transport)).toBeNull();
  });

  it('reports close() called a second time, as the failure of the close() that did it', async () => {
    const transport = await run(
      middleware((body) => ({
        [Symbol.iterator]: () => (body as Iterable<Chunk>)[Symbol.iterator](),
        close: () => {
          void body.close?.();
          return body.close?.();
        },
      })),
    );
    expect(transport.bodyText).toBe('hello');
    expect(transport.traces[0]).toContain("the body's close() failed");
    expectReported(transport, 'ISAPI_VALIDATE_CLOSE_TWICE', "The body's close() was called a second time", 'the server broke it');
  });

  it("calls the app's own close() only once when the server closes twice", async () => {
    let closes = 0;
    await run(
      middleware(
        (body) => ({
          [Symbol.iterator]: () => (body as Iterable<Chunk>)[Symbol.iterator](),
          close: () => {
            void body.close?.();
            return body.close?.();
          },
        }),
        (_environ, startResponse) => {
          startResponse(ok, []);
          return Object.assign(['x'], { close: () => void closes++ }) as Body;
        },
      ),
    );
    expect(closes).toBe(1);
  });

  it('refuses iterating the body after close()', async () => {
    const transport = await run(
      middleware((body) => {
        void body.close?.();
        return body;
      }),
    );
    expectReported(transport, 'ISAPI_VALIDATE_ITERATE_AFTER_CLOSE', 'The body was iterated after its close() was called');
  });

  it('gives the server a close() even when the app returned a plain array', () => {
    const environ = buildEnviron(makeRecord(), new FakeTransport(), { multithread: true, multiprocess: false });
    const body = validate(hello)(environ, () => () => undefined) as Body;
    expect(typeof body.close).toBe('function');
  });

  it("puts the server's wsgi.errors flush() back once the request is over", async () => {
    let serverErrors: ErrorStream | undefined;
    const validated = validate(hello);
    await run((environ, startResponse) => {
      serverErrors = environ['wsgi.errors'];
      return validated(environ, startResponse);
    });
    expect(serverErrors && Object.prototype.hasOwnProperty.call(serverErrors, 'flush')).toBe(false);
  });
});

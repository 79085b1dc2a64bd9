// Rule 8 (and rules 9 and 15 as they apply to write()): write() belongs to an open response, takes
// chunks, and respects the declared Content-Length. Its violations throw to the app at the call.

import { describe, expect, it } from 'vitest';
import type { Body, Write } from '../../lib/index.js';
import { ValidationError, isValidationError } from '../../lib/validate/index.js';
import { expect500, expectAborted, expectReported, ok, runValidated } from './support.js';

describe('write() after the end (rule 8)', () => {
  it('refuses write() kept and called after the body ended', async () => {
    let kept: Write | undefined;
    await runValidated((_environ, startResponse) => {
      kept = startResponse(ok, []);
      return ['done'];
    });
    let thrown: unknown;
    try {
      kept?.('late');
    } catch (error) {
      thrown = error;
    }
    expect(isValidationError(thrown, 'ISAPI_VALIDATE_WRITE_AFTER_END')).toBe(true);
    // runApp has closed the body by the time it resolved.
    expect((thrown as ValidationError).message).toContain("write() was called after the body's close() was called");
  });

  it("refuses write() from the body's close(), reported as close()'s failure", async () => {
    const transport = await runValidated((_environ, startResponse) => {
      const write = startResponse(ok, []);
      return Object.assign(['body'], { close: () => write('from close') }) as Body;
    });
    expect(transport.bodyText).toBe('body');
    expect(transport.traces[0]).toContain("the body's close() failed");
    expectReported(transport, 'ISAPI_VALIDATE_WRITE_AFTER_END', "write() was called after the body's close() was called");
  });
});

describe('body bytes before startResponse (rule 8)', () => {
  it('refuses a generator body that yields bytes before calling startResponse', async () => {
    const transport = await runValidated((_environ, startResponse) =>
      (function* () {
        yield 'x';
        startResponse(ok, []);
      })(),
    );
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_BEFORE_START', 'The body produced 1 byte before startResponse was called', 'before the first non-empty yield');
  });

  it('refuses an async generator body that yields bytes before calling startResponse', async () => {
    const transport = await runValidated(() =>
      (async function* () {
        yield new Uint8Array(3);
      })(),
    );
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_BEFORE_START', 'The body produced 3 bytes');
  });
});

describe('write() chunks (rule 9)', () => {
  it('refuses write() of a number, thrown to the app', async () => {
    let caught: unknown;
    const transport = await runValidated((_environ, startResponse) => {
      const write = startResponse(ok, []);
      try {
        write(42 as unknown as string);
      } catch (error) {
        caught = error;
        throw error;
      }
      return [];
    });
    expect(isValidationError(caught, 'ISAPI_VALIDATE_CHUNK_TYPE')).toBe(true);
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_CHUNK_TYPE', 'write() gave a chunk that is number 42', 'String(value)');
  });

  it('refuses write() of an object after bytes left, and the request is aborted', async () => {
    const transport = await runValidated((_environ, startResponse) => {
      const write = startResponse(ok, []);
      write('first');
      write({ text: 'second' } as unknown as string);
      return [];
    });
    expectAborted(transport);
    expectReported(transport, 'ISAPI_VALIDATE_CHUNK_TYPE', 'write() gave a chunk that is an object');
  });
});

describe('write() against Content-Length (rule 15)', () => {
  it('refuses write() that goes past the declared Content-Length', async () => {
    const transport = await runValidated((_environ, startResponse) => {
      const write = startResponse(ok, [['Content-Length', '3']]);
      write('abcd');
      return [];
    });
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_LENGTH', 'Content-Length is 3 but the body reached 4 bytes');
  });
});

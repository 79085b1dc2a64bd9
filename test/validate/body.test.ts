// Rules 9, 10, 14 and 15 on the body side: what the app returns and what its iteration yields. A
// violation makes the iteration throw: a 500 before the headers left, an abort after.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Body } from '../../lib/index.js';
import { expect500, expectAborted, expectReported, ok, runValidated } from './support.js';

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'isapi-node-validate-body-'));
  file = join(dir, 'ten.txt');
  writeFileSync(file, '0123456789');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An app that starts a 200 with `headers` and returns `body` as it is. */
function returning(body: unknown, headers: [string, string][] = []): App {
  return (_environ, startResponse) => {
    startResponse(ok, headers);
    return body as Body;
  };
}

describe('body chunks (rule 9)', () => {
  it('refuses a number chunk in a synchronous body', async () => {
    const transport = await runValidated(returning(['a', 7]));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_CHUNK_TYPE', 'The body gave a chunk that is number 7');
  });

  it('refuses a null chunk', async () => {
    const transport = await runValidated(returning([null]));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_CHUNK_TYPE', 'The body gave a chunk that is null');
  });

  it('refuses an object chunk in an async body after bytes left, aborting the request', async () => {
    const transport = await runValidated(
      returning(
        (async function* () {
          yield 'sent';
          yield { json: true };
        })(),
      ),
    );
    expect(transport.bodyText).toBe('sent');
    expectAborted(transport);
    expectReported(transport, 'ISAPI_VALIDATE_CHUNK_TYPE', 'The body gave a chunk that is an object');
  });

  it("ends the app's generator when one of its chunks is refused", async () => {
    let cleanedUp = false;
    await runValidated(
      returning(
        (function* () {
          try {
            yield 1;
          } finally {
            cleanedUp = true;
          }
        })(),
      ),
    );
    expect(cleanedUp).toBe(true);
  });

  it('refuses a bare string returned as the whole body', async () => {
    const transport = await runValidated(returning('hello'));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BARE_BODY', 'The app returned a string ("hello") as the whole body', 'return [body]');
  });

  it('refuses a bare Buffer returned as the whole body', async () => {
    const transport = await runValidated(returning(Buffer.from('hello')));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BARE_BODY', 'The app returned an object (Buffer) as the whole body');
  });
});

describe('startResponse by the end of the body (rule 10)', () => {
  it('refuses an app that returns an empty body without calling startResponse', async () => {
    const transport = await runValidated(() => []);
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_NO_START_RESPONSE', 'The body ended, and startResponse was never called');
  });

  it('refuses an async body that ends without startResponse', async () => {
    const transport = await runValidated(() =>
      (async function* () {
        yield '';
      })(),
    );
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_NO_START_RESPONSE');
  });

  it('refuses a file body returned without startResponse', async () => {
    const transport = await runValidated((environ) => environ['isapi.file_wrapper'](file));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_NO_START_RESPONSE', 'The app returned a file body, and startResponse was never called');
  });
});

describe('what the app returns (rule 14)', () => {
  it('refuses a number', async () => {
    const transport = await runValidated(returning(42));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_TYPE', 'The app returned number 42', 'an async generator or a stream');
  });

  it('refuses a promise of a plain object', async () => {
    const transport = await runValidated(async (_environ, startResponse) => {
      startResponse(ok, []);
      return { body: 'x' } as unknown as Body;
    });
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_TYPE', 'The app returned a promise of an object');
  });

  it('refuses undefined (an app that forgot to return)', async () => {
    const transport = await runValidated(returning(undefined));
    expectReported(transport, 'ISAPI_VALIDATE_BODY_TYPE', 'The app returned undefined undefined');
  });

  it('closes a refused body that has close(), since the server never sees it', async () => {
    let closed = 0;
    await runValidated(returning({ close: () => void closed++ }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(1);
  });
});

describe('Content-Length against the body (rule 15)', () => {
  it('refuses a body shorter than its Content-Length', async () => {
    const transport = await runValidated(returning(['hello'], [['Content-Length', '10']]));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_LENGTH', 'Content-Length is 10 but the body ended after 5 bytes');
  });

  it('refuses a body longer than its Content-Length at the chunk that overflows', async () => {
    const transport = await runValidated(
      returning(
        (async function* () {
          yield 'ab';
          yield 'cd';
        })(),
        [['Content-Length', '3']],
      ),
    );
    expect(transport.bodyText).toBe('ab');
    expectAborted(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_LENGTH', 'Content-Length is 3 but the body reached 4 bytes');
  });

  it('counts UTF-8 bytes, not string length', async () => {
    const transport = await runValidated(returning(['héllo'], [['Content-Length', '5']]));
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_LENGTH', 'reached 6 bytes', 'Buffer.byteLength(text)');
  });

  it('counts write() and body bytes together', async () => {
    const transport = await runValidated((_environ, startResponse) => {
      startResponse(ok, [['Content-Length', '4']])('ab');
      return ['cde'];
    });
    expectAborted(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_LENGTH', 'reached 5 bytes');
  });

  it('refuses a file body whose range differs from its Content-Length', async () => {
    const transport = await runValidated((environ, startResponse) => {
      startResponse(ok, [['Content-Length', '4']]);
      return environ['isapi.file_wrapper'](file);
    });
    expect500(transport);
    expectReported(transport, 'ISAPI_VALIDATE_BODY_LENGTH', 'Content-Length is 4 but the body reached 10 bytes');
  });

  it('accepts a short body for 204 No Content', async () => {
    const transport = await runValidated((_environ, startResponse) => {
      startResponse('204 No Content', [['Content-Length', '0']]);
      return [];
    });
    expect(transport.head?.status).toBe('204 No Content');
    expect(transport.traces).toEqual([]);
  });
});

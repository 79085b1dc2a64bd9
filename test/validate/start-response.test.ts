// Rules 3 to 7: startResponse's status, headers, second calls and excInfo. Each violation throws
// to the app at its call; uncaught, it fails the request with a 500.

import { describe, expect, it } from 'vitest';
import type { App } from '../../lib/index.js';
import { ValidationError, type ValidationCode } from '../../lib/validate/index.js';
import { expect500, expectReported, ok, runValidated } from './support.js';

/** An app that calls startResponse with `status` and `headers` (as given, whatever their types). */
function starting(status: unknown, headers: unknown, excInfo?: unknown): App {
  return (_environ, startResponse) => {
    startResponse(status as string, headers as [string, string][], excInfo);
    return ['body'];
  };
}

/** Runs `app`, expects a 500 and the ValidationError `code` with `parts` on the trace channel. */
async function expectRefused(app: App, code: ValidationCode, ...parts: string[]): Promise<void> {
  const transport = await runValidated(app);
  expect500(transport);
  expectReported(transport, code, ...parts);
}

describe('status (rule 3)', () => {
  it('refuses a status without a reason phrase', async () => {
    await expectRefused(starting('200', []), 'ISAPI_VALIDATE_STATUS', 'startResponse got a bad status: Invalid status "200"', 'Fix: pass a status such as "200 OK"');
  });

  it('refuses a numeric status', async () => {
    await expectRefused(starting(200, []), 'ISAPI_VALIDATE_STATUS', 'Invalid status number 200: a status must be a string');
  });

  it('refuses a status with a line break', async () => {
    await expectRefused(starting('200 OK\r\nX-Injected: 1', []), 'ISAPI_VALIDATE_STATUS', 'it contains CR');
  });
});

describe('headers container (rule 4)', () => {
  it('refuses headers given as a plain object, suggesting Object.entries', async () => {
    await expectRefused(starting(ok, { 'Content-Type': 'text/plain' }), 'ISAPI_VALIDATE_HEADERS_TYPE', 'that are an object', 'Object.entries(headers)');
  });

  it('refuses headers given as a Map, suggesting [...headers]', async () => {
    await expectRefused(starting(ok, new Map([['Content-Type', 'text/plain']])), 'ISAPI_VALIDATE_HEADERS_TYPE', 'as a Map (pass [...headers] instead)');
  });

  it('refuses an entry of three items', async () => {
    await expectRefused(starting(ok, [['Content-Type', 'text/plain', 'x']]), 'ISAPI_VALIDATE_HEADERS_TYPE', 'entry 0 is an array of 3 items');
  });

  it('refuses an entry that is a string', async () => {
    await expectRefused(starting(ok, [['A', 'b'], 'Content-Type: text/plain']), 'ISAPI_VALIDATE_HEADERS_TYPE', 'entry 1 is a string');
  });

  it('refuses a numeric value, suggesting String()', async () => {
    await expectRefused(starting(ok, [['Content-Length', 5]]), 'ISAPI_VALIDATE_HEADERS_TYPE', 'entry 0 ("Content-Length") has the value number 5', 'String(5)');
  });

  it('refuses a name that is not a string', async () => {
    await expectRefused(starting(ok, [[null, 'x']]), 'ISAPI_VALIDATE_HEADERS_TYPE', 'entry 0 has the name null');
  });
});

describe('header fields (rule 5)', () => {
  it('refuses a name that is not a token', async () => {
    await expectRefused(starting(ok, [['Content Type', 'text/plain']]), 'ISAPI_VALIDATE_HEADER_NAME', 'Invalid header name "Content Type": it contains a space');
  });

  it('refuses a value with CR/LF', async () => {
    await expectRefused(starting(ok, [['Location', '/a\r\nSet-Cookie: x=1']]), 'ISAPI_VALIDATE_HEADER_VALUE', 'Invalid value for header "Location": it contains CR');
  });

  it('refuses a value with NUL', async () => {
    await expectRefused(starting(ok, [['X-Id', 'a\0b']]), 'ISAPI_VALIDATE_HEADER_VALUE', 'it contains NUL');
  });

  it.each(['Connection', 'transfer-encoding', 'Keep-Alive', 'Upgrade'])('refuses the hop-by-hop header %s', async (name) => {
    await expectRefused(starting(ok, [[name, 'x']]), 'ISAPI_VALIDATE_HOP_BY_HOP_HEADER', `startResponse got a hop-by-hop header: Header ${JSON.stringify(name)} is hop-by-hop`);
  });

  it('refuses a Content-Length that is not a number', async () => {
    await expectRefused(starting(ok, [['Content-Length', 'ten']]), 'ISAPI_VALIDATE_CONTENT_LENGTH_HEADER', 'Invalid Content-Length "ten"');
  });

  it('refuses two Content-Length headers', async () => {
    await expectRefused(starting(ok, [['Content-Length', '4'], ['content-length', '4']]), 'ISAPI_VALIDATE_CONTENT_LENGTH_HEADER', 'more than one Content-Length');
  });
});

describe('second call (rule 6)', () => {
  it('refuses a second call without excInfo, naming the status already set', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse(ok, []);
      startResponse('404 Not Found', []);
      return [];
    };
    await expectRefused(app, 'ISAPI_VALIDATE_START_RESPONSE_TWICE', 'the status already set is "200 OK"', 'pass that error as the third argument');
  });

  it('refuses a second call with a null excInfo', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse(ok, []);
      startResponse('404 Not Found', [], null);
      return [];
    };
    await expectRefused(app, 'ISAPI_VALIDATE_START_RESPONSE_TWICE');
  });
});

describe('excInfo (rule 7)', () => {
  it('refuses an excInfo that is a string', async () => {
    await expectRefused(starting(ok, [], 'it broke'), 'ISAPI_VALIDATE_EXC_INFO', 'startResponse got excInfo that is a string ("it broke"), not an Error');
  });

  it('refuses an excInfo that is a plain object', async () => {
    await expectRefused(starting(ok, [], { message: 'x' }), 'ISAPI_VALIDATE_EXC_INFO', 'that is an object, not an Error');
  });

  it('accepts an Error subclass as excInfo on the first call', async () => {
    const transport = await runValidated(starting('500 Internal Server Error', [], new TypeError('bad input')));
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.bodyText).toBe('body');
  });
});

describe('where startResponse violations surface', () => {
  it('throws the ValidationError synchronously to the app, which may catch it', async () => {
    let caught: unknown;
    const transport = await runValidated((_environ, startResponse) => {
      try {
        startResponse('OK', []);
      } catch (error) {
        caught = error;
      }
      startResponse(ok, []);
      return ['recovered'];
    });
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).code).toBe('ISAPI_VALIDATE_STATUS');
    expect((caught as ValidationError).by).toBe('app');
    expect(transport.bodyText).toBe('recovered');
  });

  it('checks before the server sees the call, so a refused call sets nothing', async () => {
    const transport = await runValidated((_environ, startResponse) => {
      try {
        startResponse(ok, [['Bad Name', 'x']]);
      } catch {
        // The app recovers with a valid call: not a second call, since the first was refused.
      }
      startResponse('201 Created', []);
      return [];
    });
    expect(transport.head?.status).toBe('201 Created');
  });
});

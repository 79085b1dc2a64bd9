// The startResponse state machine, on its own and through runApp.

import { describe, expect, it } from 'vitest';
import { ResponseStart } from '../../lib/core/start-response.js';
import { expectCleanEnd, ok, run } from './run.js';

const noWrite = (): void => undefined;

describe('ResponseStart', () => {
  it('returns the write callable', () => {
    const start = new ResponseStart(noWrite);
    expect(start.startResponse(ok, [])).toBe(noWrite);
    expect(start.started).toBe(true);
  });

  it('refuses a second call without excInfo', () => {
    const start = new ResponseStart(noWrite);
    start.startResponse(ok, []);
    expect(() => start.startResponse(ok, [])).toThrow(expect.objectContaining({ code: 'ISAPI_START_RESPONSE_TWICE' }));
  });

  it('treats a null excInfo as no excInfo', () => {
    const start = new ResponseStart(noWrite);
    start.startResponse(ok, []);
    expect(() => start.startResponse(ok, [], null)).toThrow(expect.objectContaining({ code: 'ISAPI_START_RESPONSE_TWICE' }));
  });

  it('replaces status and headers when called with excInfo before the headers were sent', () => {
    const start = new ResponseStart(noWrite);
    start.startResponse(ok, [['X-A', '1']]);
    start.startResponse('500 Oops', [['X-B', '2']], new Error('boom'));
    expect(start.commit()).toEqual({ status: '500 Oops', headers: [['X-B', '2']] });
  });

  it('re-throws excInfo when the headers were already sent', () => {
    const start = new ResponseStart(noWrite);
    start.startResponse(ok, []);
    start.commit();
    const original = new Error('original');
    expect(() => start.startResponse('500 Oops', [], original)).toThrow(original);
  });

  it('accepts excInfo on a first call', () => {
    const start = new ResponseStart(noWrite);
    start.startResponse('500 Oops', [], new Error('boom'));
    expect(start.commit().status).toBe('500 Oops');
  });

  it('stays unstarted after an invalid call, so a corrected call is accepted', () => {
    const start = new ResponseStart(noWrite);
    expect(() => start.startResponse('200 OK\r\n', [])).toThrow(expect.objectContaining({ code: 'ISAPI_BAD_STATUS' }));
    expect(start.started).toBe(false);
    expect(() => start.startResponse(ok, [])).not.toThrow();
  });

  it('keeps its own copy of the headers', () => {
    const start = new ResponseStart(noWrite);
    const headers: [string, string][] = [['X-A', '1']];
    start.startResponse(ok, headers);
    headers[0][1] = 'changed';
    headers.push(['X-B', '2']);
    expect(start.commit().headers).toEqual([['X-A', '1']]);
  });

  it('refuses to commit before startResponse', () => {
    expect(() => new ResponseStart(noWrite).commit()).toThrow(expect.objectContaining({ code: 'ISAPI_WRITE_BEFORE_START' }));
  });
});

describe('startResponse through runApp', () => {
  it('answers 500 when the app calls startResponse twice', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      startResponse(ok, []);
      return [];
    });
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.traces.join('\n')).toContain('ISAPI_START_RESPONSE_TWICE');
    expectCleanEnd(transport);
  });

  it('sends the replacement response when an error is handled with excInfo before any body', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, [['Content-Type', 'text/html']]);
      try {
        throw new Error('while rendering');
      } catch (error) {
        startResponse('503 Service Unavailable', [['Content-Type', 'text/plain']], error);
        return ['try later'];
      }
    });
    expect(transport.sends).toHaveLength(1);
    expect(transport.head).toEqual({ status: '503 Service Unavailable', headers: [['Content-Type', 'text/plain']] });
    expect(transport.bodyText).toBe('try later');
    expectCleanEnd(transport);
  });

  it('cuts the response when excInfo comes after the body started (the error is re-thrown)', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, []);
      return (async function* () {
        yield 'partial';
        try {
          throw new Error('mid-stream failure');
        } catch (error) {
          startResponse('500 Oops', [], error);
          yield 'never';
        }
      })();
    });
    expect(transport.bodyText).toBe('partial');
    expect(transport.aborts).toHaveLength(1);
    expect(transport.traces.join('\n')).toContain('mid-stream failure');
    expectCleanEnd(transport);
  });

  it('answers 500 when the app sends an invalid header', async () => {
    const transport = await run((_environ, startResponse) => {
      startResponse(ok, [['X-Evil', 'a\r\nSet-Cookie: session=stolen']]);
      return ['x'];
    });
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.traces.join('\n')).toContain('ISAPI_BAD_HEADER_VALUE');
    expect(JSON.stringify(transport.calls)).not.toContain('stolen');
  });
});

// The body must match a Content-Length the app announced: the native side frames by it.

import { describe, expect, it } from 'vitest';
import type { Body } from '../../lib/index.js';
import { expectCleanEnd, ok, run, textPlain } from './run.js';

const withLength = (status: string, length: number, body: Body) => run((_environ, startResponse) => {
  startResponse(status, [['Content-Length', String(length)]]);
  return body;
});

describe('Content-Length', () => {
  it('passes a body of exactly the announced length', async () => {
    const transport = await withLength('200 OK', 5, ['he', 'llo']);
    expect(transport.bodyText).toBe('hello');
    expect(transport.aborts).toEqual([]);
    expectCleanEnd(transport);
  });

  it('answers 500 for a body longer than announced when nothing was sent', async () => {
    const transport = await withLength('200 OK', 3, ['toolong']);
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.traces[0]).toContain('ISAPI_BODY_TOO_LONG');
    expectCleanEnd(transport);
  });

  it('cuts the response before sending bytes beyond the announced length', async () => {
    const transport = await withLength(
      '200 OK',
      3,
      (async function* () {
        yield 'abc';
        yield 'd';
      })(),
    );
    expect(transport.bodyText).toBe('abc');
    expect(transport.aborts).toHaveLength(1);
    expect(transport.traces[0]).toContain('ISAPI_BODY_TOO_LONG');
    expectCleanEnd(transport);
  });

  it('cuts a response whose body ends short of the announced length', async () => {
    const transport = await withLength(
      '200 OK',
      10,
      (async function* () {
        yield 'abc';
      })(),
    );
    expect(transport.aborts).toHaveLength(1);
    expect(transport.traces[0]).toContain('ISAPI_BODY_TOO_SHORT');
    expect(transport.sends.some((send) => send.final)).toBe(false);
    expectCleanEnd(transport);
  });

  it('answers 500 for an empty body that announced bytes', async () => {
    const transport = await withLength('200 OK', 4, []);
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.traces[0]).toContain('ISAPI_BODY_TOO_SHORT');
  });

  it('allows a 304 to announce a length without a body', async () => {
    const transport = await withLength('304 Not Modified', 1234, []);
    expect(transport.head).toEqual({ status: '304 Not Modified', headers: [['Content-Length', '1234']] });
    expectCleanEnd(transport);
  });

  it('adds the would-be length to a HEAD answer whose app produced its body', async () => {
    const transport = await run((environ, startResponse) => {
      startResponse(ok, textPlain);
      return ['twelve bytes'];
    }, { method: 'HEAD' });
    expect(transport.calls).toEqual([
      { kind: 'send', head: { status: ok, headers: [...textPlain, ['Content-Length', '12']] }, chunk: null, final: true },
    ]);
  });

  it('adds no length to a HEAD answer whose app produced no body (as Fetch handlers do)', async () => {
    const transport = await run((environ, startResponse) => {
      startResponse(ok, textPlain);
      return [];
    }, { method: 'HEAD' });
    expect(transport.calls).toEqual([{ kind: 'send', head: { status: ok, headers: textPlain }, chunk: null, final: true }]);
  });
});

// The request side as an app sees it through runApp: environ, body, error stream.

import { describe, expect, it } from 'vitest';
import type { App } from '../../lib/index.js';
import { FakeTransport } from './fake-transport.js';
import { expectCleanEnd, ok, run } from './run.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

const echo: App = async (environ, startResponse) => {
  const body = await environ['wsgi.input'].text();
  startResponse(ok, [['Content-Type', 'text/plain']]);
  return [`${environ.REQUEST_METHOD} ${environ.SCRIPT_NAME}|${environ.PATH_INFO} ${environ.CONTENT_LENGTH}: ${body}`];
};

describe('the request through runApp', () => {
  it('gives the app its environ and body', async () => {
    const transport = new FakeTransport({ body: 'rest of body', readChunk: 5 });
    await run(
      echo,
      {
        method: 'POST',
        path: '/app/echo',
        headers: ['Host', 'h', 'Content-Length', '17'],
        vars: { APPL_MD_PATH: '/LM/W3SVC/1/ROOT/app' },
        totalBytes: 17,
        preload: bytes('head '),
      },
      transport,
    );
    expect(transport.bodyText).toBe('POST /app|/echo 17: head rest of body');
    expectCleanEnd(transport);
  });

  it('reads the body only as the app consumes it', async () => {
    const transport = new FakeTransport({ body: 'x'.repeat(100), readChunk: 10 });
    const seenReads: number[] = [];
    await run(
      async (environ, startResponse) => {
        const input = environ['wsgi.input'];
        for await (const _chunk of input) {
          seenReads.push(transport.reads.length);
          if (seenReads.length === 3) break;
        }
        startResponse(ok, []);
        return [];
      },
      { method: 'POST', totalBytes: -1 },
      transport,
    );
    expect(seenReads).toEqual([1, 2, 3]);
    expect(transport.reads).toHaveLength(3);
  });

  it('sends a partial wsgi.errors line to the trace channel when the request ends', async () => {
    const transport = await run((environ, startResponse) => {
      environ['wsgi.errors'].write('warning: no newline');
      startResponse(ok, []);
      return [];
    });
    expect(transport.traces).toEqual(['warning: no newline']);
  });
});

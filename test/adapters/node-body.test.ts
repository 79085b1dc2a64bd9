// How a Node listener's answer reaches the transport: a response ended before the listener returns,
// with the length it announces, is one send (as a WSGI list body is); anything else stays a stream
// whose chunks leave as they come. And the client leaving reaches req and res as on Node's server.
import { describe, expect, it } from 'vitest';
import { fromNodeListener } from '../../lib/adapters/node/index.js';
import { FakeTransport } from '../lib/fake-transport.js';
import { expectCleanEnd, run } from '../lib/run.js';

describe('fromNodeListener sends', () => {
  it('a response ended at once with its Content-Length in one final send', async () => {
    const t = await run(fromNodeListener((_req, res) => res.end('hello')));
    expectCleanEnd(t);
    expect(t.aborts).toEqual([]);
    expect(t.sends.map((s) => s.final)).toEqual([true]);
    expect(t.head?.headers).toContainEqual(['Content-Length', '5']);
    expect(t.bodyText).toBe('hello');
  });

  it('a body shorter than its Content-Length as a stream, which the core then cuts', async () => {
    const t = await run(
      fromNodeListener((_req, res) => {
        res.setHeader('Content-Length', '9');
        res.end('hello');
      }),
    );
    expect(t.sends.map((s) => s.final)).toEqual([false]);
    expect(t.aborts).toHaveLength(1);
  });

  it('chunks with a write callback as a stream, calling back once the transport took them', async () => {
    const called: string[] = [];
    const t = new FakeTransport();
    await run(
      fromNodeListener((_req, res) => {
        res.setHeader('Content-Length', '2');
        res.write('a', () => called.push(`a after ${t.calls.length} send(s)`));
        res.end('b');
      }),
      {},
      t,
    );
    expectCleanEnd(t);
    expect(t.aborts).toEqual([]);
    expect(t.sends.map((s) => s.final)).toEqual([false, false, true]);
    expect(called).toEqual(['a after 1 send(s)']);
  });

  it("a client leaving as Node's server tells it: 'aborted', then both sides destroyed and closed", async () => {
    const t = new FakeTransport();
    const events: string[] = [];
    const done = run(
      fromNodeListener((req, res) => {
        req.on('aborted', () => events.push(`aborted, res.destroyed ${res.destroyed}`));
        res.on('close', () => events.push(`res close, destroyed ${res.destroyed}`));
        setTimeout(() => t.disconnect(), 1);
      }),
      { headers: ['Host', 'example.test', 'Content-Length', '3'], totalBytes: 3 },
      t,
    );
    await done;
    expect(events[0]).toBe('aborted, res.destroyed false');
    expect(events).toContain('res close, destroyed true');
    expect(t.aborts).toEqual(['client gone']);
  });
});

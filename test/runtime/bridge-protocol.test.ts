// The bridge protocol's JavaScript side: batches read by its named slots, and a worker that will
// not serve through a binding whose protocol differs from its own.
import { describe, expect, it } from 'vitest';
import { RECORD_VARIABLES } from '../../lib/core/record-variables.js';
import type { RequestRecord } from '../../lib/core/transport.js';
import { decodeBatch, type NativeBridge, type StartFailureReport } from '../../lib/runtime/bridge.js';
import { EventSlots, EventType, NO_REPLY, expectedLayout, layoutMismatch } from '../../lib/runtime/bridge-protocol.js';
import { main } from '../../lib/runtime/worker.js';

describe('decodeBatch', () => {
  // The record variables in RECORD_VARIABLES' order, only REMOTE_ADDR (index 1) and HTTPS (9) present.
  const variables = RECORD_VARIABLES.map((name) => (name === 'REMOTE_ADDR' ? '127.0.0.1' : ''));
  const present = (1 << 1) | (1 << 9);
  const fields = ['POST', '/a', 'q=1', '/a?q=1', ...variables, 'Host', 'h', 'X-Two', 'a b'];
  const record = {
    id: 5, method: 'POST', path: '/a', query: 'q=1', rawUrl: '/a?q=1', headers: ['Host', 'h', 'X-Two', 'a b'],
    vars: { REMOTE_ADDR: '127.0.0.1', HTTPS: '' },
  };

  it('reads each event by its type and slot count, in order', () => {
    const preload = new Uint8Array([1, 2]);
    const data = new Uint8Array([3]);
    const batch = [
      EventType.done, 7, true, data,
      EventType.request, 5, fields.join('\0'), present, 2, preload,
      EventType.gone, 5,
      EventType.done, 8, false, undefined,
    ];
    expect(batch.length).toBe(4 + EventSlots.request + 2 * EventSlots.done + EventSlots.gone);
    const seen: unknown[] = [];
    decodeBatch(batch, {
      request: (r: RequestRecord) => seen.push(['request', r]),
      done: (token, ok, bytes) => seen.push(['done', token, ok, bytes]),
      gone: (id) => seen.push(['gone', id]),
    });
    expect(seen).toEqual([
      ['done', 7, true, data],
      ['request', { ...record, totalBytes: 2, preload }],
      ['gone', 5],
      ['done', 8, false, undefined],
    ]);
  });

  it('reads the fields of a request whose fields could not be joined (one held NUL) from an array', () => {
    const withNul = ['GET', '/a\0b', '', '/a%00b', ...variables, 'Host', 'h'];
    const seen: RequestRecord[] = [];
    decodeBatch([EventType.request, 6, withNul, present, 0, undefined], {
      request: (r) => seen.push(r),
      done: () => {},
      gone: () => {},
    });
    expect(seen).toEqual([
      { id: 6, method: 'GET', path: '/a\0b', query: '', rawUrl: '/a%00b', headers: ['Host', 'h'], vars: record.vars, totalBytes: 0, preload: new Uint8Array(0) },
    ]);
  });

  it('refuses an event type it does not know', () => {
    expect(() => decodeBatch([9, 1], { request: () => {}, done: () => {}, gone: () => {} })).toThrow('unknown event type 9');
  });
});

describe('layoutMismatch', () => {
  it('accepts its own layout', () => {
    expect(layoutMismatch(expectedLayout())).toBeNull();
  });

  const changed: [string, (l: ReturnType<typeof expectedLayout>) => unknown, string][] = [
    ['a slot count', (l) => ({ ...l, events: { ...l.events, request: { type: EventType.request, slots: EventSlots.request + 1 } } }), 'request event'],
    ['an event type', (l) => ({ ...l, events: { ...l.events, gone: { type: 4, slots: EventSlots.gone } } }), 'gone event'],
    ['the no-reply token', (l) => ({ ...l, noReply: NO_REPLY + 1 }), 'no-reply token'],
    ['the record variables', (l) => ({ ...l, recordVariables: [...l.recordVariables, 'INSTANCE_ID'] }), 'record variables'],
    ['the version', (l) => ({ ...l, version: l.version + 1 }), 'protocol version'],
    ['nothing at all (a binding without layout())', () => undefined, 'protocol version'],
  ];
  it.each(changed)('names %s that differs, and the fix', (_what, change, named) => {
    const message = layoutMismatch(change(expectedLayout()));
    expect(message).toContain(named);
    expect(message).toContain('reinstall isapi-node, or rebuild it');
  });
});

describe('a worker whose binding speaks another protocol', () => {
  it('reports runtime_failed with the difference before loading the app or taking requests', async () => {
    const calls: string[] = [];
    let failure: StartFailureReport | null | undefined;
    const traced: string[] = [];
    const layout = expectedLayout();
    const bridge = {
      layout: () => ({ ...layout, events: { ...layout.events, done: { type: EventType.done, slots: EventSlots.done + 1 } } }),
      config: () => {
        calls.push('config');
        return { app: '/nonexistent.mjs', export: '', workers: 1, workerIndex: 0, validate: false };
      },
      start: () => calls.push('start'),
      ready: (f: StartFailureReport | null) => (failure = f),
      trace: (_source: string, text: string) => traced.push(text),
    } as unknown as NativeBridge;
    await main(bridge);
    expect(failure?.kind).toBe('runtime_failed');
    expect(failure?.message).toMatch(/^the native bridge and the JavaScript runtime do not speak the same protocol \(done event: /);
    expect(traced).toEqual([failure?.message]);
    expect(calls).toEqual([]);
  });
});

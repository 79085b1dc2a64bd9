// WorkerTransport on its own, its frames caught by a sink: the rules worker.test.ts cannot reach
// through an app (the core never asks for more than it should), and the record it builds.
import { describe, expect, it } from 'vitest';
import { ClientGoneError } from '../../lib/core/errors.js';
import { FrameType, MAX_CHUNK_BYTES, ProtocolError, type RequestFrame, type WorkerFrame } from '../../lib/worker/frames.js';
import { WorkerTransport, recordOf } from '../../lib/worker/worker-transport.js';

function requestFrame(more: Partial<RequestFrame> = {}): RequestFrame {
  return {
    type: FrameType.request, id: 9, bodyLength: 0, method: 'GET', path: '/p', query: 'q', rawUrl: '/p?q',
    headers: [['Host', 'h'], ['X-Foo', 'a'], ['X-Foo', 'b']],
    serverVariables: [['REMOTE_ADDR', '10.0.0.1'], ['INSTANCE_ID', '2'], ['URL', '/p'], ['HTTPS', 'off']],
    preload: new Uint8Array(0),
    ...more,
  };
}

function transport(more: Partial<RequestFrame> = {}): { t: WorkerTransport; sent: WorkerFrame[] } {
  const sent: WorkerFrame[] = [];
  return { t: new WorkerTransport({ send: (frame) => sent.push(frame) }, requestFrame(more)), sent };
}

describe('recordOf', () => {
  it('keeps only the record variables, the headers flat, an unknown length as -1', () => {
    const record = recordOf(requestFrame({ bodyLength: -1 }));
    expect(record.vars).toEqual({ REMOTE_ADDR: '10.0.0.1', HTTPS: 'off' });
    expect(record.headers).toEqual(['Host', 'h', 'X-Foo', 'a', 'X-Foo', 'b']);
    expect(record).toMatchObject({ id: 9, method: 'GET', path: '/p', query: 'q', rawUrl: '/p?q', totalBytes: -1 });
  });
});

describe('WorkerTransport', () => {
  it('answers server variables from the REQUEST (any case), then the headers, else null', () => {
    const { t } = transport();
    expect(t.serverVariable('instance_id')).toBe('2');
    expect(t.serverVariable('HTTP_X_FOO')).toBe('a, b');
    expect(t.serverVariable('HEADER_x-foo')).toBe('a, b');
    expect(t.serverVariable('HTTP_URL')).toBeNull();
    expect(t.serverVariable('LOGON_USER')).toBeNull();
  });

  it('asks for 1 to 1 MiB per READ, whatever it is asked', async () => {
    const { t, sent } = transport();
    for (const max of [0, -5, Number.NaN, 5 * MAX_CHUNK_BYTES, 300]) {
      const read = t.read(max);
      t.onBody({ type: FrameType.body, id: 9, failed: false, data: new Uint8Array([1]) });
      await read;
    }
    expect(sent.map((f) => (f.type === FrameType.read ? f.max : null))).toEqual([1, 1, 1, MAX_CHUNK_BYTES, 300]);
  });

  it('never has two READs outstanding', async () => {
    const { t, sent } = transport();
    const first = t.read(10);
    await expect(t.read(10)).rejects.toThrow('read its body twice at once');
    expect(sent).toHaveLength(1);
    t.onBody({ type: FrameType.body, id: 9, failed: false, data: new Uint8Array(0) });
    expect(await first).toBeNull();
  });

  it('fails a read whose BODY failed with ClientGoneError', async () => {
    const { t } = transport();
    const read = t.read(10);
    t.onBody({ type: FrameType.body, id: 9, failed: true, data: new Uint8Array(0) });
    await expect(read).rejects.toBeInstanceOf(ClientGoneError);
  });

  it('refuses a BODY without a READ and a SENT that matches no SEND, but not once it gave up', async () => {
    const { t } = transport();
    expect(() => t.onBody({ type: FrameType.body, id: 9, failed: false, data: new Uint8Array(1) })).toThrow(ProtocolError);
    expect(() => t.onSent({ type: FrameType.sent, id: 9, failed: false, bytes: 1 })).toThrow(ProtocolError);
    const pending = t.send({ status: '200 OK', headers: [] }, new Uint8Array(10), false);
    await pending;
    expect(() => t.onSent({ type: FrameType.sent, id: 9, failed: false, bytes: 11 })).toThrow(/a SENT of 11 bytes for request 9, whose oldest unconfirmed SEND had 10/);
    const read = t.read(1);
    t.abort('app error');
    await expect(read).rejects.toBeInstanceOf(ClientGoneError);
    t.onBody({ type: FrameType.body, id: 9, failed: false, data: new Uint8Array(1) });
    t.onSent({ type: FrameType.sent, id: 9, failed: false, bytes: 10 });
  });

  it('after GONE: fires gone, fails what is outstanding, sends nothing for the id but its traces (as id 0)', async () => {
    const { t, sent } = transport();
    const read = t.read(10);
    t.onGone();
    expect(t.gone.isGone).toBe(true);
    await expect(read).rejects.toBeInstanceOf(ClientGoneError);
    await expect(t.send(null, new Uint8Array(1), true)).rejects.toBeInstanceOf(ClientGoneError);
    t.abort('client gone');
    t.trace('last words');
    expect(sent.slice(1)).toEqual([{ type: FrameType.trace, id: 0, source: 'app', text: 'last words' }]);
  });

  it('sends a final chunk at once, unanswered, in pieces of at most 1 MiB', async () => {
    const { t, sent } = transport();
    const body = new Uint8Array(MAX_CHUNK_BYTES + 1);
    const done = t.send({ status: '200 OK', headers: [['A', 'b']] }, body, true);
    // The first piece is non-final and past the window: it waits for its SENT.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.map((f) => f.type === FrameType.send && [f.head !== null, f.chunk.length, f.final])).toEqual([[true, MAX_CHUNK_BYTES, false]]);
    t.onSent({ type: FrameType.sent, id: 9, failed: false, bytes: MAX_CHUNK_BYTES });
    await done;
    expect(sent.map((f) => f.type === FrameType.send && [f.head !== null, f.chunk.length, f.final])).toEqual([[true, MAX_CHUNK_BYTES, false], [false, 1, true]]);
  });
});

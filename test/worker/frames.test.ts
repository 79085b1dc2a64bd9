// The worker's frame codec against the shared vectors (test/vectors/frames.json, which the native
// codec is tested against too), the parser across every way a stream can be cut, and each kind of
// bad frame refused with a message.
//
// A vector is { name, type, flags, id, fields, hex }: `hex` is the whole frame, header included;
// `fields` holds the payload's fields by type (byte strings as hex, pairs as [[name, value], ...]):
//   0x01 WELCOME    version, configuration
//   0x02 REQUEST    bodyLength (-1: unknown), method, path, query, rawUrl, headers, serverVariables, preload
//   0x03 BODY       data (absent when flags has failed: no payload)
//   0x04 SENT       bytes
//   0x05 GONE       (none)
//   0x41 HELLO      version, pid, nodeVersion, secret
//   0x42 READY      kind, message (only when flags has failed)
//   0x43 HEARTBEAT  (none)
//   0x44 TRACE      source, text
//   0x45 SEND       status, headers (only when flags has head), chunk
//   0x46 READ       max
//   0x47 ABORT      reason
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FROM_EXTENSION, FROM_WORKER, Flag, FrameParser, FrameType, MAX_PAYLOAD_BYTES, ProtocolError, decodeFrame, encodeFrame, traceFrame,
  type Frame, type Pairs,
} from '../../lib/worker/frames.js';
import { projectRoot } from '../support/build.js';

interface Vector {
  name: string;
  type: number;
  flags: number;
  id: number;
  fields: Record<string, unknown>;
  hex: string;
}

const vectors = JSON.parse(readFileSync(join(projectRoot, 'test/vectors/frames.json'), 'utf8')) as Vector[];

const bytes = (hex: unknown): Buffer => Buffer.from(hex as string, 'hex');

/** The typed frame a vector describes. */
function frameOf(v: Vector): Frame {
  const f = v.fields;
  const { id } = v;
  const failed = (v.flags & Flag.failed) !== 0;
  switch (v.type) {
    case FrameType.welcome:
      return { type: v.type, id, version: f.version as number, configuration: f.configuration as string };
    case FrameType.request:
      return {
        type: v.type, id, bodyLength: f.bodyLength as number, method: f.method as string, path: f.path as string, query: f.query as string,
        rawUrl: f.rawUrl as string, headers: f.headers as Pairs, serverVariables: f.serverVariables as Pairs, preload: bytes(f.preload),
      };
    case FrameType.body:
      return { type: v.type, id, failed, data: failed ? Buffer.alloc(0) : bytes(f.data) };
    case FrameType.sent:
      return { type: v.type, id, failed, bytes: f.bytes as number };
    case FrameType.gone:
    case FrameType.heartbeat:
      return { type: v.type, id };
    case FrameType.hello:
      return { type: v.type, id, version: f.version as number, pid: f.pid as number, nodeVersion: f.nodeVersion as string, secret: bytes(f.secret) };
    case FrameType.ready:
      return { type: v.type, id, failure: failed ? { kind: f.kind as string, message: f.message as string } : null };
    case FrameType.trace:
      return { type: v.type, id, source: f.source as string, text: f.text as string };
    case FrameType.send:
      return {
        type: v.type, id, final: (v.flags & Flag.final) !== 0, chunk: bytes(f.chunk),
        head: v.flags & Flag.head ? { status: f.status as string, headers: f.headers as Pairs } : null,
      };
    case FrameType.read:
      return { type: v.type, id, max: f.max as number };
    case FrameType.abort:
      return { type: v.type, id, reason: f.reason as string };
    default:
      throw new Error(`vector ${v.name}: unknown type ${v.type}`);
  }
}

function decodeAll(parser: FrameParser, chunks: Buffer[]): Frame[] {
  return chunks.flatMap((chunk) => parser.push(chunk)).map(decodeFrame);
}

/** A header by hand: [length, type, flags, reserved, id lo, id hi]. */
function header(length: number, type: number, flags = 0, id = 0, reserved = 0, idHi = 0): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(length, 0);
  h[4] = type;
  h[5] = flags;
  h.writeUInt16LE(reserved, 6);
  h.writeUInt32LE(id, 8);
  h.writeUInt32LE(idHi, 12);
  return h;
}

describe('the shared vectors', () => {
  it('cover every frame type, both directions, and the edge cases', () => {
    expect(new Set(vectors.map((v) => v.type))).toEqual(new Set(Object.values(FrameType)));
    const names = vectors.map((v) => v.name).join('\n');
    for (const needed of ['unknown body length', 'above 2^32', 'empty', 'UTF-8', 'preload', 'failed']) expect(names).toContain(needed);
    expect(vectors.some((v) => JSON.stringify(v.fields).includes('日本') && JSON.stringify(v.fields).includes('é'))).toBe(true);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: encodes to its hex', (_name, v) => {
    expect(encodeFrame(frameOf(v)).toString('hex')).toBe(v.hex);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: decodes to its fields', (_name, v) => {
    const raws = new FrameParser().push(bytes(v.hex));
    expect(raws).toHaveLength(1);
    expect({ type: raws[0].type, flags: raws[0].flags, id: raws[0].id }).toEqual({ type: v.type, flags: v.flags, id: v.id });
    expect(decodeFrame(raws[0])).toEqual(frameOf(v));
  });
});

describe('FrameParser', () => {
  const stream = Buffer.concat(vectors.map((v) => bytes(v.hex)));
  const expected = vectors.map(frameOf);

  it('takes a stream all at once', () => {
    expect(decodeAll(new FrameParser(), [stream])).toEqual(expected);
  });

  it('takes a stream one byte at a time', () => {
    const parser = new FrameParser();
    const ones = [...stream].map((b) => Buffer.from([b]));
    expect(decodeAll(parser, ones)).toEqual(expected);
    expect(parser.idle).toBe(true);
  });

  it('takes a stream cut anywhere', () => {
    for (const size of [2, 3, 7, 15, 16, 17, 31, 100]) {
      const chunks: Buffer[] = [];
      for (let at = 0, n = 0; at < stream.length; n++) {
        const take = 1 + ((n * 7919) % size);
        chunks.push(stream.subarray(at, at + take));
        at += take;
      }
      expect(decodeAll(new FrameParser(), chunks)).toEqual(expected);
    }
  });

  it('says whether it holds part of a frame', () => {
    const parser = new FrameParser();
    const one = bytes(vectors[0].hex);
    expect(parser.push(one.subarray(0, 20))).toEqual([]);
    expect(parser.idle).toBe(false);
    expect(parser.push(one.subarray(20))).toHaveLength(1);
    expect(parser.idle).toBe(true);
  });

  it('lets each side take only the frames it receives', () => {
    const hello = bytes(vectors.find((v) => v.type === FrameType.hello)!.hex);
    const welcome = bytes(vectors.find((v) => v.type === FrameType.welcome)!.hex);
    expect(() => new FrameParser(FROM_EXTENSION).push(hello)).toThrow(/^a HELLO frame, which this side never receives$/);
    expect(() => new FrameParser(FROM_WORKER).push(welcome)).toThrow(/^a WELCOME frame, which this side never receives$/);
    expect(new FrameParser(FROM_EXTENSION).push(welcome)).toHaveLength(1);
  });
});

describe('bad frames', () => {
  const headerCases: [string, Buffer, RegExp][] = [
    ['a length over 16 MiB (refused on its header alone)', header(MAX_PAYLOAD_BYTES + 1, FrameType.body, 0, 1), /^a frame of 16777217 bytes \(the limit is 16777216\)$/],
    ['reserved bytes set', header(0, FrameType.gone, 0, 1, 1), /^a frame header with its reserved bytes set$/],
    ['an unknown type', header(0, 0x06, 0, 1), /^a frame of unknown type 0x06$/],
    ['type 0', header(0, 0x00), /^a frame of unknown type 0x00$/],
    ['flags a type does not have', header(0, FrameType.gone, 1, 1), /^a GONE frame with flags 1$/],
    ['a flag beyond those of its type', header(0, FrameType.send, 4, 1), /^a SEND frame with flags 4$/],
    ['a failed flag on BODY plus another', header(0, FrameType.body, 3, 1), /^a BODY frame with flags 3$/],
    ['an id of 2^53', header(0, FrameType.gone, 0, 0, 0, 0x200000), /^a request id of 9007199254740992 \(not below 2\^53\)$/],
    ['an id of 2^64-1', header(0, FrameType.gone, 0, 0xffffffff, 0, 0xffffffff), /^a request id of 2\^64-1$/],
    ['a connection frame with a request id', header(0, FrameType.heartbeat, 0, 5), /^a HEARTBEAT frame with request id 5/],
  ];
  it.each(headerCases)('%s', (_what, bad, message) => {
    const parser = new FrameParser();
    expect(() => parser.push(bad)).toThrow(ProtocolError);
    expect(() => new FrameParser().push(bad)).toThrow(message);
  });

  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const frame = (type: number, payload: Buffer, flags = 0, id = 1): Buffer => Buffer.concat([header(payload.length, type, flags, id), payload]);
  const payloadCases: [string, Buffer, RegExp][] = [
    ['a WELCOME cut short', frame(FrameType.welcome, Buffer.from([1, 0]), 0, 0), /^a WELCOME frame cut short$/],
    ['a string longer than its frame', frame(FrameType.abort, Buffer.concat([u32(10), Buffer.from('short')])), /^a ABORT frame cut short$/],
    ['a pairs count larger than the frame could hold', frame(FrameType.send, Buffer.concat([u32(0), u32(0xffffffff)]), Flag.head), /^a SEND frame cut short$/],
    [
      'a REQUEST with more pairs than bytes',
      frame(FrameType.request, Buffer.concat([Buffer.alloc(8), u32(0), u32(0), u32(0), u32(0), u32(1_000_000)])),
      /^a REQUEST frame cut short$/,
    ],
    ['a GONE with a payload', frame(FrameType.gone, Buffer.from([0])), /^a GONE frame with bytes left over$/],
    ['a failed BODY with a payload', frame(FrameType.body, Buffer.from('x'), Flag.failed), /^a BODY frame with bytes left over$/],
    ['a SENT with a byte too many', frame(FrameType.sent, Buffer.alloc(5)), /^a SENT frame with bytes left over$/],
    ['a READ without its u32', frame(FrameType.read, Buffer.alloc(2)), /^a READ frame cut short$/],
    [
      'a body length of 2^53 that is not "unknown"',
      frame(FrameType.request, Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0x20, 0]), Buffer.alloc(24)])),
      /^a REQUEST frame's body length of 9007199254740992 \(not below 2\^53\)$/,
    ],
  ];
  it.each(payloadCases)('%s', (_what, bad, message) => {
    const raws = new FrameParser().push(bad);
    expect(raws).toHaveLength(1);
    expect(() => decodeFrame(raws[0])).toThrow(ProtocolError);
    expect(() => decodeFrame(raws[0])).toThrow(message);
  });

  it('a frame over the limit is never encoded', () => {
    const chunk = Buffer.alloc(MAX_PAYLOAD_BYTES + 1);
    expect(() => encodeFrame({ type: FrameType.send, id: 1, head: null, final: true, chunk })).toThrow(/over the 16777216-byte limit/);
    expect(encodeFrame({ type: FrameType.send, id: 1, head: null, final: true, chunk: chunk.subarray(1) })).toHaveLength(16 + MAX_PAYLOAD_BYTES);
  });

  it('a trace text too long for a frame is cut, not refused', () => {
    const frame = traceFrame(0, 'app', '日'.repeat(6 * 1024 * 1024));
    expect(frame.text.endsWith('… (cut)')).toBe(true);
    expect(encodeFrame(frame).length).toBeLessThanOrEqual(16 + MAX_PAYLOAD_BYTES);
  });
});

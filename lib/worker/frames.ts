// The out-of-process protocol's frames, the worker's side of docs/protocol.md (the one definition;
// native/outofprocess/frame.h is the extension's side, and both are tested against
// test/vectors/frames.json). Both directions are encoded and decoded here: the worker needs one of
// each, the tests' fake extension the other.

import type { ResponseHead } from '../core/transport.js';
import { EMPTY, HEADER_BYTES, MAX_PAYLOAD_BYTES, PayloadReader, PayloadWriter, ProtocolError, pairsBytes, readU64, strBytes, type Pairs } from './frame-fields.js';

export { HEADER_BYTES, MAX_PAYLOAD_BYTES, ProtocolError, UNKNOWN_LENGTH, type Pairs } from './frame-fields.js';

export const PROTOCOL_VERSION = 1;
/** The most a READ asks for, and the largest chunk one SEND carries. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
export const SECRET_BYTES = 32;

export const FrameType = {
  // extension → worker
  welcome: 0x01,
  request: 0x02,
  body: 0x03,
  sent: 0x04,
  gone: 0x05,
  // worker → extension
  hello: 0x41,
  ready: 0x42,
  heartbeat: 0x43,
  trace: 0x44,
  send: 0x45,
  read: 0x46,
  abort: 0x47,
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/** Flag bits, named as in docs/protocol.md; what a bit means depends on the type. */
export const Flag = {
  /** BODY, SENT, READY */
  failed: 0x01,
  /** SEND */
  head: 0x01,
  /** SEND */
  final: 0x02,
} as const;

const NAMES = new Map<number, string>(Object.entries(FrameType).map(([name, code]) => [code, name.toUpperCase()]));
const ALLOWED_FLAGS = new Map<number, number>([
  [FrameType.body, Flag.failed],
  [FrameType.sent, Flag.failed],
  [FrameType.ready, Flag.failed],
  [FrameType.send, Flag.head | Flag.final],
]);
/** Frames about the connection rather than a request: their id is 0. */
const CONNECTION_FRAMES = new Set<number>([FrameType.welcome, FrameType.hello, FrameType.ready, FrameType.heartbeat]);

/** "WELCOME", or the number for a type the protocol does not have. */
export function frameName(type: number): string {
  return NAMES.get(type) ?? `unknown type 0x${type.toString(16).padStart(2, '0')}`;
}

export interface WelcomeFrame { type: typeof FrameType.welcome; id: number; version: number; configuration: string }
export interface RequestFrame {
  type: typeof FrameType.request;
  id: number;
  /** UNKNOWN_LENGTH (-1) for a chunked upload. */
  bodyLength: number;
  method: string;
  path: string;
  query: string;
  rawUrl: string;
  headers: Pairs;
  serverVariables: Pairs;
  preload: Uint8Array;
}
export interface BodyFrame { type: typeof FrameType.body; id: number; failed: boolean; data: Uint8Array }
export interface SentFrame { type: typeof FrameType.sent; id: number; failed: boolean; bytes: number }
export interface GoneFrame { type: typeof FrameType.gone; id: number }
export interface HelloFrame { type: typeof FrameType.hello; id: number; version: number; pid: number; nodeVersion: string; secret: Uint8Array }
export interface ReadyFrame { type: typeof FrameType.ready; id: number; failure: { kind: string; message: string } | null }
export interface HeartbeatFrame { type: typeof FrameType.heartbeat; id: number }
export interface TraceFrame { type: typeof FrameType.trace; id: number; source: string; text: string }
export interface SendFrame { type: typeof FrameType.send; id: number; head: ResponseHead | null; final: boolean; chunk: Uint8Array }
export interface ReadFrame { type: typeof FrameType.read; id: number; max: number }
export interface AbortFrame { type: typeof FrameType.abort; id: number; reason: string }

export type ExtensionFrame = WelcomeFrame | RequestFrame | BodyFrame | SentFrame | GoneFrame;
export type WorkerFrame = HelloFrame | ReadyFrame | HeartbeatFrame | TraceFrame | SendFrame | ReadFrame | AbortFrame;
export type Frame = ExtensionFrame | WorkerFrame;

/** A whole frame whose header was checked; decodeFrame() reads its payload. */
export interface RawFrame {
  type: number;
  flags: number;
  id: number;
  payload: Buffer;
}

/** Checks a header and reads its fields. `types` limits the types one direction accepts. */
export function readHeader(buf: Buffer, at = 0, types?: ReadonlySet<number>): { length: number; type: number; flags: number; id: number } {
  const length = buf.readUInt32LE(at);
  const type = buf[at + 4];
  const flags = buf[at + 5];
  if (length > MAX_PAYLOAD_BYTES) throw new ProtocolError(`a frame of ${length} bytes (the limit is ${MAX_PAYLOAD_BYTES})`);
  if (buf.readUInt16LE(at + 6) !== 0) throw new ProtocolError('a frame header with its reserved bytes set');
  if (!NAMES.has(type) || (types && !types.has(type))) {
    throw new ProtocolError(NAMES.has(type) ? `a ${frameName(type)} frame, which this side never receives` : `a frame of ${frameName(type)}`);
  }
  if (flags & ~(ALLOWED_FLAGS.get(type) ?? 0)) throw new ProtocolError(`a ${frameName(type)} frame with flags ${flags}`);
  const id = readU64(buf, at + 8, 'a request id');
  if (id < 0) throw new ProtocolError('a request id of 2^64-1');
  if (CONNECTION_FRAMES.has(type) && id !== 0) throw new ProtocolError(`a ${frameName(type)} frame with request id ${id} (it is about the connection: 0)`);
  return { length, type, flags, id };
}

/** The typed frame in a raw one; throws ProtocolError when its payload does not parse. */
export function decodeFrame(raw: RawFrame): Frame {
  const { id, flags } = raw;
  const failed = (flags & Flag.failed) !== 0;
  const r = new PayloadReader(raw.payload, frameName(raw.type));
  let frame: Frame;
  switch (raw.type) {
    case FrameType.welcome:
      frame = { type: FrameType.welcome, id, version: r.u32(), configuration: r.str() };
      break;
    case FrameType.request:
      frame = {
        type: FrameType.request, id, bodyLength: r.u64('body length'), method: r.str(), path: r.str(), query: r.str(), rawUrl: r.str(),
        headers: r.pairs(), serverVariables: r.pairs(), preload: r.rest(),
      };
      break;
    case FrameType.body:
      frame = { type: FrameType.body, id, failed, data: failed ? EMPTY : r.rest() };
      break;
    case FrameType.sent:
      frame = { type: FrameType.sent, id, failed, bytes: r.u32() };
      break;
    case FrameType.gone:
      frame = { type: FrameType.gone, id };
      break;
    case FrameType.hello:
      frame = { type: FrameType.hello, id, version: r.u32(), pid: r.u32(), nodeVersion: r.str(), secret: r.rest() };
      break;
    case FrameType.ready:
      frame = { type: FrameType.ready, id, failure: failed ? { kind: r.str(), message: r.str() } : null };
      break;
    case FrameType.heartbeat:
      frame = { type: FrameType.heartbeat, id };
      break;
    case FrameType.trace:
      frame = { type: FrameType.trace, id, source: r.str(), text: r.str() };
      break;
    case FrameType.send: {
      const head = flags & Flag.head ? { status: r.str(), headers: r.pairs() } : null;
      frame = { type: FrameType.send, id, head, final: (flags & Flag.final) !== 0, chunk: r.rest() };
      break;
    }
    case FrameType.read:
      frame = { type: FrameType.read, id, max: r.u32() };
      break;
    case FrameType.abort:
      frame = { type: FrameType.abort, id, reason: r.str() };
      break;
    default:
      throw new ProtocolError(`a frame of ${frameName(raw.type)}`);
  }
  r.end();
  return frame;
}

/** The whole frame, header included. The bytes are copied: the caller may reuse its buffers at once. */
export function encodeFrame(frame: Frame): Buffer {
  const { id } = frame;
  switch (frame.type) {
    case FrameType.welcome:
      return new PayloadWriter(frame.type, 0, id, 4 + strBytes(frame.configuration)).u32(frame.version).str(frame.configuration).buf;
    case FrameType.request: {
      const f = frame;
      const size = 8 + strBytes(f.method) + strBytes(f.path) + strBytes(f.query) + strBytes(f.rawUrl) + pairsBytes(f.headers) + pairsBytes(f.serverVariables) + f.preload.length;
      return new PayloadWriter(f.type, 0, id, size)
        .u64(f.bodyLength).str(f.method).str(f.path).str(f.query).str(f.rawUrl).pairs(f.headers).pairs(f.serverVariables).rest(f.preload).buf;
    }
    case FrameType.body:
      return frame.failed
        ? new PayloadWriter(frame.type, Flag.failed, id, 0).buf
        : new PayloadWriter(frame.type, 0, id, frame.data.length).rest(frame.data).buf;
    case FrameType.sent:
      return new PayloadWriter(frame.type, frame.failed ? Flag.failed : 0, id, 4).u32(frame.bytes).buf;
    case FrameType.gone:
    case FrameType.heartbeat:
      return new PayloadWriter(frame.type, 0, id, 0).buf;
    case FrameType.hello: {
      const f = frame;
      return new PayloadWriter(f.type, 0, id, 8 + strBytes(f.nodeVersion) + f.secret.length).u32(f.version).u32(f.pid).str(f.nodeVersion).rest(f.secret).buf;
    }
    case FrameType.ready: {
      const failure = frame.failure;
      if (!failure) return new PayloadWriter(frame.type, 0, id, 0).buf;
      return new PayloadWriter(frame.type, Flag.failed, id, strBytes(failure.kind) + strBytes(failure.message)).str(failure.kind).str(failure.message).buf;
    }
    case FrameType.trace:
      return new PayloadWriter(frame.type, 0, id, strBytes(frame.source) + strBytes(frame.text)).str(frame.source).str(frame.text).buf;
    case FrameType.send: {
      const { head, chunk } = frame;
      const flags = (head ? Flag.head : 0) | (frame.final ? Flag.final : 0);
      const writer = new PayloadWriter(frame.type, flags, id, (head ? strBytes(head.status) + pairsBytes(head.headers) : 0) + chunk.length);
      if (head) writer.str(head.status).pairs(head.headers);
      return writer.rest(chunk).buf;
    }
    case FrameType.read:
      return new PayloadWriter(frame.type, 0, id, 4).u32(frame.max).buf;
    case FrameType.abort:
      return new PayloadWriter(frame.type, 0, id, strBytes(frame.reason)).str(frame.reason).buf;
  }
}

/** The types each side receives. */
export const FROM_EXTENSION: ReadonlySet<number> = new Set([FrameType.welcome, FrameType.request, FrameType.body, FrameType.sent, FrameType.gone]);
export const FROM_WORKER: ReadonlySet<number> = new Set([FrameType.hello, FrameType.ready, FrameType.heartbeat, FrameType.trace, FrameType.send, FrameType.read, FrameType.abort]);

/**
 * Cuts a byte stream into whole frames: push() each chunk as it arrives and get the frames it
 * completed. A header is checked as soon as its 16 bytes are in, so a bad length is refused before
 * its payload is waited for. Chunks are kept as they came and joined once per frame, never
 * re-copied as more arrive.
 */
export class FrameParser {
  readonly #types: ReadonlySet<number> | undefined;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #header: { length: number; type: number; flags: number; id: number } | null = null;

  /** `types`: what this side accepts (FROM_EXTENSION for the worker); any known type by default. */
  constructor(types?: ReadonlySet<number>) {
    this.#types = types;
  }

  push(chunk: Uint8Array): RawFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#buffered += chunk.length;
    }
    const frames: RawFrame[] = [];
    for (;;) {
      if (!this.#header) {
        if (this.#buffered < HEADER_BYTES) break;
        this.#header = readHeader(this.#take(HEADER_BYTES), 0, this.#types);
      }
      if (this.#buffered < this.#header.length) break;
      const { type, flags, id, length } = this.#header;
      this.#header = null;
      frames.push({ type, flags, id, payload: this.#take(length) });
    }
    return frames;
  }

  /** True between frames: nothing of a next frame has arrived. */
  get idle(): boolean {
    return this.#buffered === 0 && this.#header === null;
  }

  #take(bytes: number): Buffer {
    if (bytes === 0) return EMPTY;
    const first = this.#chunks[0];
    let out: Buffer;
    if (first.length >= bytes) {
      out = first.subarray(0, bytes);
      if (first.length === bytes) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(bytes);
    } else {
      out = Buffer.allocUnsafe(bytes);
      let at = 0;
      while (at < bytes) {
        const next = this.#chunks[0];
        const take = Math.min(next.length, bytes - at);
        next.copy(out, at, 0, take);
        at += take;
        if (take === next.length) this.#chunks.shift();
        else this.#chunks[0] = next.subarray(take);
      }
    }
    this.#buffered -= bytes;
    return out;
  }
}

/** Trace text past this many characters is cut: even all 3-byte UTF-8 it stays under the frame limit. */
export const MAX_TRACE_CHARS = 4 * 1024 * 1024;

/** A TRACE frame whose text, however long, fits in a frame. */
export function traceFrame(id: number, source: 'app' | 'isapi-node', text: string): TraceFrame {
  return { type: FrameType.trace, id, source, text: text.length > MAX_TRACE_CHARS ? `${text.slice(0, MAX_TRACE_CHARS)}… (cut)` : text };
}

// The field types a frame's payload is built from (docs/protocol.md, "Frames"): u32, u64, str,
// pairs and rest, read and written in order. frames.ts says which fields each frame has.

export const HEADER_BYTES = 16;
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** A u64 length of 0xFFFFFFFFFFFFFFFF (unknown: a chunked upload), as the record has it. */
export const UNKNOWN_LENGTH = -1;

export type Pairs = [string, string][];

/** A frame that breaks the protocol; the message says how. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const TWO_32 = 2 ** 32;
export const EMPTY = Buffer.alloc(0);

/** Reads a u64 as a number: ids and lengths stay below 2^53, and all ones is UNKNOWN_LENGTH. */
export function readU64(buf: Buffer, at: number, what: string): number {
  const lo = buf.readUInt32LE(at);
  const hi = buf.readUInt32LE(at + 4);
  if (lo === 0xffffffff && hi === 0xffffffff) return UNKNOWN_LENGTH;
  if (hi >= 0x200000) throw new ProtocolError(`${what} of ${BigInt(hi) * 2n ** 32n + BigInt(lo)} (not below 2^53)`);
  return lo + hi * TWO_32;
}

function writeU64(buf: Buffer, at: number, value: number): number {
  if (value === UNKNOWN_LENGTH) {
    buf.writeUInt32LE(0xffffffff, at);
    buf.writeUInt32LE(0xffffffff, at + 4);
  } else {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`a u64 field must be an integer from 0 to 2^53, got ${value}`);
    buf.writeUInt32LE(value % TWO_32, at);
    buf.writeUInt32LE(Math.floor(value / TWO_32), at + 4);
  }
  return at + 8;
}

/** Reads a payload's fields in order; reading past its end is a frame that does not parse. */
export class PayloadReader {
  readonly #buf: Buffer;
  readonly #name: string;
  #at = 0;

  /** `name`: the frame's, for the messages. */
  constructor(buf: Buffer, name: string) {
    this.#buf = buf;
    this.#name = name;
  }

  #need(bytes: number): void {
    if (this.#buf.length - this.#at < bytes) throw new ProtocolError(`a ${this.#name} frame cut short`);
  }

  u32(): number {
    this.#need(4);
    const value = this.#buf.readUInt32LE(this.#at);
    this.#at += 4;
    return value;
  }

  u64(what: string): number {
    this.#need(8);
    const value = readU64(this.#buf, this.#at, `a ${this.#name} frame's ${what}`);
    this.#at += 8;
    return value;
  }

  /** Invalid UTF-8 becomes U+FFFD, as the in-process bridge's strings do. */
  str(): string {
    const bytes = this.u32();
    this.#need(bytes);
    const text = this.#buf.toString('utf8', this.#at, this.#at + bytes);
    this.#at += bytes;
    return text;
  }

  pairs(): Pairs {
    const count = this.u32();
    // Each pair takes at least 8 bytes: a larger count is a lie, not a reason to allocate.
    this.#need(count * 8);
    const list: Pairs = [];
    for (let i = 0; i < count; i++) list.push([this.str(), this.str()]);
    return list;
  }

  /** A view of the payload, not a copy: frames are cut from buffers nothing else writes to. */
  rest(): Buffer {
    const bytes = this.#buf.subarray(this.#at);
    this.#at = this.#buf.length;
    return bytes;
  }

  end(): void {
    if (this.#at !== this.#buf.length) throw new ProtocolError(`a ${this.#name} frame with bytes left over`);
  }
}

export const strBytes = (text: string): number => 4 + Buffer.byteLength(text, 'utf8');
export const pairsBytes = (pairs: Pairs): number => pairs.reduce((sum, [name, value]) => sum + strBytes(name) + strBytes(value), 4);

/** Writes a whole frame into one buffer sized beforehand (strBytes, pairsBytes): header, then fields. */
export class PayloadWriter {
  readonly buf: Buffer;
  #at = HEADER_BYTES;

  constructor(type: number, flags: number, id: number, payloadBytes: number) {
    if (payloadBytes > MAX_PAYLOAD_BYTES) throw new RangeError(`a frame of type ${type} with ${payloadBytes} payload bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit`);
    this.buf = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
    this.buf.writeUInt32LE(payloadBytes, 0);
    this.buf[4] = type;
    this.buf[5] = flags;
    this.buf.writeUInt16LE(0, 6);
    writeU64(this.buf, 8, id);
  }

  u32(value: number): this {
    this.#at = this.buf.writeUInt32LE(value, this.#at);
    return this;
  }

  u64(value: number): this {
    this.#at = writeU64(this.buf, this.#at, value);
    return this;
  }

  str(text: string): this {
    const bytes = this.buf.write(text, this.#at + 4, 'utf8');
    this.buf.writeUInt32LE(bytes, this.#at);
    this.#at += 4 + bytes;
    return this;
  }

  pairs(pairs: Pairs): this {
    this.u32(pairs.length);
    for (const [name, value] of pairs) this.str(name).str(value);
    return this;
  }

  rest(bytes: Uint8Array): this {
    this.buf.set(bytes, this.#at);
    this.#at += bytes.length;
    return this;
  }
}

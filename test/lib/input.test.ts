import { describe, expect, it } from 'vitest';
import { READ_CHUNK_BYTES, RequestBody } from '../../lib/index.js';
import { FakeTransport } from './fake-transport.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A body of `preload` + `rest`, the rest served in `chunk`-byte reads. */
function body(preload: string, rest: string, options: { chunk?: number; known?: boolean } = {}) {
  const transport = new FakeTransport({ body: rest, readChunk: options.chunk ?? 4 });
  const total = options.known === false ? -1 : preload.length + rest.length;
  return { transport, input: new RequestBody(bytes(preload), transport, total) };
}

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of iterable) out.push(text(chunk));
  return out;
}

describe('RequestBody iteration', () => {
  it('yields the preload first, then what the transport reads', async () => {
    const { input } = body('head-', 'abcdefghij', { known: false });
    expect(await collect(input)).toEqual(['head-', 'abcd', 'efgh', 'ij']);
  });

  it('reads 64 KiB at a time', async () => {
    const { transport, input } = body('', 'xyz', { known: false });
    await collect(input);
    expect(transport.reads).toEqual([READ_CHUNK_BYTES, READ_CHUNK_BYTES]);
    expect(READ_CHUNK_BYTES).toBe(262144);
  });

  it('does not read before the consumer asks', async () => {
    const { transport, input } = body('pre', 'abcdefgh', { known: false });
    const iterator = input[Symbol.asyncIterator]();
    expect(transport.reads).toHaveLength(0);
    expect(text((await iterator.next()).value as Uint8Array)).toBe('pre');
    expect(transport.reads).toHaveLength(0);
    expect(text((await iterator.next()).value as Uint8Array)).toBe('abcd');
    expect(transport.reads).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(transport.reads).toHaveLength(1);
  });

  it('does not call read() when the preload was the whole announced body', async () => {
    const { transport, input } = body('all of it', '');
    expect(await collect(input)).toEqual(['all of it']);
    expect(transport.reads).toEqual([]);
  });

  it('reads until null when the length is unknown (chunked upload)', async () => {
    const { transport, input } = body('', 'abcdef', { known: false });
    expect(await collect(input)).toEqual(['abcd', 'ef']);
    expect(transport.reads).toHaveLength(3);
  });

  it('returns nothing on a second iteration', async () => {
    const { input } = body('a', 'bcd');
    await collect(input);
    expect(await collect(input)).toEqual([]);
  });

  it('yields nothing for an empty body', async () => {
    const { transport, input } = body('', '');
    expect(await collect(input)).toEqual([]);
    expect(transport.reads).toEqual([]);
  });
});

describe('RequestBody.read', () => {
  it('returns exactly n bytes across chunk boundaries', async () => {
    const { input } = body('abc', 'defghijkl');
    expect(text(await input.read(5))).toBe('abcde');
    expect(text(await input.read(5))).toBe('fghij');
    expect(text(await input.read(5))).toBe('kl');
  });

  it('returns an empty array at the end', async () => {
    const { input } = body('ab', '');
    await input.read();
    expect(await input.read(10)).toHaveLength(0);
    expect(await input.read()).toHaveLength(0);
  });

  it('reads everything without a size', async () => {
    const { input } = body('12', '3456789', { known: false });
    expect(text(await input.read())).toBe('123456789');
  });

  it('reads everything with a negative size, as Python does', async () => {
    const { input } = body('12', '345');
    expect(text(await input.read(-1))).toBe('12345');
  });

  it('returns an empty array for read(0) without consuming', async () => {
    const { input } = body('ab', '');
    expect(await input.read(0)).toHaveLength(0);
    expect(text(await input.read())).toBe('ab');
  });

  it('refuses a size that is not an integer', async () => {
    const { input } = body('ab', '');
    await expect(input.read(1.5)).rejects.toThrow(TypeError);
  });

  it('continues iteration where read(n) stopped', async () => {
    const { input } = body('abcdef', '', { known: false });
    expect(text(await input.read(2))).toBe('ab');
    expect(await collect(input)).toEqual(['cdef']);
  });

  it('serializes concurrent reads', async () => {
    const { input } = body('', 'abcdefghijkl', { chunk: 3 });
    const [a, b, c] = await Promise.all([input.read(4), input.read(4), input.read(4)]);
    expect([text(a), text(b), text(c)]).toEqual(['abcd', 'efgh', 'ijkl']);
  });

  it('reads the rest as text and as bytes', async () => {
    const first = body('h\u00e9', 'llo');
    expect(await first.input.text()).toBe('héllo');
    const second = body('xy', 'z');
    expect(text(await second.input.bytes())).toBe('xyz');
  });

  it('passes on a failed transport read', async () => {
    const { transport, input } = body('a', 'bc', { known: false });
    transport.disconnect();
    await expect(input.read()).rejects.toThrow('client gone');
  });
});

describe('RequestBody limit (maxRequestBodyBytes)', () => {
  function limited(preload: string, rest: string, max: number, known = false) {
    const transport = new FakeTransport({ body: rest, readChunk: 4 });
    const total = known ? preload.length + rest.length : -1;
    return { transport, input: new RequestBody(bytes(preload), transport, total, max) };
  }

  it('gives a body of exactly the limit whole', async () => {
    const { input } = limited('ab', 'cdefgh', 8);
    expect(text(await input.bytes())).toBe('abcdefgh');
  });

  it('fails text() one byte past the limit, with the code and the limit', async () => {
    const { input } = limited('ab', 'cdefghi', 8);
    await expect(input.text()).rejects.toMatchObject({ code: 'ISAPI_REQUEST_BODY_TOO_LARGE', status: 413, message: expect.stringContaining('8 bytes') });
    // And every read after it: the body is over for the app.
    await expect(input.read(1)).rejects.toMatchObject({ code: 'ISAPI_REQUEST_BODY_TOO_LARGE' });
  });

  it('never asks the transport for more than one byte past the limit', async () => {
    const { transport, input } = limited('', 'x'.repeat(100), 6);
    await expect(input.bytes()).rejects.toMatchObject({ code: 'ISAPI_REQUEST_BODY_TOO_LARGE' });
    expect(transport.reads).toEqual([7, 3]);
  });

  it('counts the preload', async () => {
    const { transport, input } = limited('0123456789', '', 4);
    await expect(input.bytes()).rejects.toMatchObject({ code: 'ISAPI_REQUEST_BODY_TOO_LARGE' });
    expect(transport.reads).toEqual([]);
  });

  it('refuses an announced length past the limit before reading anything', async () => {
    const { transport, input } = limited('', 'abcdefgh', 4, true);
    await expect(collect(input)).rejects.toMatchObject({ code: 'ISAPI_REQUEST_BODY_TOO_LARGE' });
    expect(transport.reads).toEqual([]);
  });

  it('has no limit at 0', async () => {
    const { input } = limited('', 'x'.repeat(50), 0);
    expect((await input.bytes()).length).toBe(50);
  });
});

// isapi.file_wrapper: a file body sent through sendFile (TRANSMIT_FILE), or read like any body.

import { fstatSync, mkdtempSync, mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_CHUNK_BYTES, FileBody, type App, type FileWrapperOptions } from '../../lib/index.js';
import type { SendFileCall } from './fake-transport.js';
import { expectCleanEnd, ok, run } from './run.js';

let dir: string;
let small: string;
let large: string;
let empty: string;
const largeContent = Buffer.alloc(FILE_CHUNK_BYTES * 2 + 100, 'xyz');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'isapi-node-file-'));
  small = join(dir, 'small.txt');
  large = join(dir, 'large.bin');
  empty = join(dir, 'empty.txt');
  writeFileSync(small, '0123456789');
  writeFileSync(large, largeContent);
  writeFileSync(empty, '');
  mkdirSync(join(dir, 'folder'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An app answering 200 with the wrapped file; `headers` are the app's own. */
function fileApp(file: string | number, options?: FileWrapperOptions, headers: [string, string][] = [['Content-Type', 'text/plain']]): App {
  return (environ, startResponse) => {
    startResponse(ok, headers);
    return environ['isapi.file_wrapper'](file, options);
  };
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('a file that is the whole body', () => {
  it('goes out in one sendFile with head, range and final, and a Content-Length', async () => {
    const transport = await run(fileApp(small));
    expect(transport.calls).toHaveLength(1);
    const call = transport.calls[0] as SendFileCall;
    expect(call.kind).toBe('sendFile');
    expect(call.head).toEqual({ status: '200 OK', headers: [['Content-Type', 'text/plain'], ['Content-Length', '10']] });
    expect(call.file).toMatchObject({ offset: 0, length: 10 });
    expect(call.final).toBe(true);
    expect(transport.bodyText).toBe('0123456789');
    expectCleanEnd(transport);
  });

  it('sends only the requested range', async () => {
    const transport = await run(fileApp(small, { offset: 2, length: 5 }));
    const call = transport.calls[0] as SendFileCall;
    expect(call.file).toMatchObject({ offset: 2, length: 5 });
    expect(call.head?.headers).toContainEqual(['Content-Length', '5']);
    expect(transport.bodyText).toBe('23456');
  });

  it('cuts a range that runs past the end of the file', async () => {
    const transport = await run(fileApp(small, { offset: 8, length: 100 }));
    expect((transport.calls[0] as SendFileCall).file).toMatchObject({ offset: 8, length: 2 });
  });

  it('keeps a Content-Length the app set and adds none', async () => {
    const transport = await run(fileApp(small, {}, [['Content-Length', '10']]));
    expect(transport.head?.headers).toEqual([['Content-Length', '10']]);
  });

  it('adds no Content-Length when contentLengthHeader is false', async () => {
    const transport = await run(fileApp(small, { contentLengthHeader: false }));
    expect(transport.head?.headers).toEqual([['Content-Type', 'text/plain']]);
    expect(transport.calls[0].kind).toBe('sendFile');
  });

  it('answers 500 when the app announced a different length', async () => {
    const transport = await run(fileApp(small, {}, [['Content-Length', '3']]));
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.traces[0]).toContain('ISAPI_BODY_TOO_LONG');
    expectCleanEnd(transport);
  });

  it('sends an empty file as head and final without sendFile', async () => {
    const transport = await run(fileApp(empty));
    expect(transport.calls).toEqual([
      { kind: 'send', head: { status: '200 OK', headers: [['Content-Type', 'text/plain'], ['Content-Length', '0']] }, chunk: null, final: true },
    ]);
  });

  it('answers HEAD with the head and the file length only', async () => {
    const transport = await run(fileApp(small), { method: 'HEAD' });
    expect(transport.calls).toEqual([
      { kind: 'send', head: { status: '200 OK', headers: [['Content-Type', 'text/plain'], ['Content-Length', '10']] }, chunk: null, final: true },
    ]);
  });

  it('follows bytes already written, without a head of its own', async () => {
    const transport = await run((environ, startResponse) => {
      startResponse(ok, [])('prefix:');
      return environ['isapi.file_wrapper'](small);
    });
    expect(transport.calls.map((call) => [call.kind, call.head !== null, call.final])).toEqual([
      ['send', true, false],
      ['sendFile', false, true],
    ]);
    expect(transport.head?.headers).toEqual([]);
    expect(transport.bodyText).toBe('prefix:0123456789');
    expectCleanEnd(transport);
  });

  it('closes the file it opened once the response is done', async () => {
    const transport = await run(fileApp(small));
    const { fd } = (transport.calls[0] as SendFileCall).file;
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
  });

  it('leaves a descriptor passed by the app open', async () => {
    const fd = openSync(small, 'r');
    try {
      const transport = await run(fileApp(fd));
      expect((transport.calls[0] as SendFileCall).file.fd).toBe(fd);
      expect(transport.bodyText).toBe('0123456789');
      expect(fstatSync(fd).size).toBe(10);
    } finally {
      closeSync(fd);
    }
  });

  it('answers 500 and traces the reason for a missing file', async () => {
    const transport = await run(fileApp(join(dir, 'missing.txt')));
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.traces[0]).toContain('ENOENT');
    expectCleanEnd(transport);
  });

  it('answers 500 for a directory', async () => {
    const transport = await run(fileApp(join(dir, 'folder')));
    expect(transport.head?.status).toBe('500 Internal Server Error');
    expect(transport.traces[0]).toContain('ISAPI_BAD_FILE');
  });

  it('answers 500 for an offset past the end of the file', async () => {
    const transport = await run(fileApp(small, { offset: 11 }));
    expect(transport.traces[0]).toContain('ISAPI_BAD_FILE_RANGE');
  });
});

describe('FileBody as an ordinary body', () => {
  it('iterates the whole file in 64 KiB chunks', async () => {
    const chunks: number[] = [];
    const body = new FileBody(large);
    for await (const chunk of body) chunks.push(chunk.length);
    await body.close();
    expect(chunks).toEqual([FILE_CHUNK_BYTES, FILE_CHUNK_BYTES, 100]);
  });

  it('iterates to the same bytes as the file', async () => {
    const body = new FileBody(large);
    expect((await collect(body)).equals(largeContent)).toBe(true);
    await body.close();
  });

  it('iterates only its range', async () => {
    const body = new FileBody(small, { offset: 3, length: 4 });
    expect((await collect(body)).toString()).toBe('3456');
    await body.close();
  });

  it('goes through the transport as bytes when wrapped by another iterable', async () => {
    const transport = await run((environ, startResponse) => {
      startResponse(ok, []);
      const file = environ['isapi.file_wrapper'](small, { length: 4 });
      // A middleware that passes the chunks on: the handler no longer sees a FileBody.
      return Object.assign(
        (async function* () {
          yield* file;
        })(),
        { close: () => file.close() },
      );
    });
    expect(transport.calls.every((call) => call.kind === 'send')).toBe(true);
    expect(transport.bodyText).toBe('0123');
    expectCleanEnd(transport);
  });

  it('resolves its range with open()', async () => {
    const body = new FileBody(small, { offset: 4 });
    expect(await body.open()).toMatchObject({ offset: 4, length: 6, size: 10 });
    await body.close();
  });

  it('refuses to open after close()', async () => {
    const body = new FileBody(small);
    await body.close();
    await expect(body.open()).rejects.toMatchObject({ code: 'ISAPI_BAD_FILE' });
  });

  it('refuses a bad file argument at once', () => {
    expect(() => new FileBody('')).toThrow(expect.objectContaining({ code: 'ISAPI_BAD_FILE' }));
    expect(() => new FileBody(-1)).toThrow(expect.objectContaining({ code: 'ISAPI_BAD_FILE' }));
  });

  it('refuses a bad range at once', () => {
    expect(() => new FileBody(small, { offset: -1 })).toThrow(expect.objectContaining({ code: 'ISAPI_BAD_FILE_RANGE' }));
    expect(() => new FileBody(small, { length: 1.5 })).toThrow(expect.objectContaining({ code: 'ISAPI_BAD_FILE_RANGE' }));
  });
});

// The dev server's Transport: one request over Node's IncomingMessage / ServerResponse, playing
// what the native extension does under IIS. Each operation resolves once Node handed the bytes to
// the socket (the write callback), which is the same back-pressure as IIS's write completions.
// Framing follows the extension's response_framing.cc: the app's Content-Length if it set one, a
// computed one when the first send is also the last, chunked otherwise (left to Node's http).

import { createReadStream, open, read } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FILE_CHUNK_BYTES } from '../core/file-wrapper.js';
import { ClientGone } from '../core/client-gone.js';
import { ClientGoneError } from '../core/errors.js';
import type { RequestRecord, ResponseHead, Transport } from '../core/transport.js';

export interface NodeTransportOptions {
  serverVariable: (name: string) => string | null;
  trace: (text: string) => void;
  /** True when the server is closing: responses that have not started ask the client to close. */
  closing: () => boolean;
}

/** What the client gets when the app fails before anything was sent. */
const ABORT_BODY = Buffer.from('Internal Server Error\n');

/**
 * File reads for createReadStream whose close() leaves the descriptor open: it belongs to the
 * file wrapper (or to the app), and a stream destroyed half-way would otherwise close it.
 */
const KEEP_FD_OPEN = {
  open,
  read,
  close: (_fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => callback(null),
};

const clientGone = (): Error => new ClientGoneError();

export class NodeTransport implements Transport {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #method: string;
  readonly #options: NodeTransportOptions;
  readonly gone = new ClientGone();
  /** False for HEAD, 204 and 304 (decided with the head): body bytes are dropped, as IIS does. */
  #bodyAllowed = true;
  #ended = false;
  /** Request body bytes taken from the stream but not yet returned by read(). */
  readonly #bodyChunks: Buffer[] = [];
  #bodyListening = false;
  #bodyEnded = false;
  #bodyError: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(req: IncomingMessage, res: ServerResponse, record: RequestRecord, options: NodeTransportOptions) {
    this.#req = req;
    this.#res = res;
    this.#method = record.method;
    this.#options = options;
    // The socket closed before the response finished: the client is gone.
    res.once('close', () => {
      if (!res.writableFinished) this.gone.fire(clientGone());
    });
  }

  async send(head: ResponseHead | null, chunk: Uint8Array | null, final: boolean): Promise<void> {
    if (head) this.#writeHead(head, final ? chunk?.length ?? 0 : null);
    if (chunk && chunk.length > 0 && this.#bodyAllowed) {
      await (final ? this.#end(chunk) : this.#write(chunk));
    } else if (final) {
      await this.#end(null);
    } else if (head) {
      this.#res.flushHeaders();
    }
  }

  async sendFile(head: ResponseHead | null, file: { fd: number; offset: number; length: number }, final: boolean): Promise<void> {
    if (head) this.#writeHead(head, final ? file.length : null);
    if (file.length > 0 && this.#bodyAllowed) {
      const stream = createReadStream('', {
        fd: file.fd,
        fs: KEEP_FD_OPEN,
        start: file.offset,
        end: file.offset + file.length - 1,
        autoClose: false,
        highWaterMark: FILE_CHUNK_BYTES,
      });
      try {
        for await (const piece of stream) await this.#write(piece as Buffer);
      } finally {
        stream.destroy();
      }
    }
    if (final) await this.#end(null);
    else if (head) this.#res.flushHeaders();
  }

  async read(max: number): Promise<Uint8Array | null> {
    this.#listenToBody();
    while (this.#bodyChunks.length === 0 && !this.#bodyEnded && this.#bodyError === null) {
      const woken = new Promise<void>((resolve) => (this.#wake = resolve));
      this.#req.resume();
      await woken;
    }
    const chunk = this.#bodyChunks.shift();
    if (chunk) {
      if (chunk.length <= max) return chunk;
      this.#bodyChunks.unshift(chunk.subarray(max));
      return chunk.subarray(0, max);
    }
    if (this.#bodyError) throw this.#bodyError;
    return null;
  }

  abort(_reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const res = this.#res;
    if (res.headersSent || res.destroyed || this.gone.isGone) {
      // Headers are out: the only honest end is to cut the connection.
      res.destroy();
      return;
    }
    res.writeHead(500, 'Internal Server Error', [
      'Content-Type', 'text/plain; charset=utf-8',
      'Content-Length', String(ABORT_BODY.length),
      'Cache-Control', 'no-store',
      // The rest of the request body may never be read: do not reuse the connection.
      'Connection', 'close',
    ]);
    res.end(this.#method === 'HEAD' ? undefined : ABORT_BODY);
  }

  serverVariable(name: string): string | null {
    // As under IIS, where the ECB is dead once the session is done.
    if (this.#ended && (this.#res.writableFinished || this.#res.destroyed)) return null;
    return this.#options.serverVariable(name);
  }

  trace(text: string): void {
    this.#options.trace(text);
  }

  #writeHead(head: ResponseHead, oneShotLength: number | null): void {
    const code = Number(head.status.slice(0, 3));
    const flat: string[] = [];
    let hasLength = false;
    for (const [name, value] of head.headers) {
      flat.push(name, value);
      hasLength ||= name.toLowerCase() === 'content-length';
    }
    this.#bodyAllowed = this.#method !== 'HEAD' && code >= 200 && code !== 204 && code !== 304;
    if (this.#bodyAllowed && !hasLength && oneShotLength !== null) flat.push('Content-Length', String(oneShotLength));
    if (this.#options.closing()) flat.push('Connection', 'close');
    this.#res.writeHead(code, head.status.slice(4), flat);
  }

  #write(chunk: Uint8Array): Promise<void> {
    return this.#io((done) => this.#res.write(chunk, done));
  }

  #end(chunk: Uint8Array | null): Promise<void> {
    return this.#io((done) => {
      this.#ended = true;
      if (chunk) this.#res.end(chunk, () => done());
      else this.#res.end(() => done());
    });
  }

  /** Runs one write; settles on its callback, or rejects when the response closes first. */
  #io(start: (done: (error?: Error | null) => void) => void): Promise<void> {
    const res = this.#res;
    return new Promise<void>((resolve, reject) => {
      if (this.gone.isGone || res.destroyed) return reject(clientGone());
      let settled = false;
      const settle = (error?: Error | null): void => {
        if (settled) return;
        settled = true;
        res.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onClose = (): void => settle(res.writableFinished ? null : clientGone());
      res.on('close', onClose);
      start(settle);
    });
  }

  /** Takes request body chunks one at a time: the stream is resumed only while read() waits. */
  #listenToBody(): void {
    if (this.#bodyListening) return;
    this.#bodyListening = true;
    const req = this.#req;
    const wake = (): void => {
      const resolve = this.#wake;
      this.#wake = null;
      resolve?.();
    };
    // What happened before anyone listened: the body already read to its end, or the client gone.
    if (req.readableEnded) this.#bodyEnded = true;
    else if (req.destroyed) this.#bodyError = req.errored ?? clientGone();
    // Paused before the 'data' listener, or adding it would start the flow.
    req.pause();
    req.on('data', (chunk: Buffer) => {
      this.#bodyChunks.push(chunk);
      req.pause();
      wake();
    });
    req.on('end', () => {
      this.#bodyEnded = true;
      wake();
    });
    req.on('error', (error: Error) => {
      this.#bodyError ??= error;
      wake();
    });
    req.on('close', () => {
      if (!this.#bodyEnded) this.#bodyError ??= clientGone();
      wake();
    });
  }
}

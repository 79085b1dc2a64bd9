// The out-of-process Transport: one request's operations as frames on the worker's connection
// (docs/protocol.md, "Requests, flow control and ends"). Sends are pushed under the same send
// window as in process, each non-final SEND's credit coming back in a SENT; body bytes are pulled
// with one READ at a time; server variables are answered here, from what the REQUEST carried.

import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { ClientGone } from '../core/client-gone.js';
import { ClientGoneError, IsapiError } from '../core/errors.js';
import { RECORD_VARIABLES, type RecordVariable } from '../core/record-variables.js';
import type { RequestRecord, ResponseHead, Transport } from '../core/transport.js';
import { SEND_WINDOW_BYTES, SendWindow } from '../runtime/send-window.js';
import { headerVariable } from '../serve/server-variables.js';
import { copyDescriptor } from './file-copy.js';
import { FrameType, MAX_CHUNK_BYTES, ProtocolError, traceFrame, type BodyFrame, type Pairs, type RequestFrame, type SentFrame, type WorkerFrame } from './frames.js';

const readAsync = promisify(fsRead);

/** Where a transport's frames go: the connection, which batches them. */
export interface FrameSink {
  send(frame: WorkerFrame): void;
}

/** File reads of one window: two in flight keep the pipe busy while the next is read. */
const FILE_READ_BYTES = SEND_WINDOW_BYTES;

const RECORD_NAMES: ReadonlySet<string> = new Set(RECORD_VARIABLES);
const EMPTY = new Uint8Array(0);

/** The record the core runs on: of the server variables, only the record's own. */
export function recordOf(frame: RequestFrame): RequestRecord {
  const vars: Partial<Record<RecordVariable, string>> = {};
  for (const [name, value] of frame.serverVariables) if (RECORD_NAMES.has(name)) vars[name as RecordVariable] = value;
  return {
    id: frame.id,
    method: frame.method,
    path: frame.path,
    query: frame.query,
    rawUrl: frame.rawUrl,
    headers: frame.headers.flat(),
    vars,
    totalBytes: frame.bodyLength,
    preload: frame.preload,
  };
}

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class WorkerTransport implements Transport {
  readonly record: RequestRecord;
  /** Fired by a GONE frame. */
  readonly gone = new ClientGone();
  readonly #sink: FrameSink;
  readonly #id: number;
  /** The server variables the REQUEST carried; few apps ask for any, so they are searched on demand. */
  readonly #variables: Pairs;
  readonly #window = new SendWindow();
  /** Non-final SENDs waiting for their SENT, oldest first: IIS completes a request's sends in order. */
  readonly #unconfirmed: (Waiting<void> & { bytes: number })[] = [];
  #read: Waiting<Uint8Array | null> | null = null;
  /** A SENT or BODY failed: the SENTs of the sends queued behind it may still come. */
  #failed = false;
  /** GONE came: the extension ignores this id's frames from now on, so none are sent. */
  #forgotten = false;
  /** The core is done with the request: whatever the app still tries fails. */
  #closed = false;

  constructor(sink: FrameSink, frame: RequestFrame) {
    this.#sink = sink;
    this.#id = frame.id;
    this.record = recordOf(frame);
    this.#variables = frame.serverVariables;
  }

  async send(head: ResponseHead | null, chunk: Uint8Array | null, final: boolean): Promise<void> {
    if (!final && this.#window.failure) throw this.#window.failure;
    const bytes = chunk ?? EMPTY;
    // The protocol's chunks are at most 1 MiB; a larger write goes as several, each under the window.
    let at = 0;
    do {
      const piece = bytes.subarray(at, at + MAX_CHUNK_BYTES);
      const first = at === 0;
      at += piece.length;
      await this.#sendPiece(first ? head : null, piece, final && at >= bytes.length);
    } while (at < bytes.length);
  }

  /** The file is read here and sent as SEND chunks: no handle crosses the process boundary. The
   *  descriptor stays open: it belongs to the file wrapper (or the app), which closes it. */
  async sendFile(head: ResponseHead | null, file: { fd: number; offset: number; length: number }, final: boolean): Promise<void> {
    if (file.length === 0) return this.send(head, null, final);
    // Taken before the first await: the app may close its descriptor while the file goes out.
    const copy = copyDescriptor(file.fd);
    try {
      // One buffer for every read: #sendPiece copies it into the frame before the next read.
      const buffer = Buffer.allocUnsafe(Math.min(FILE_READ_BYTES, file.length));
      let position = file.offset;
      let left = file.length;
      let first = true;
      while (left > 0) {
        const { bytesRead } = await readAsync(copy.fd, buffer, 0, Math.min(buffer.length, left), position);
        if (bytesRead === 0) throw new IsapiError('ISAPI_BAD_FILE_RANGE', `descriptor ${file.fd}`, `the file ended ${left} bytes before the end of the range`);
        position += bytesRead;
        left -= bytesRead;
        await this.#sendPiece(first ? head : null, buffer.subarray(0, bytesRead), final && left === 0);
        first = false;
      }
    } finally {
      copy.release();
    }
  }

  async #sendPiece(head: ResponseHead | null, chunk: Uint8Array, final: boolean): Promise<void> {
    if (this.#forgotten || this.#closed) throw new ClientGoneError();
    this.#sink.send({ type: FrameType.send, id: this.#id, head, final, chunk });
    // A final SEND is not answered: the request ends when IIS completes it, failed or not.
    if (final) return;
    const sent = new Promise<void>((resolve, reject) => this.#unconfirmed.push({ resolve, reject, bytes: chunk.length }));
    await this.#window.admit(chunk.length, sent);
  }

  read(max: number): Promise<Uint8Array | null> {
    if (this.#forgotten || this.#closed) return Promise.reject(new ClientGoneError());
    // The core reads one at a time (RequestBody serializes); a second READ would break the protocol.
    if (this.#read) return Promise.reject(new Error(`isapi-node: request ${this.#id} read its body twice at once`));
    const bytes = Math.min(Math.max(Math.floor(max) || 1, 1), MAX_CHUNK_BYTES);
    return new Promise<Uint8Array | null>((resolve, reject) => {
      this.#read = { resolve, reject };
      this.#sink.send({ type: FrameType.read, id: this.#id, max: bytes });
    });
  }

  abort(reason: string): void {
    if (!this.#forgotten && !this.#closed) this.#sink.send({ type: FrameType.abort, id: this.#id, reason });
    this.close();
  }

  serverVariable(name: string): string | null {
    const key = name.toUpperCase();
    // From the end: a name sent twice (also listed in "serverVariables") answers with the later one.
    for (let i = this.#variables.length - 1; i >= 0; i--) if (this.#variables[i][0].toUpperCase() === key) return this.#variables[i][1];
    return headerVariable(this.record.headers, name);
  }

  trace(text: string): void {
    // Once the request is over for the extension it ignores the request's id, but an app's last
    // words (a finally block after the client left, background work) must still be seen.
    this.#sink.send(traceFrame(this.#forgotten || this.#closed ? 0 : this.#id, 'app', text));
  }

  /** The answer to the READ outstanding: bytes, empty at the end of the body, or failed. */
  onBody(frame: BodyFrame): void {
    const read = this.#read;
    if (!read) {
      // An abort() gave up on the READ while its BODY was on the way.
      if (this.#closed) return;
      throw new ProtocolError(`a BODY for request ${this.#id}, which has no READ outstanding`);
    }
    this.#read = null;
    if (frame.failed) {
      this.#failed = true;
      read.reject(new ClientGoneError());
    } else {
      read.resolve(frame.data.length > 0 ? frame.data : null);
    }
  }

  /** The credit of the oldest unconfirmed SEND. */
  onSent(frame: SentFrame): void {
    const oldest = this.#unconfirmed.shift();
    if (!oldest) {
      // Given up already (a failure, an abort): the credits still on their way mean nothing.
      if (this.#failed || this.#closed) return;
      throw new ProtocolError(`a SENT for request ${this.#id}, which has no SEND unconfirmed`);
    }
    if (frame.failed) {
      this.#failed = true;
      oldest.reject(new ClientGoneError());
      // IIS fails what was queued behind it too; the window needs one failure to stop the response.
      this.#rejectAll();
      return;
    }
    if (frame.bytes !== oldest.bytes) {
      throw new ProtocolError(`a SENT of ${frame.bytes} bytes for request ${this.#id}, whose oldest unconfirmed SEND had ${oldest.bytes}`);
    }
    oldest.resolve();
  }

  /** GONE: no frame for this request follows, so nothing outstanding will ever be answered. */
  onGone(): void {
    this.#forgotten = true;
    this.gone.fire();
    this.#rejectAll();
  }

  /** The core finished the request: an app still holding the environ gets failures, not a hang. */
  close(): void {
    this.#closed = true;
    this.#rejectAll();
  }

  #rejectAll(): void {
    const read = this.#read;
    this.#read = null;
    read?.reject(new ClientGoneError());
    for (const waiting of this.#unconfirmed.splice(0)) waiting.reject(new ClientGoneError());
  }
}

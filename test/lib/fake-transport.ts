// A Transport that records every call and checks the native side's rules as it goes: the head on
// the first operation only, one operation outstanding at a time, nothing after the end, exactly one
// end (a resolved final send or one abort). Tests assert `violations` stays empty.

import { readSync } from 'node:fs';
import { ClientGone, type RequestRecord, type ResponseHead, type Transport } from '../../lib/index.js';

export interface SendCall {
  kind: 'send';
  head: ResponseHead | null;
  chunk: Uint8Array | null;
  final: boolean;
}

export interface SendFileCall {
  kind: 'sendFile';
  head: ResponseHead | null;
  file: { fd: number; offset: number; length: number };
  final: boolean;
  /** The file's bytes in the range, read when the call was made (as TRANSMIT_FILE would). */
  content: Uint8Array;
}

export type OutputCall = SendCall | SendFileCall;

export interface FakeTransportOptions {
  /** The request body after the preload, served by read() in `readChunk`-byte pieces. */
  body?: Uint8Array | string;
  readChunk?: number;
  /** Server variables for serverVariable(). */
  variables?: Record<string, string>;
}

const decoder = new TextDecoder();

export class FakeTransport implements Transport {
  readonly calls: OutputCall[] = [];
  /** The `max` of every read() call, in order. */
  readonly reads: number[] = [];
  readonly traces: string[] = [];
  readonly aborts: string[] = [];
  readonly violations: string[] = [];
  readonly gone = new ClientGone();
  readonly #body: Uint8Array;
  readonly #readChunk: number;
  readonly #variables: Record<string, string>;
  #readAt = 0;
  #outstanding = 0;
  #ended = false;
  #gate: Promise<void> | null = null;
  #openGate: (() => void) | null = null;
  #rejectFrom = Infinity;
  #rejectOnAbort = false;
  #pendingRejects: ((error: Error) => void)[] = [];

  constructor(options: FakeTransportOptions = {}) {
    const { body = new Uint8Array(0) } = options;
    this.#body = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    this.#readChunk = options.readChunk ?? 1024;
    this.#variables = options.variables ?? {};
  }

  /** True once a final send resolved or abort() was called. */
  get ended(): boolean {
    return this.#ended;
  }

  get sends(): SendCall[] {
    return this.calls.filter((call): call is SendCall => call.kind === 'send');
  }

  /** The head of the first operation. */
  get head(): ResponseHead | null {
    return this.calls[0]?.head ?? null;
  }

  /** Every body byte sent, file ranges included, as text. */
  get bodyText(): string {
    return this.calls.map((call) => decoder.decode(call.kind === 'send' ? call.chunk ?? new Uint8Array(0) : call.content)).join('');
  }

  /** Output operations wait from now until releaseSends(): a client that does not read. */
  holdSends(): void {
    this.#gate ??= new Promise((resolve) => (this.#openGate = resolve));
  }

  releaseSends(): void {
    this.#openGate?.();
    this.#gate = null;
    this.#openGate = null;
  }

  /** The `n`th output operation (1-based) and all later ones reject, as when the client is gone. */
  rejectSendsFrom(n: number): void {
    this.#rejectFrom = n;
  }

  /** The client goes away: the signal fires and, as the native side does, pending sends reject. */
  disconnect(): void {
    this.#rejectOnAbort = true;
    this.gone.fire();
    for (const reject of this.#pendingRejects.splice(0)) reject(new Error('client gone'));
  }

  #operation(call: OutputCall): Promise<void> {
    if (this.#ended) this.violations.push(`${call.kind} after the request ended`);
    if (this.#outstanding > 0) this.violations.push(`${call.kind} while another operation was outstanding`);
    if (this.calls.length === 0 && call.head === null) this.violations.push('first operation without a head');
    if (this.calls.length > 0 && call.head !== null) this.violations.push('a head on a later operation');
    this.calls.push(call);
    const index = this.calls.length;
    this.#outstanding++;
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.#outstanding--;
        reject(error);
      };
      if (index >= this.#rejectFrom || this.#rejectOnAbort) return fail(new Error('client gone'));
      this.#pendingRejects.push(fail);
      void Promise.resolve(this.#gate).then(() => {
        const at = this.#pendingRejects.indexOf(fail);
        if (at < 0) return;
        this.#pendingRejects.splice(at, 1);
        this.#outstanding--;
        if (call.final) this.#ended = true;
        resolve();
      });
    });
  }

  send(head: ResponseHead | null, chunk: Uint8Array | null, final: boolean): Promise<void> {
    // A copy: the caller may reuse its buffer once the send resolved.
    return this.#operation({ kind: 'send', head, chunk: chunk && chunk.slice(), final });
  }

  sendFile(head: ResponseHead | null, file: { fd: number; offset: number; length: number }, final: boolean): Promise<void> {
    const content = Buffer.alloc(file.length);
    const got = readSync(file.fd, content, 0, file.length, file.offset);
    return this.#operation({ kind: 'sendFile', head, file: { ...file }, final, content: content.subarray(0, got) });
  }

  async read(max: number): Promise<Uint8Array | null> {
    this.reads.push(max);
    if (this.gone.isGone) throw new Error('client gone');
    if (this.#readAt >= this.#body.length) return null;
    const end = Math.min(this.#body.length, this.#readAt + Math.min(max, this.#readChunk));
    const chunk = this.#body.slice(this.#readAt, end);
    this.#readAt = end;
    return chunk;
  }

  abort(reason: string): void {
    if (this.#ended) this.violations.push(`abort(${reason}) after the request ended`);
    if (this.#outstanding > 0) this.violations.push(`abort(${reason}) while an operation was outstanding`);
    this.aborts.push(reason);
    this.#ended = true;
  }

  serverVariable(name: string): string | null {
    return this.#variables[name] ?? null;
  }

  trace(text: string): void {
    this.traces.push(text);
  }
}

/** A request record for a GET of `path` in the root application, with IIS's usual variables. */
export function makeRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 1,
    method: 'GET',
    path: '/',
    query: '',
    rawUrl: overrides.path ?? '/',
    headers: ['Host', 'example.test'],
    vars: {
      APPL_MD_PATH: '/LM/W3SVC/1/ROOT',
      REMOTE_ADDR: '192.0.2.10',
      REMOTE_PORT: '50123',
      SERVER_NAME: 'example.test',
      SERVER_PORT: '80',
      SERVER_PROTOCOL: 'HTTP/1.1',
      HTTPS: 'off',
      LOCAL_ADDR: '192.0.2.1',
    },
    totalBytes: 0,
    preload: new Uint8Array(0),
    ...overrides,
  };
}

// The response on its way to the transport. Everything the app produces (write() calls and body
// chunks) goes through here, so it leaves in the order it was produced, one transport operation at
// a time (IIS allows one outstanding async operation per request). The outbox also attaches the
// head to the first send, holds back the last chunk of a synchronous body so a one-chunk answer is
// one send, and checks the body against the Content-Length the app announced: the native side
// frames the response by that header, and a body longer than it would corrupt the connection.

import { ClientGoneError, IsapiError } from './errors.js';
import type { ResponseStart } from './start-response.js';
import type { ResponseHead, Transport } from './transport.js';

export interface OutboxOptions {
  /** HEAD: the body is produced and counted but never sent. */
  dropBody: boolean;
}

/** A file range for TRANSMIT_FILE. */
export interface FileRange {
  fd: number;
  offset: number;
  length: number;
}

interface Held {
  head: ResponseHead | null;
  chunk: Uint8Array;
}

export class Outbox {
  readonly #transport: Transport;
  readonly #start: ResponseStart;
  readonly #dropBody: boolean;
  /** The transport operations so far, each started after the previous one settled. */
  #chain: Promise<void> = Promise.resolve();
  /** The last chunk of a synchronous body, kept until we know whether it is the final one. */
  #held: Held | null = null;
  /** HEAD: the committed head, sent when the response ends. */
  #headPending: ResponseHead | null = null;
  #touched = false;
  #sent = 0;
  #sendFailed = false;
  #broken: IsapiError | null = null;
  #ended = false;

  constructor(transport: Transport, start: ResponseStart, options: OutboxOptions) {
    this.#transport = transport;
    this.#start = start;
    this.#dropBody = options.dropBody;
  }

  /** True once anything was handed to the transport: from then on only abort() can end the request abnormally. */
  get touched(): boolean {
    return this.#touched;
  }

  /** True when a transport operation rejected (the client is gone). */
  get sendFailed(): boolean {
    return this.#sendFailed;
  }

  /** Takes body bytes. `hold`: keep them until the next bytes or the end (synchronous bodies only). */
  push(chunk: Uint8Array, hold: boolean): void {
    this.#checkOpen();
    if (!this.#start.started) throw new IsapiError('ISAPI_WRITE_BEFORE_START');
    this.#checkLength(chunk.length, false);
    this.#sent += chunk.length;
    const head = this.#start.committed ? null : this.#start.commit();
    if (this.#dropBody) {
      this.#headPending ??= head;
      return;
    }
    this.#releaseHeld();
    if (hold) this.#held = { head, chunk };
    else this.#enqueue(() => this.#transport.send(head, chunk, false));
  }

  /** Resolves once every operation so far has completed; rejects if one failed. */
  drain(): Promise<void> {
    return this.#chain;
  }

  /** Resolves once every operation so far has settled, however it went. */
  settle(): Promise<void> {
    return this.#chain.catch(() => undefined);
  }

  /** Refuses anything further: the response is being ended some other way. */
  seal(): void {
    this.#ended = true;
    this.#held = null;
  }

  /**
   * Ends the response: the held chunk, or `file`, goes out with `final`. `lengthHeader` adds a
   * Content-Length for what was produced when the app set none and the head is still ours to change
   * (always the case for a file that is the whole body, and for HEAD).
   */
  async finish(file: FileRange | null = null, lengthHeader = false): Promise<void> {
    this.#checkOpen();
    if (!this.#start.started) throw new IsapiError('ISAPI_NO_START_RESPONSE');
    const fileBytes = file?.length ?? 0;
    this.#checkLength(fileBytes, true);
    this.#sent += fileBytes;
    this.#ended = true;

    const headOpen = !this.#start.committed || this.#headPending !== null;
    // A HEAD answer whose app produced no body at all (Fetch handlers return none for HEAD) gets no
    // length, as from Node's own server: "0" would contradict the GET.
    const unknownHeadLength = this.#dropBody && this.#sent === 0;
    const extra: [string, string][] =
      lengthHeader && headOpen && this.#start.contentLength === null && !unknownHeadLength ? [['Content-Length', String(this.#sent)]] : [];
    const head = this.#finalHead(extra);

    if (file && fileBytes > 0 && !this.#dropBody) {
      this.#releaseHeld();
      // Never a zero length: TRANSMIT_FILE reads 0 as "the whole file".
      this.#enqueue(() => this.#transport.sendFile(head, { fd: file.fd, offset: file.offset, length: file.length }, true));
    } else if (this.#held) {
      const { head: heldHead, chunk } = this.#held;
      this.#held = null;
      this.#enqueue(() => this.#transport.send(heldHead, chunk, true));
    } else {
      this.#enqueue(() => this.#transport.send(head, null, true));
    }
    await this.#chain;
  }

  /** The head still to send with the last operation, if any: HEAD's pending one, or the uncommitted one. */
  #finalHead(extra: [string, string][]): ResponseHead | null {
    const pending = this.#headPending;
    this.#headPending = null;
    if (pending) return { status: pending.status, headers: [...pending.headers, ...extra] };
    return this.#start.committed ? null : this.#start.commit(extra);
  }

  #checkOpen(): void {
    if (this.#broken) throw this.#broken;
    if (this.#ended) throw new IsapiError('ISAPI_WRITE_AFTER_END');
  }

  /** The body may not outgrow an announced Content-Length, nor end short of it. */
  #checkLength(more: number, ending: boolean): void {
    const declared = this.#dropBody ? null : this.#start.contentLength;
    if (declared === null) return;
    const total = this.#sent + more;
    if (total > declared) throw this.#break(new IsapiError('ISAPI_BODY_TOO_LONG', declared));
    // 304 announces the length of a body it never carries; 204 has none by definition.
    const bodiless = this.#start.statusCode === 304 || this.#start.statusCode === 204;
    if (ending && total < declared && !bodiless) throw this.#break(new IsapiError('ISAPI_BODY_TOO_SHORT', total, declared));
  }

  #break(error: IsapiError): IsapiError {
    this.#broken = error;
    this.#held = null;
    return error;
  }

  #releaseHeld(): void {
    if (!this.#held) return;
    const { head, chunk } = this.#held;
    this.#held = null;
    this.#enqueue(() => this.#transport.send(head, chunk, false));
  }

  #enqueue(operation: () => Promise<void>): void {
    this.#touched = true;
    // After a failure the chain stays rejected, so no later operation starts.
    const next = this.#chain.then(operation);
    next.catch(() => {
      this.#sendFailed = true;
      this.#broken = new ClientGoneError();
    });
    this.#chain = next;
  }
}

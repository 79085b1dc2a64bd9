// PEP 3333's start_response state machine. The status and headers are validated and kept here until
// the first body bytes exist; "committing" them is the moment they count as sent, after which an
// excInfo call can no longer replace them and re-throws the app's error instead.

import type { StartResponse, Write } from '../types.js';
import { IsapiError } from './errors.js';
import { checkHeaders, checkStatus, contentLengthOf } from './headers.js';
import type { ResponseHead } from './transport.js';

export class ResponseStart {
  #status: string | null = null;
  #headers: [string, string][] = [];
  #committed = false;

  /** The callable handed to the app. */
  readonly startResponse: StartResponse;

  constructor(write: Write) {
    this.startResponse = (status: string, headers: [string, string][], excInfo?: unknown): Write => {
      if (excInfo !== undefined && excInfo !== null) {
        // The app is handling an error. Too late to change the response: let its error go on.
        if (this.#committed) throw excInfo;
      } else if (this.#status !== null) {
        throw new IsapiError('ISAPI_START_RESPONSE_TWICE');
      }
      checkStatus(status);
      checkHeaders(headers);
      this.#status = status;
      // A copy: what the app does with its array afterwards changes nothing.
      this.#headers = headers.map(([name, value]): [string, string] => [name, value]);
      return write;
    };
  }

  get started(): boolean {
    return this.#status !== null;
  }

  get committed(): boolean {
    return this.#committed;
  }

  /** The numeric status, 0 before startResponse. */
  get statusCode(): number {
    return this.#status === null ? 0 : Number(this.#status.slice(0, 3));
  }

  /** The Content-Length the app announced, or null. */
  get contentLength(): number | null {
    return contentLengthOf(this.#headers);
  }

  /** Marks the headers as sent and returns them, with `extra` headers appended. */
  commit(extra: [string, string][] = []): ResponseHead {
    if (this.#status === null) throw new IsapiError('ISAPI_WRITE_BEFORE_START');
    this.#committed = true;
    return { status: this.#status, headers: [...this.#headers.map(([n, v]): [string, string] => [n, v]), ...extra] };
  }
}

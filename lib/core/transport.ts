// The seam between the JavaScript core and whatever carries the bytes. The in-process bridge
// (lib/runtime) and the dev server (lib/serve) each implement `Transport`, as the out-of-process
// worker will; everything above it (environ, startResponse, body iteration, validation) is shared. These shapes are fixed by the native side: change them
// only together with it.

import type { ClientGone } from './client-gone.js';
import type { RecordVariable } from './record-variables.js';

/** What the native extension hands over for one request (built from IIS's ECB and server variables). */
export interface RequestRecord {
  id: number;
  /** REQUEST_METHOD. */
  method: string;
  /** IIS URL variable: the decoded, canonical path, e.g. "/app/users/7". */
  path: string;
  /** Raw query string without '?', not decoded. */
  query: string;
  /** UNENCODED_URL: path and query as the client sent them. */
  rawUrl: string;
  /** Flat [name, value, name, value, ...] as received (repeats appear repeatedly). */
  headers: string[];
  /** The server variables of RECORD_VARIABLES that IIS had a value for (absent: none). */
  vars: Partial<Record<RecordVariable, string>>;
  /** Request body length; -1 when unknown (chunked upload); 0 when no body. */
  totalBytes: number;
  /** The first body bytes IIS already read (may be the whole body). */
  preload: Uint8Array;
}

export interface ResponseHead {
  status: string;
  headers: [string, string][];
}

/** What a hosting model (in-process bridge, out-of-process worker) supplies to run one request. */
export interface Transport {
  /** Status+headers (only on the first call; null afterwards), an optional body chunk, `final` ends the response.
   *  Resolves once IIS took the bytes (this is the back-pressure); rejects when the client is gone. */
  send(head: ResponseHead | null, chunk: Uint8Array | null, final: boolean): Promise<void>;
  /** Sends `length` bytes of an open file from `offset` (TRANSMIT_FILE); same head/final rules as send. */
  sendFile(head: ResponseHead | null, file: { fd: number; offset: number; length: number }, final: boolean): Promise<void>;
  /** The next request body bytes after the preload, at most `max`; null at the end of the body. */
  read(max: number): Promise<Uint8Array | null>;
  /** Ends the request abnormally and always ends it: a 500 page if nothing was sent yet, else the connection is cut. */
  abort(reason: string): void;
  /** Any IIS server variable, or null. */
  serverVariable(name: string): string | null;
  /** The trace channel (wsgi.errors, uncaught app errors). */
  trace(text: string): void;
  /** Fires when IIS reports the client gone. */
  readonly gone: ClientGone;
}

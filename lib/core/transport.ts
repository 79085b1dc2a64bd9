// The seam between the JavaScript core and a hosting model. The in-process bridge and the
// out-of-process worker each implement `Transport`; everything above it (environ, startResponse,
// body iteration, validation) is shared. These shapes are fixed by the native side: change them
// only together with it.

import type { ClientGone } from './client-gone.js';

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
  /**
   * Server variables: APPL_MD_PATH ("/LM/W3SVC/1/ROOT" or "/LM/W3SVC/1/ROOT/app", case may vary),
   * REMOTE_ADDR, REMOTE_PORT, REMOTE_USER, AUTH_TYPE, SERVER_NAME, SERVER_PORT, SERVER_PROTOCOL,
   * HTTPS ("on"/"off", any case), CONTENT_TYPE, CONTENT_LENGTH, LOCAL_ADDR, PATH_TRANSLATED,
   * INSTANCE_ID; absent keys mean IIS had no value.
   */
  vars: Record<string, string>;
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

// The app interface: PEP 3333 (WSGI) in TypeScript. An app takes an environ and a startResponse
// callable and returns the body as an iterable of chunks.

import type { FileBody, FileWrapperOptions } from './core/file-wrapper.js';
import type { RequestBody } from './core/input.js';

/** Body bytes; strings are sent as UTF-8. */
export type Chunk = Uint8Array | string;

/** What an app returns: chunks, produced synchronously or asynchronously. */
export type Body = (Iterable<Chunk> | AsyncIterable<Chunk>) & {
  /** Called exactly once when the server is done with the body, whatever happened. */
  close?(): void | Promise<void>;
};

/** PEP 3333's legacy write(): sends body bytes at once, in order with the body's chunks. */
export type Write = (chunk: Chunk) => void;

/**
 * Sets the status ("200 OK") and headers. A second call is allowed only with excInfo (the error being
 * handled): before the headers left it replaces them, afterwards it throws excInfo again.
 */
export type StartResponse = (status: string, headers: [string, string][], excInfo?: unknown) => Write;

export type App = (environ: Environ, startResponse: StartResponse) => Body | Promise<Body>;

/** wsgi.errors: text written here goes to the trace channel. */
export interface ErrorStream {
  write(text: string): void;
  writelines(lines: Iterable<string>): void;
  flush(): void;
}

export type FileWrapper = (file: string | number, options?: FileWrapperOptions) => FileBody;

export interface Environ {
  [key: string]: unknown;
  REQUEST_METHOD: string;
  /** The application's virtual path ("" for the root application), e.g. "/app". */
  SCRIPT_NAME: string;
  /** The decoded request path below SCRIPT_NAME, e.g. "/users/7". */
  PATH_INFO: string;
  /** Undecoded, without '?'. */
  QUERY_STRING: string;
  SERVER_NAME: string;
  SERVER_PORT: string;
  SERVER_PROTOCOL: string;
  'wsgi.version': [1, 0];
  'wsgi.url_scheme': 'http' | 'https';
  'wsgi.input': RequestBody;
  'wsgi.errors': ErrorStream;
  'wsgi.multithread': boolean;
  'wsgi.multiprocess': boolean;
  'wsgi.run_once': boolean;
  /** Any IIS server variable by name, undefined when IIS has none. */
  'isapi.server_variable': (name: string) => string | undefined;
  /** Aborted when the client goes away. */
  'isapi.signal': AbortSignal;
  /** Wraps a file (a path, or a descriptor the app keeps owning) so IIS sends it itself. */
  'isapi.file_wrapper': FileWrapper;
  'isapi.request_id': number;
  /** The request headers as received, flat [name, value, ...] (names with '_' dropped). */
  'isapi.headers': readonly string[];
  /** The request target as received (path and query, not decoded), as mod_wsgi provides it. */
  REQUEST_URI: string;
  CONTENT_TYPE?: string;
  CONTENT_LENGTH?: string;
  REMOTE_ADDR?: string;
  REMOTE_PORT?: string;
  /** The server's address the client connected to (IIS's LOCAL_ADDR). */
  LOCAL_ADDR?: string;
  /** Set by IIS authentication only; a request header can never set it. */
  REMOTE_USER?: string;
  /** Set by IIS authentication only; a request header can never set it. */
  AUTH_TYPE?: string;
  /** "on" for requests that came over TLS; absent otherwise. */
  HTTPS?: string;
}

// Every error the core raises, in one catalogue (the fastify `lib/errors.js` idea): a stable code
// for programs, a message template for people, and the HTTP status the server answers with when the
// error ends a request before its headers left. `%s` placeholders are filled in order.

export interface ErrorSpec {
  readonly message: string;
  readonly status: number;
}

export const ErrorCodes = {
  ISAPI_APP_NOT_FUNCTION: { message: 'The app must be a function (environ, startResponse), got %s', status: 500 },
  ISAPI_BAD_BODY: { message: 'The app must return an iterable or async iterable of chunks, got %s', status: 500 },
  ISAPI_BAD_CHUNK: { message: 'A body chunk must be a string or a Uint8Array, got %s', status: 500 },
  ISAPI_BAD_STATUS: { message: 'Invalid status %s: %s', status: 500 },
  ISAPI_BAD_HEADERS: { message: 'Invalid response headers: %s', status: 500 },
  ISAPI_BAD_HEADER_NAME: { message: 'Invalid header name %s: %s', status: 500 },
  ISAPI_BAD_HEADER_VALUE: { message: 'Invalid value for header %s: %s', status: 500 },
  ISAPI_HOP_BY_HOP_HEADER: { message: 'Header %s is hop-by-hop: the server manages the connection, an app may not set it', status: 500 },
  ISAPI_BAD_CONTENT_LENGTH: { message: 'Invalid Content-Length %s: %s', status: 500 },
  ISAPI_START_RESPONSE_TWICE: { message: 'startResponse was called a second time without excInfo', status: 500 },
  ISAPI_WRITE_BEFORE_START: { message: 'The app produced body bytes before it called startResponse', status: 500 },
  ISAPI_NO_START_RESPONSE: { message: 'The app finished without calling startResponse', status: 500 },
  ISAPI_WRITE_AFTER_END: { message: 'write() was called after the response had ended', status: 500 },
  ISAPI_BODY_TOO_LONG: { message: 'The body is longer than the %s bytes its Content-Length announced', status: 500 },
  ISAPI_BODY_TOO_SHORT: { message: 'The body ended after %s of the %s bytes its Content-Length announced', status: 500 },
  ISAPI_BAD_FILE: { message: 'Cannot send %s as a file: %s', status: 500 },
  ISAPI_BAD_FILE_RANGE: { message: 'Invalid file range for %s: %s', status: 500 },
  ISAPI_CLIENT_GONE: { message: 'The client disconnected', status: 500 },
  ISAPI_REQUEST_BODY_TOO_LARGE: {
    message: 'The request body is larger than the %s bytes this application accepts ("maxRequestBodyBytes"): nothing past them is read; raise the limit if such bodies are expected',
    status: 413,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

export class IsapiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, ...args: unknown[]) {
    const spec: ErrorSpec = ErrorCodes[code];
    let next = 0;
    super(spec.message.replace(/%s/g, () => String(args[next++])));
    this.name = 'IsapiError';
    this.code = code;
    this.status = spec.status;
  }
}

/** The client went away: IIS failed a read or a write, or reported the connection closed. The one
 *  error for that, whoever notices it (the core, a transport, the bridge's completions). */
export class ClientGoneError extends IsapiError {
  constructor() {
    super('ISAPI_CLIENT_GONE');
    this.name = 'ClientGoneError';
  }
}

export function isIsapiError(value: unknown, code?: ErrorCode): value is IsapiError {
  return value instanceof IsapiError && (code === undefined || value.code === code);
}

/** A short description of a value for error messages: its type, never its whole content. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' || typeof value === 'function') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const kind = typeof value === 'function' ? 'a function' : 'an object';
    return typeof name === 'string' && name !== '' && name !== 'Object' && name !== 'Function' ? `${kind} (${name})` : kind;
  }
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `${typeof value} ${String(value)}`;
}

// The validator's own catalogue, kept apart from lib/core/errors.ts so the two can change on their
// own. Each rule has a stable code, who is at fault (the app, or the server / a middleware between
// server and app), the rule in words, a message template (`%s` filled in order) and the fix. The
// full message reads "<what happened>. Rule: <rule> (<who> broke it). Fix: <fix>." on one line, so a
// trace record holds all of it.

export interface ValidationSpec {
  readonly by: 'app' | 'server';
  readonly rule: string;
  readonly message: string;
  readonly fix: string;
}

export const ValidationCodes = {
  ISAPI_VALIDATE_APP_TYPE: {
    by: 'app',
    rule: 'an app is a function (environ, startResponse)',
    message: 'validate() got %s',
    fix: 'pass the app function itself (for a module, its export, e.g. validate(module.default))',
  },
  // Rules 1 and 2: the environ, checked on the way in.
  ISAPI_VALIDATE_ENVIRON_TYPE: {
    by: 'server',
    rule: 'the environ is a plain object',
    message: 'The environ is %s',
    fix: 'pass a plain object holding the CGI and wsgi.* keys, as buildEnviron() makes it',
  },
  ISAPI_VALIDATE_ENVIRON_MISSING_KEY: {
    by: 'server',
    rule: 'the environ carries every key PEP 3333 requires',
    message: 'The environ lacks the key %s',
    fix: 'set it for every request, as buildEnviron() does; a middleware must not delete it',
  },
  ISAPI_VALIDATE_ENVIRON_VALUE: {
    by: 'server',
    rule: 'environ values have the types and forms PEP 3333 gives them',
    message: 'environ[%s] is %s: %s',
    fix: 'set it as buildEnviron() does; a middleware that rewrites the environ must keep these forms',
  },
  ISAPI_VALIDATE_ENVIRON_FORBIDDEN_KEY: {
    by: 'server',
    rule: 'the request Content-Type and Content-Length are CONTENT_TYPE and CONTENT_LENGTH, never HTTP_* keys',
    message: 'The environ has the key %s',
    fix: 'put the value under %s and delete the HTTP_ key',
  },
  // Rules 3 to 7: startResponse.
  ISAPI_VALIDATE_STATUS: {
    by: 'app',
    rule: 'the status is a string of three digits, one space and a reason phrase',
    message: 'startResponse got a bad status: %s',
    fix: 'pass a status such as "200 OK" or "404 Not Found"',
  },
  ISAPI_VALIDATE_HEADERS_TYPE: {
    by: 'app',
    rule: 'headers are an array of [name, value] pairs of strings',
    message: 'startResponse got headers %s',
    fix: "pass an array such as [['Content-Type', 'text/plain']]",
  },
  ISAPI_VALIDATE_HEADER_NAME: {
    by: 'app',
    rule: 'header names are RFC 9110 tokens',
    message: 'startResponse got a bad header name: %s',
    fix: "use a name such as 'X-Request-Id': letters, digits and !#$%&'*+-.^_`|~ only",
  },
  ISAPI_VALIDATE_HEADER_VALUE: {
    by: 'app',
    rule: 'header values hold no CR, LF, NUL, control or non-Latin-1 characters',
    message: 'startResponse got a bad header value: %s',
    fix: 'remove the line breaks; encode other text (e.g. with encodeURIComponent) before putting it in a header',
  },
  ISAPI_VALIDATE_HOP_BY_HOP_HEADER: {
    by: 'app',
    rule: 'an app sets no hop-by-hop header (Connection, Keep-Alive, Transfer-Encoding, Upgrade, TE, Trailer, Proxy-*)',
    message: 'startResponse got a hop-by-hop header: %s',
    fix: 'leave it out: IIS manages the connection and the transfer encoding',
  },
  ISAPI_VALIDATE_CONTENT_LENGTH_HEADER: {
    by: 'app',
    rule: 'Content-Length appears at most once, as a decimal number of bytes',
    message: 'startResponse got a bad Content-Length: %s',
    fix: "send one ['Content-Length', String(byteCount)] header, or none",
  },
  ISAPI_VALIDATE_START_RESPONSE_TWICE: {
    by: 'app',
    rule: 'startResponse is called once; again only with excInfo, while handling an error',
    message: 'startResponse was called a second time without excInfo (the status already set is %s)',
    fix: 'call it once; to replace the response after catching an error, pass that error as the third argument',
  },
  ISAPI_VALIDATE_EXC_INFO: {
    by: 'app',
    rule: 'excInfo is the error being handled',
    message: 'startResponse got excInfo %s',
    fix: 'pass the caught Error, or leave the third argument out',
  },
  // Rules 8 to 10, 14 and 15: body bytes from write() and from the returned body.
  ISAPI_VALIDATE_BODY_BEFORE_START: {
    by: 'app',
    rule: 'startResponse comes before the first body bytes',
    message: '%s produced %s before startResponse was called',
    fix: 'call startResponse(status, headers) first; in a generator body, before the first non-empty yield',
  },
  ISAPI_VALIDATE_WRITE_AFTER_END: {
    by: 'app',
    rule: 'write() is used only while the response is open',
    message: 'write() was called after %s',
    fix: 'write everything before the body ends; do not keep write() for later (timers, close())',
  },
  ISAPI_VALIDATE_CHUNK_TYPE: {
    by: 'app',
    rule: 'body chunks are Uint8Arrays (Buffers) or strings',
    message: '%s gave a chunk that is %s',
    fix: 'convert it first: String(value) or JSON.stringify(value) for text, Buffer.from(...) for bytes',
  },
  ISAPI_VALIDATE_BARE_BODY: {
    by: 'app',
    rule: 'the body is an iterable of chunks, not one chunk',
    message: 'The app returned %s as the whole body',
    fix: 'return [body]: a string or Uint8Array would be iterated one character or one byte at a time',
  },
  ISAPI_VALIDATE_BODY_TYPE: {
    by: 'app',
    rule: 'the app returns an iterable or async iterable of chunks, or a promise of one',
    message: 'The app returned %s',
    fix: 'return an array of chunks, a generator, an async generator or a stream',
  },
  ISAPI_VALIDATE_NO_START_RESPONSE: {
    by: 'app',
    rule: 'the app calls startResponse before its body ends',
    message: '%s, and startResponse was never called',
    fix: 'call startResponse(status, headers) before returning the body, or at the latest before its first chunk',
  },
  ISAPI_VALIDATE_BODY_LENGTH: {
    by: 'app',
    rule: 'the body has exactly the number of bytes its Content-Length declares',
    message: 'Content-Length is %s but the body %s',
    fix: 'declare the byte length (Buffer.byteLength(text) for strings, not text.length), or leave Content-Length out',
  },
  // Rule 11: close(), a server-side rule.
  ISAPI_VALIDATE_CLOSE_NOT_CALLED: {
    by: 'server',
    rule: "the server calls the body's close() exactly once",
    message: "The body was consumed but its close() was never called",
    fix: 'call close() once the body is done with, whatever happened; a middleware that wraps the body must forward close()',
  },
  ISAPI_VALIDATE_CLOSE_TWICE: {
    by: 'server',
    rule: "the server calls the body's close() exactly once",
    message: "The body's close() was called a second time",
    fix: 'call close() once; a middleware must not close a body its server will close too',
  },
  ISAPI_VALIDATE_ITERATE_AFTER_CLOSE: {
    by: 'server',
    rule: 'a closed body is not read any more',
    message: 'The body was iterated after its close() was called',
    fix: 'finish the iteration before calling close()',
  },
  // Rules 12 and 13: wsgi.input and wsgi.errors.
  ISAPI_VALIDATE_READ_SIZE: {
    by: 'app',
    rule: 'wsgi.input.read(size) takes no size, or a non-negative integer',
    message: 'wsgi.input.read() got the size %s',
    fix: 'pass a whole number of bytes (0 or more), or nothing to read the rest',
  },
  ISAPI_VALIDATE_READ_AFTER_END: {
    by: 'server',
    rule: 'once wsgi.input has reported its end, reading it returns nothing more',
    message: 'wsgi.input %s gave %s after it had reported the end of the body',
    fix: 'keep returning an empty Uint8Array (read) or ending at once (iteration) after the end',
  },
  ISAPI_VALIDATE_INPUT_RESULT: {
    by: 'server',
    rule: 'wsgi.input gives Uint8Arrays, read(size) at most size bytes',
    message: 'wsgi.input %s gave %s',
    fix: 'return the request bytes as Uint8Arrays, cut to the size asked for',
  },
  ISAPI_VALIDATE_INPUT_CONCURRENT: {
    by: 'app',
    rule: 'wsgi.input is iterated by one loop at a time',
    message: 'wsgi.input was iterated while another iteration of it was still going',
    fix: 'read the body in one loop (a second loop once the first ended or broke out is fine), or read it once with bytes()',
  },
  ISAPI_VALIDATE_ERRORS_WRITE: {
    by: 'app',
    rule: 'wsgi.errors takes strings',
    message: 'wsgi.errors.%s got %s',
    fix: 'pass text: String(value), or util.inspect(value) for an object',
  },
} as const satisfies Record<string, ValidationSpec>;

export type ValidationCode = keyof typeof ValidationCodes;

/** Fills `%s` placeholders in order; placeholders left over take the remaining arguments. */
function fill(template: string, args: unknown[], from: number): [string, number] {
  let next = from;
  return [template.replace(/%s/g, () => String(args[next++])), next];
}

export class ValidationError extends Error {
  readonly code: ValidationCode;
  readonly by: 'app' | 'server';
  readonly rule: string;

  /** `args` fill the message placeholders first, then the fix's. */
  constructor(code: ValidationCode, args: unknown[] = [], options?: { cause?: unknown }) {
    const spec: ValidationSpec = ValidationCodes[code];
    const [what, used] = fill(spec.message, args, 0);
    const [fix] = fill(spec.fix, args, used);
    super(`${what}. Rule: ${spec.rule} (the ${spec.by} broke it). Fix: ${fix}.`, options);
    this.code = code;
    this.by = spec.by;
    this.rule = spec.rule;
    // Node's own convention: the stack (what runApp puts on the trace channel) starts with
    // "ValidationError [CODE]: ...", while `name` stays plain.
    this.name = `ValidationError [${code}]`;
    void this.stack;
    this.name = 'ValidationError';
  }
}

export function isValidationError(value: unknown, code?: ValidationCode): value is ValidationError {
  return value instanceof ValidationError && (code === undefined || value.code === code);
}

/** "1 byte", "2 bytes": counts in messages. */
export function byteCount(bytes: number): string {
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}

/** The error's first stack line, for a trace record of its own. */
export function headline(error: ValidationError): string {
  return `ValidationError [${error.code}]: ${error.message}`;
}

// validate(app): CPython's wsgiref.validate for isapi-node. The returned app checks both sides of
// the interface and otherwise does exactly what `app` does: it checks the environ on the way in,
// puts checking wrappers around wsgi.input, wsgi.errors, startResponse and write, and hands the
// server a checking wrapper of the body. Put it right around the app (validate(app)), or around a
// middleware stack to also catch what the middleware does to the environ and the body.
//
// The environ is changed in place, as wsgiref's validator does: the app sees the server's own
// environ object, with wsgi.input and wsgi.errors replaced by the wrappers.
//
// "The server never called close()" (rule 11) can only be decided once the request is over, and
// the validator sees no end of request of its own. It borrows one: runApp flushes the environ's
// wsgi.errors in its finally block, after it closed the body, and it holds the server's stream
// object while the app only ever sees our wrapper. So a call to the server stream's flush() is the
// server saying "this request is over". The validator wraps that one method on that one object for
// that one call (then puts it back); when the body was consumed but not closed by then, it writes
// the ValidationError to the stream, which ends up on the trace channel. A server that never
// flushes wsgi.errors at the end gets no such report; close() twice is reported either way.

import { describeValue } from '../core/errors.js';
import type { App, Environ, ErrorStream } from '../types.js';
import { checkBody } from './body.js';
import { checkEnviron } from './environ.js';
import { ValidationError, headline } from './errors.js';
import { newExchange, type Exchange } from './exchange.js';
import { checkedStartResponse } from './response.js';
import { CheckedErrors, CheckedInput } from './streams.js';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Rule 11 (first half), at the server's end of request. */
export function checkClosed(exchange: Exchange): void {
  if (exchange.consumed && exchange.closes === 0) throw new ValidationError('ISAPI_VALIDATE_CLOSE_NOT_CALLED');
}

/**
 * Wraps the server stream's flush() for its next call (see the header) and returns the original,
 * bound, for the app's own flushes. A stream whose flush cannot be replaced is left alone.
 */
function watchServerEnd(errors: ErrorStream, exchange: Exchange): () => void {
  const original = errors.flush;
  const flush = (): void => original.call(errors);
  const own = Object.prototype.hasOwnProperty.call(errors, 'flush');
  const atEnd = (): void => {
    if (own) errors.flush = original;
    else delete (errors as Partial<ErrorStream>).flush;
    // The app's pending text first, so the report is a record of its own.
    flush();
    try {
      checkClosed(exchange);
    } catch (error) {
      errors.write(`isapi-node validate: ${headline(error as ValidationError)}\n`);
      flush();
    }
  };
  try {
    errors.flush = atEnd;
  } catch {
    // A frozen stream: no end-of-request check.
  }
  return flush;
}

export function validate(app: App): App {
  if (typeof app !== 'function') throw new ValidationError('ISAPI_VALIDATE_APP_TYPE', [describeValue(app)]);
  return (environ: Environ, startResponse) => {
    checkEnviron(environ);
    const exchange = newExchange(environ.REQUEST_METHOD);
    const errors = environ['wsgi.errors'];
    const flush = watchServerEnd(errors, exchange);
    environ['wsgi.input'] = new CheckedInput(environ['wsgi.input']) as unknown as Environ['wsgi.input'];
    environ['wsgi.errors'] = new CheckedErrors(errors, flush);
    const answer = app(environ, checkedStartResponse(startResponse, exchange));
    // A promise stays a promise, a body a body: what the server gets has the shape the app gave.
    if (isThenable(answer)) return Promise.resolve(answer).then((body) => checkBody(body, exchange, 'a promise of '));
    return checkBody(answer, exchange);
  };
}

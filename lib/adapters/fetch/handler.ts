// fromFetch: a WinterCG / Fetch handler ((Request) => Response: Hono's app.fetch, itty-router, ...)
// as an App. Three ways to fail, kept apart: a request that cannot be made into a Request (400,
// answered here), a handler that throws or rejects (thrown on: runApp answers 500), and a body
// that fails after the headers left (the iteration throws: runApp cuts the connection).
import { describeValue } from '../../core/errors.js';
import type { App, Body, Environ, StartResponse } from '../../types.js';
import { toRequest } from './request.js';
import { responseBody, responseHeaders, statusLine } from './response.js';

/**
 * The handler gets the environ as its second argument, the "env" of the Fetch-handler convention
 * (Hono's c.env): REMOTE_ADDR for the client's address, SCRIPT_NAME/PATH_INFO for the mount
 * (the Request's URL is the full public URL, application path included).
 */
export type FetchHandler = (request: Request, environ: Environ) => Response | Promise<Response>;

function badRequest(environ: Environ, startResponse: StartResponse, error: unknown): Body {
  environ['wsgi.errors'].write(`isapi-node fromFetch: the request cannot be made into a Request: ${error instanceof Error ? error.message : String(error)}\n`);
  startResponse('400 Bad Request', [['Content-Type', 'text/plain; charset=utf-8']]);
  return ['Bad Request'];
}

/** By shape, not instanceof: a handler may bring its own Fetch classes (a polyfill, another realm). */
const isResponse = (value: unknown): value is Response =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Response).status === 'number' &&
  typeof (value as Response).headers?.forEach === 'function' &&
  'body' in value;

export function fromFetch(handler: FetchHandler): App {
  return async (environ, startResponse) => {
    let request: Request;
    try {
      request = toRequest(environ);
    } catch (error) {
      return badRequest(environ, startResponse, error);
    }
    const response: unknown = await handler(request, environ);
    if (!isResponse(response)) throw new TypeError(`The fetch handler must return a Response, got ${describeValue(response)}`);
    const body = await responseBody(response.body);
    startResponse(statusLine(response), responseHeaders(response.headers));
    return body;
  };
}

// The environ of one request: CGI keys under their CGI names, the wsgi.* keys, and isapi.* extras,
// built from the request record the native side hands over. What the environ says about identity
// (REMOTE_USER, AUTH_TYPE) and about the request's own headers must never be forgeable by a client,
// hence the rules below.

import type { Environ } from '../types.js';
import type { ClientGone } from './client-gone.js';
import { FileBody, type FileWrapperOptions } from './file-wrapper.js';
import { RequestBody } from './input.js';
import { TraceStream } from './trace-stream.js';
import type { RequestRecord, Transport } from './transport.js';

export interface EnvironOptions {
  /** wsgi.multithread: requests of this app may run concurrently (several JS workers, or async). */
  multithread: boolean;
  /** wsgi.multiprocess: several processes serve this app. */
  multiprocess: boolean;
  /** Request body bytes wsgi.input gives the app before it fails with ISAPI_REQUEST_BODY_TOO_LARGE
   *  (the configuration's "maxRequestBodyBytes"); 0: no limit. Default DEFAULT_MAX_REQUEST_BODY_BYTES. */
  maxRequestBodyBytes?: number;
}

/** The metabase prefix of every application path: "/LM/W3SVC/<site>/ROOT", any case. */
const METABASE_ROOT = /^\/LM\/W3SVC\/\d+\/ROOT(?=\/|$)/i;

/** The application's virtual path from APPL_MD_PATH: "" for the root application, else e.g. "/app". */
export function scriptNameOf(applMdPath: string | undefined): string {
  if (applMdPath === undefined || !METABASE_ROOT.test(applMdPath)) return '';
  return applMdPath.replace(METABASE_ROOT, '').replace(/\/+$/, '');
}

/**
 * SCRIPT_NAME and PATH_INFO for a request path. IIS matches paths case-insensitively, so "/APP/x"
 * belongs to the application "/app"; a path outside the application (which IIS should never route
 * here) is reported whole in PATH_INFO rather than cut at the wrong place.
 */
export function splitPath(scriptName: string, path: string): { scriptName: string; pathInfo: string } {
  const prefix = path.slice(0, scriptName.length);
  const next = path.charAt(scriptName.length);
  if (prefix.toLowerCase() === scriptName.toLowerCase() && (next === '' || next === '/')) {
    return { scriptName, pathInfo: path.slice(scriptName.length) };
  }
  return { scriptName: '', pathInfo: path };
}

/**
 * The headers as received, flat [name, value, ...] with the names' own case, for adapters that
 * rebuild a Node IncomingMessage (its rawHeaders and joining rules). Names with '_' are dropped
 * here too, so no view of the request holds what the HTTP_* keys refused.
 */
export function rawHeaders(headers: readonly string[]): readonly string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) if (!headers[i].includes('_')) kept.push(headers[i], headers[i + 1]);
  return Object.freeze(kept);
}

/**
 * HTTP_* keys from the headers as received. A name with '_' is dropped: HTTP_X_USER could otherwise
 * come from "X_User" while the app believes a proxy set "X-User". Repeats are joined as HTTP/1.1
 * allows (", "), except Cookie, whose pairs are separated by "; ". Content-Type and Content-Length
 * are CGI's own CONTENT_* keys and get no HTTP_ key.
 */
export function httpKeys(headers: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i];
    if (name.includes('_')) continue;
    const upper = name.toUpperCase();
    if (upper === 'CONTENT-TYPE' || upper === 'CONTENT-LENGTH') continue;
    const key = `HTTP_${upper.replace(/-/g, '_')}`;
    const value = headers[i + 1];
    const previous = keys[key];
    keys[key] = previous === undefined ? value : `${previous}${upper === 'COOKIE' ? '; ' : ', '}${value}`;
  }
  return keys;
}

function headerValue(headers: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i].toLowerCase() === lowerName) return headers[i + 1];
  }
  return undefined;
}

/** The ClientGone behind each environ buildEnviron made. An adapter that must hear of the client
 *  leaving (fromNodeListener, on every request) listens there: `isapi.signal` would make an
 *  AbortController, several µs, for news that rarely comes. */
const goneOfEnviron = new WeakMap<Environ, ClientGone>();

/** The ClientGone of an environ buildEnviron made; undefined for any other object (a copy an app made). */
export function clientGoneOf(environ: Environ): ClientGone | undefined {
  return goneOfEnviron.get(environ);
}

/** An own, enumerable property, as any other environ key, read through the environ it is on. */
const SIGNAL_PROPERTY: PropertyDescriptor = {
  get(this: Environ) {
    return goneOfEnviron.get(this)?.signal;
  },
  enumerable: true,
  configurable: true,
};

/** Copies a server variable into the environ only when IIS had a non-empty value. */
function setIfPresent(environ: Environ, key: string, value: string | undefined): void {
  if (value !== undefined && value !== '') environ[key] = value;
}

export function buildEnviron(record: RequestRecord, transport: Transport, options: EnvironOptions): Environ {
  const { vars } = record;
  const { scriptName, pathInfo } = splitPath(scriptNameOf(vars.APPL_MD_PATH), record.path);
  const https = (vars.HTTPS ?? '').toLowerCase() === 'on';

  // One literal with the same keys in the same order every time, so V8 gives every environ the same
  // shape; the optional and header-derived keys follow. No HTTP_* key can shadow a CGI key: they
  // all start with "HTTP_", which no CGI or wsgi key does.
  const literal: Omit<Environ, 'isapi.signal'> = {
    REQUEST_METHOD: record.method,
    SCRIPT_NAME: scriptName,
    PATH_INFO: pathInfo,
    QUERY_STRING: record.query,
    // As mod_wsgi does: the request target as the client sent it, for apps that route on it.
    REQUEST_URI: record.rawUrl,
    SERVER_NAME: vars.SERVER_NAME ?? '',
    SERVER_PORT: vars.SERVER_PORT ?? '',
    SERVER_PROTOCOL: vars.SERVER_PROTOCOL ?? '',
    'wsgi.version': [1, 0],
    'wsgi.url_scheme': https ? 'https' : 'http',
    'wsgi.input': new RequestBody(record.preload, transport, record.totalBytes, options.maxRequestBodyBytes),
    'wsgi.errors': new TraceStream((text) => transport.trace(text)),
    'wsgi.multithread': options.multithread,
    'wsgi.multiprocess': options.multiprocess,
    'wsgi.run_once': false,
    'isapi.server_variable': (name: string) => transport.serverVariable(name) ?? undefined,
    'isapi.file_wrapper': (file: string | number, wrapperOptions?: FileWrapperOptions) => new FileBody(file, wrapperOptions),
    'isapi.request_id': record.id,
    'isapi.headers': rawHeaders(record.headers),
  };
  // isapi.signal is made on first use. Its getter is one function for every environ: a getter
  // written in the literal is a new closure each time, which gives every environ a shape of its
  // own (V8 then keeps it as a slow dictionary, and defining it was a twentieth of the worker's time).
  const environ = Object.defineProperty(literal, 'isapi.signal', SIGNAL_PROPERTY) as Environ;
  goneOfEnviron.set(environ, transport.gone);

  setIfPresent(environ, 'CONTENT_TYPE', vars.CONTENT_TYPE ?? headerValue(record.headers, 'content-type'));
  // The length IIS reports, and only for a body announced by Content-Length (not a chunked upload).
  if (record.totalBytes >= 0 && headerValue(record.headers, 'content-length') !== undefined) {
    environ.CONTENT_LENGTH = String(record.totalBytes);
  }
  setIfPresent(environ, 'REMOTE_ADDR', vars.REMOTE_ADDR);
  setIfPresent(environ, 'REMOTE_PORT', vars.REMOTE_PORT);
  setIfPresent(environ, 'LOCAL_ADDR', vars.LOCAL_ADDR);
  // Identity comes from IIS authentication only, never from a request header.
  setIfPresent(environ, 'REMOTE_USER', vars.REMOTE_USER);
  setIfPresent(environ, 'AUTH_TYPE', vars.AUTH_TYPE);
  // CGI convention: HTTPS is "on" for TLS requests and absent otherwise (IIS's "off" would be truthy).
  if (https) environ.HTTPS = 'on';
  const http = httpKeys(record.headers);
  for (const key in http) environ[key] = http[key];
  return environ;
}

// Rules 1 and 2: the environ as the server (or a middleware in front of the validator) hands it
// over. These are server-side rules, checked before the app runs, so a broken environ is reported
// as such instead of as a puzzling failure somewhere in the app.

import { describeValue } from '../core/errors.js';
import { ValidationError } from './errors.js';

/** The CGI keys PEP 3333 requires (HTTP_* and the optional CONTENT_* may be absent). */
const REQUIRED_CGI = ['REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL'];
const REQUIRED_WSGI = ['wsgi.version', 'wsgi.url_scheme', 'wsgi.input', 'wsgi.errors', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once'];
const BOOLEANS = ['wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once'];
/** Request headers that CGI files under their own names. */
const FORBIDDEN: Record<string, string> = { HTTP_CONTENT_TYPE: 'CONTENT_TYPE', HTTP_CONTENT_LENGTH: 'CONTENT_LENGTH' };

function valueError(key: string, value: unknown, why: string): ValidationError {
  return new ValidationError('ISAPI_VALIDATE_ENVIRON_VALUE', [JSON.stringify(key), describeValue(value), why]);
}

/**
 * Rule 1: an object literal (or Object.create(null)). The prototype test accepts another realm's
 * Object.prototype too, which `instanceof Object` would not.
 */
export function checkEnvironType(environ: unknown): asserts environ is Record<string, unknown> {
  const prototype: unknown = typeof environ === 'object' && environ !== null ? Object.getPrototypeOf(environ) : undefined;
  const plain = prototype === null || (prototype !== undefined && Object.getPrototypeOf(prototype) === null);
  if (!plain || Array.isArray(environ)) throw new ValidationError('ISAPI_VALIDATE_ENVIRON_TYPE', [describeValue(environ)]);
}

/** Rule 1: every required key is present (an undefined value counts as missing). */
export function checkRequiredKeys(environ: Record<string, unknown>): void {
  for (const key of [...REQUIRED_CGI, ...REQUIRED_WSGI]) {
    if (environ[key] === undefined) throw new ValidationError('ISAPI_VALIDATE_ENVIRON_MISSING_KEY', [JSON.stringify(key)]);
  }
}

/** Rule 2: no HTTP_CONTENT_TYPE / HTTP_CONTENT_LENGTH. */
export function checkForbiddenKeys(environ: Record<string, unknown>): void {
  for (const [key, instead] of Object.entries(FORBIDDEN)) {
    if (key in environ) throw new ValidationError('ISAPI_VALIDATE_ENVIRON_FORBIDDEN_KEY', [key, instead]);
  }
}

/** Rule 2: keys without a dot are CGI variables or HTTP_* headers, and those are strings (wsgiref's rule). */
export function checkCgiStrings(environ: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(environ)) {
    if (!key.includes('.') && typeof value !== 'string') throw valueError(key, value, 'CGI and HTTP_* values must be strings');
  }
}

/** Rule 2: wsgi.version, wsgi.url_scheme and the three flags. */
export function checkWsgiValues(environ: Record<string, unknown>): void {
  const version = environ['wsgi.version'];
  if (!Array.isArray(version) || version.length !== 2 || version[0] !== 1 || version[1] !== 0) {
    throw valueError('wsgi.version', version, 'it must be the array [1, 0]');
  }
  const scheme = environ['wsgi.url_scheme'];
  if (scheme !== 'http' && scheme !== 'https') throw valueError('wsgi.url_scheme', scheme, "it must be 'http' or 'https'");
  for (const key of BOOLEANS) {
    if (typeof environ[key] !== 'boolean') throw valueError(key, environ[key], 'it must be true or false');
  }
}

function hasMethods(value: unknown, names: (string | symbol)[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return names.every((name) => typeof (value as Record<string | symbol, unknown>)[name] === 'function');
}

/** Rule 2: the streams have the methods the app will call, so the wrappers can delegate to them. */
export function checkStreams(environ: Record<string, unknown>): void {
  const input = environ['wsgi.input'];
  if (!hasMethods(input, ['read', Symbol.asyncIterator])) {
    throw valueError('wsgi.input', input, 'it must have read(size) and be async iterable, as RequestBody is');
  }
  const errors = environ['wsgi.errors'];
  if (!hasMethods(errors, ['write', 'writelines', 'flush'])) {
    throw valueError('wsgi.errors', errors, 'it must have write(), writelines() and flush()');
  }
}

/** Rule 2: the path keys, and CONTENT_LENGTH when present. Runs after checkCgiStrings. */
export function checkPathsAndLength(environ: Record<string, unknown>): void {
  const scriptName = environ.SCRIPT_NAME as string;
  if (scriptName !== '' && !scriptName.startsWith('/')) throw valueError('SCRIPT_NAME', scriptName, "it must be '' or start with '/'");
  // PEP 3333: the root application's SCRIPT_NAME is empty; "/" would double the slash of PATH_INFO.
  if (scriptName === '/') throw valueError('SCRIPT_NAME', scriptName, "the root application's SCRIPT_NAME is '', not '/'");
  const pathInfo = environ.PATH_INFO as string;
  if (pathInfo !== '' && !pathInfo.startsWith('/')) throw valueError('PATH_INFO', pathInfo, "it must be '' or start with '/'");
  const length = environ.CONTENT_LENGTH;
  if (length !== undefined && !/^\d+$/.test(length as string)) {
    throw valueError('CONTENT_LENGTH', length, 'when present it must be a decimal number of bytes');
  }
}

/** Rules 1 and 2, in an order where each check may rely on the ones before. */
export function checkEnviron(environ: unknown): asserts environ is Record<string, unknown> {
  checkEnvironType(environ);
  checkRequiredKeys(environ);
  checkForbiddenKeys(environ);
  checkCgiStrings(environ);
  checkWsgiValues(environ);
  checkStreams(environ);
  checkPathsAndLength(environ);
}

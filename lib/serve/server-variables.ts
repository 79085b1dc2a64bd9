// IIS's server variables for a request on the dev server: the same names and values the test host
// answers (native/host/server_variables.cc), for an anonymous request over plain HTTP on site 1.
// There is no physical directory, so APPL_PHYSICAL_PATH and PATH_TRANSLATED have no value.

import { RECORD_VARIABLES, type RecordVariable } from '../core/record-variables.js';
import { SITE_ID, headerOf, type RequestFacts } from './incoming.js';

export const SERVER_SOFTWARE = 'isapi-node-serve';

/** HTTP_X_FOO names the header X-Foo: underscores stand for dashes. */
const mangle = (name: string): string => `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;

/** One line per distinct header, repeats merged, in the order first seen. */
function allHttp(headers: readonly string[]): string {
  const seen = new Set<string>();
  let out = '';
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const lower = headers[i].toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    out += `${mangle(headers[i])}:${headerOf(headers, lower)}\r\n`;
  }
  return out;
}

function allRaw(headers: readonly string[]): string {
  let out = '';
  for (let i = 0; i + 1 < headers.length; i += 2) out += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return out;
}

/** The Host header without its port; the local address when there is none. */
function serverName(facts: RequestFacts): string {
  const host = headerOf(facts.headers, 'host');
  if (!host) return facts.local.address;
  const colon = host.lastIndexOf(':');
  const bracket = host.lastIndexOf(']');
  return colon >= 0 && colon > bracket ? host.slice(0, colon) : host;
}

const empty = (): string => '';

const FIXED: Record<string, (facts: RequestFacts) => string> = {
  ALL_HTTP: (f) => allHttp(f.headers),
  ALL_RAW: (f) => allRaw(f.headers),
  APPL_MD_PATH: (f) => f.site.applMdPath,
  // An anonymous request: IIS answers these with empty strings.
  AUTH_TYPE: empty,
  AUTH_USER: empty,
  AUTH_PASSWORD: empty,
  LOGON_USER: empty,
  REMOTE_USER: empty,
  REMOTE_ADDR: (f) => f.remote.address,
  REMOTE_HOST: (f) => f.remote.address,
  REMOTE_PORT: (f) => String(f.remote.port),
  LOCAL_ADDR: (f) => f.local.address,
  REQUEST_METHOD: (f) => f.method,
  URL: (f) => f.path,
  // IIS gives an extension the whole URL for both; the environ splits them itself.
  SCRIPT_NAME: (f) => f.path,
  PATH_INFO: (f) => f.path,
  UNENCODED_URL: (f) => f.rawTarget,
  QUERY_STRING: (f) => f.query,
  // IIS reports 0 without a Content-Length (a chunked upload too).
  CONTENT_LENGTH: (f) => String(Math.max(f.totalBytes, 0)),
  CONTENT_TYPE: (f) => headerOf(f.headers, 'content-type') ?? '',
  SERVER_NAME: serverName,
  SERVER_PORT: (f) => String(f.local.port),
  SERVER_PORT_SECURE: () => '0',
  SERVER_PROTOCOL: (f) => f.protocol,
  SERVER_SOFTWARE: () => SERVER_SOFTWARE,
  GATEWAY_INTERFACE: () => 'CGI/1.1',
  HTTPS: () => 'off',
  HTTPS_KEYSIZE: empty,
  HTTPS_SECRETKEYSIZE: empty,
  HTTPS_SERVER_ISSUER: empty,
  HTTPS_SERVER_SUBJECT: empty,
  CERT_COOKIE: empty,
  CERT_FLAGS: empty,
  CERT_ISSUER: empty,
  CERT_SERIALNUMBER: empty,
  CERT_SUBJECT: empty,
  INSTANCE_ID: () => String(SITE_ID),
  INSTANCE_META_PATH: () => `/LM/W3SVC/${SITE_ID}`,
  // Not headers, despite the prefix: IIS answers these two from the request line.
  HTTP_URL: (f) => f.rawTarget,
  HTTP_VERSION: (f) => f.protocol,
};

/** A server variable by name (any case), or null when IIS would have none. */
export function serverVariable(facts: RequestFacts, name: string): string | null {
  const key = name.toUpperCase();
  const fixed = FIXED[key];
  if (fixed) return fixed(facts);
  return headerVariable(facts.headers, name);
}

/**
 * A variable IIS answers from the request's headers (also the out-of-process worker's answer for
 * names the extension did not send): HTTP_X_FOO is the header X-Foo (underscores stand for
 * dashes, repeats joined with ", "), HEADER_X-Foo the header named exactly that. HTTP_URL and
 * HTTP_VERSION are not headers despite the prefix: IIS answers them from the request line. Null
 * for any other name, and for a header the request does not have.
 */
export function headerVariable(headers: readonly string[], name: string): string | null {
  const key = name.toUpperCase();
  if (key === 'HTTP_URL' || key === 'HTTP_VERSION') return null;
  if (key.startsWith('HTTP_') && key.length > 5) return headerOf(headers, key.slice(5).replace(/_/g, '-')) ?? null;
  if (key.startsWith('HEADER_') && key.length > 7) return headerOf(headers, name.slice(7)) ?? null;
  return null;
}

/** The variables a request record carries (an anonymous request: REMOTE_USER and AUTH_TYPE empty). */
export function recordVariables(facts: RequestFacts): Record<RecordVariable, string> {
  const vars = {} as Record<RecordVariable, string>;
  for (const name of RECORD_VARIABLES) vars[name] = FIXED[name](facts);
  return vars;
}

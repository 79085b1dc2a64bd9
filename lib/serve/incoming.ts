// From Node's IncomingMessage to the request record the native extension would build from IIS's
// ECB, so an app sees the same environ on the dev server as under IIS. What IIS refuses before an
// extension ever sees the request (a path that cannot be made canonical, a path outside the
// application) is refused here the same way, before the app runs.

import type { IncomingMessage } from 'node:http';
import type { RequestRecord } from '../core/transport.js';
import { canonicalPath, utf8FromLatin1 } from './canonical-path.js';

/** The one application the dev server serves: IIS's site 1 and the virtual directory of the app. */
export interface Site {
  /** "/" for the root application, else "/name" without a trailing slash (as IIS keeps it). */
  readonly virtualDir: string;
  /** "/LM/W3SVC/1/ROOT", or "/LM/W3SVC/1/ROOT/name". */
  readonly applMdPath: string;
}

/** IIS's site id for the one site the dev server plays. */
export const SITE_ID = 1;

export function siteFor(scriptName: string): Site {
  let dir = scriptName.startsWith('/') ? scriptName : `/${scriptName}`;
  dir = dir.replace(/\/+$/, '') || '/';
  return { virtualDir: dir, applMdPath: `/LM/W3SVC/${SITE_ID}/ROOT${dir === '/' ? '' : dir}` };
}

/** Whether a canonical path belongs to the application; IIS compares paths case-insensitively. */
export function serves(site: Site, path: string): boolean {
  if (site.virtualDir === '/') return true;
  const dir = site.virtualDir;
  const next = path.charAt(dir.length);
  return path.slice(0, dir.length).toLowerCase() === dir.toLowerCase() && (next === '' || next === '/');
}

export interface Endpoint {
  address: string;
  port: number;
}

/** Everything IIS knows about one request, from which its server variables are answered. */
export interface RequestFacts {
  method: string;
  /** "HTTP/1.1" or "HTTP/1.0". */
  protocol: string;
  /** UNENCODED_URL: the request target as received. */
  rawTarget: string;
  /** URL: canonical and decoded. */
  path: string;
  /** Raw, without '?'. */
  query: string;
  /** Flat [name, value, ...] as received. */
  headers: string[];
  /** Request body length; -1 for a chunked upload; 0 without a body. */
  totalBytes: number;
  remote: Endpoint;
  local: Endpoint;
  site: Site;
}

export interface Refusal {
  status: number;
  /** For the refusal page: why, in a few words. */
  reason: string;
}

/** "::ffff:127.0.0.1" is how an IPv4 client looks on a dual-stack socket; IIS reports 127.0.0.1. */
function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/** The values of a header, joined with ", " for repeats (as IIS's HTTP_* variables); undefined when absent. */
export function headerOf(headers: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  let joined: string | undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i].toLowerCase() !== lower) continue;
    joined = joined === undefined ? headers[i + 1] : `${joined}, ${headers[i + 1]}`;
  }
  return joined;
}

function countOf(headers: readonly string[], lowerName: string): number {
  let count = 0;
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === lowerName) count++;
  return count;
}

/** Reads what IIS would know about a request, or what IIS would answer instead of running the app. */
export function readIncoming(req: IncomingMessage, site: Site): RequestFacts | Refusal {
  // Node already refused what its parser rejects (bad request line, both Content-Length and
  // Transfer-Encoding, repeated Content-Length); what is left are IIS's own rules.
  const rawTarget = req.url ?? '';
  if (!rawTarget.startsWith('/')) return { status: 400, reason: 'request target must be an absolute path' };
  const mark = rawTarget.indexOf('?');
  const path = canonicalPath(mark < 0 ? rawTarget : rawTarget.slice(0, mark));
  if (path === null) return { status: 400, reason: 'malformed URL path' };

  const headers = req.rawHeaders.map(utf8FromLatin1);
  const hosts = countOf(headers, 'host');
  if (req.httpVersion === '1.1' && hosts === 0) return { status: 400, reason: 'HTTP/1.1 request without Host' };
  if (hosts > 1) return { status: 400, reason: 'more than one Host header' };
  if (!serves(site, path)) return { status: 404, reason: 'no application is mapped at this URL' };

  const length = req.headers['content-length'];
  const totalBytes = req.headers['transfer-encoding'] !== undefined ? -1 : length !== undefined ? Number(length) : 0;
  const socket = req.socket;
  return {
    method: req.method ?? 'GET',
    protocol: `HTTP/${req.httpVersion}`,
    rawTarget: utf8FromLatin1(rawTarget),
    path,
    query: mark < 0 ? '' : utf8FromLatin1(rawTarget.slice(mark + 1)),
    headers,
    totalBytes,
    remote: { address: plainAddress(socket.remoteAddress), port: socket.remotePort ?? 0 },
    local: { address: plainAddress(socket.localAddress), port: socket.localPort ?? 0 },
    site,
  };
}

export function isRefusal(value: RequestFacts | Refusal): value is Refusal {
  return 'status' in value;
}

/** The record as the native extension builds it; `vars` holds the server variables it reads up front. */
export function recordOf(facts: RequestFacts, id: number, vars: Record<string, string>): RequestRecord {
  return {
    id,
    method: facts.method,
    path: facts.path,
    query: facts.query,
    rawUrl: facts.rawTarget,
    headers: facts.headers,
    vars,
    totalBytes: facts.totalBytes,
    // IIS preloads the first body bytes; here every byte is read through transport.read().
    preload: new Uint8Array(0),
  };
}

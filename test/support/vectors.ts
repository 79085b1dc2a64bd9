// The shared request vectors (test/vectors/*.json): IIS's rules for request paths and server
// variables as data, run against both the test host (native/host) and the dev server (lib/serve),
// which restate the same rules in C++ and in TypeScript. A case lives once, in the JSON.
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import net from 'node:net';
import { expect } from 'vitest';

/** One request as sent on the wire. */
export interface VectorRequest {
  method: string;
  target: string;
  version: 'HTTP/1.1' | 'HTTP/1.0';
  /** In the order sent; a name may repeat. */
  headers: [string, string][];
  body: string;
}

/** The server's own answer to a request no application sees. */
export interface Refused {
  status: number;
}

export interface PathVector {
  name: string;
  target: string;
  /** The path the application sees (URL, and PATH_INFO at the site root), or a refusal. */
  expect: { path: string } | Refused;
}

export interface VariableVector {
  name: string;
  request: VectorRequest;
  /** Each named server variable's value (null: the variable does not exist), or a refusal. */
  expect: { variables: Record<string, string | null> } | Refused;
}

export const isRefused = (expect: object): expect is Refused => 'status' in expect;

/** The Host every path vector is sent with. */
export const PATH_VECTOR_HOST = 'vectors.test';

const vectorFile = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as unknown;

// The JSON is written by hand, so its shape is checked here rather than trusted: a typo in a key
// would otherwise make a case check nothing.
type Json = Record<string, unknown>;

function fail(file: string, at: string, problem: string): never {
  throw new Error(`test/vectors/${file}: ${at}: ${problem}`);
}

function object(value: unknown, file: string, at: string, allowed: string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, at, 'expected an object');
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  if (extra.length) fail(file, at, `unknown key(s) ${extra.join(', ')}`);
  return value as Json;
}

function string(value: unknown, file: string, at: string): string {
  if (typeof value !== 'string') fail(file, at, 'expected a string');
  return value;
}

function outcome<T extends object>(c: Json, file: string, at: string, key: string, read: (value: unknown) => T): T | Refused {
  const has = key in c;
  if (has === 'status' in c) fail(file, at, `needs exactly one of "${key}" and "status"`);
  if (has) return read(c[key]);
  if (!Number.isInteger(c.status) || (c.status as number) < 400) fail(file, at, '"status" must be an HTTP error status');
  return { status: c.status as number };
}

function cases(file: string): Json[] {
  const top = object(vectorFile(file), file, 'top level', ['about', 'cases']);
  if (!Array.isArray(top.cases) || top.cases.length === 0) fail(file, 'cases', 'expected a non-empty array');
  return top.cases as Json[];
}

function uniqueNames<T extends { name: string }>(file: string, list: T[]): T[] {
  const seen = new Set<string>();
  for (const { name } of list) {
    if (seen.has(name)) fail(file, name, 'the name is used twice');
    seen.add(name);
  }
  return list;
}

export function pathVectors(): PathVector[] {
  const file = 'request-paths.json';
  return uniqueNames(
    file,
    cases(file).map((raw, index) => {
      const c = object(raw, file, `case ${index}`, ['name', 'target', 'path', 'status']);
      const name = string(c.name, file, `case ${index}.name`);
      return {
        name,
        target: string(c.target, file, `${name}.target`),
        expect: outcome(c, file, name, 'path', (path) => ({ path: string(path, file, `${name}.path`) })),
      };
    }),
  );
}

function request(value: unknown, file: string, at: string): VectorRequest {
  const r = object(value, file, at, ['method', 'target', 'version', 'headers', 'body']);
  const version = r.version ?? 'HTTP/1.1';
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') fail(file, `${at}.version`, 'expected HTTP/1.1 or HTTP/1.0');
  if (!Array.isArray(r.headers)) fail(file, `${at}.headers`, 'expected an array of [name, value] pairs');
  const headers = r.headers.map((pair: unknown, i): [string, string] => {
    if (!Array.isArray(pair) || pair.length !== 2) fail(file, `${at}.headers[${i}]`, 'expected a [name, value] pair');
    return [string(pair[0], file, `${at}.headers[${i}][0]`), string(pair[1], file, `${at}.headers[${i}][1]`)];
  });
  return {
    method: r.method === undefined ? 'GET' : string(r.method, file, `${at}.method`),
    target: string(r.target, file, `${at}.target`),
    version,
    headers,
    body: r.body === undefined ? '' : string(r.body, file, `${at}.body`),
  };
}

function variables(value: unknown, file: string, at: string): { variables: Record<string, string | null> } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, at, 'expected an object');
  const entries = Object.entries(value);
  if (entries.length === 0) fail(file, at, 'names no variable');
  for (const [name, v] of entries) if (v !== null && typeof v !== 'string') fail(file, `${at}.${name}`, 'expected a string or null');
  return { variables: value as Record<string, string | null> };
}

export function variableVectors(): VariableVector[] {
  const file = 'server-variables.json';
  return uniqueNames(
    file,
    cases(file).map((raw, index) => {
      const c = object(raw, file, `case ${index}`, ['name', 'request', 'variables', 'status']);
      const name = string(c.name, file, `case ${index}.name`);
      return {
        name,
        request: request(c.request, file, `${name}.request`),
        expect: outcome(c, file, name, 'variables', (v) => variables(v, file, `${name}.variables`)),
      };
    }),
  );
}

/** The request a path vector is sent as. */
/** Both files' vectors, and how many of them the server refuses before any app runs. */
export function allVectors(): { paths: PathVector[]; variables: VariableVector[]; refusals: number } {
  const paths = pathVectors();
  const variables = variableVectors();
  return { paths, variables, refusals: [...paths, ...variables].filter((v) => isRefused(v.expect)).length };
}

export const pathRequest = (target: string): VectorRequest => ({
  method: 'GET',
  target,
  version: 'HTTP/1.1',
  headers: [['Host', PATH_VECTOR_HOST]],
  body: '',
});

/** The bytes of a request, text as UTF-8. */
export function wireBytes(r: VectorRequest): Buffer {
  const head = `${r.method} ${r.target} ${r.version}\r\n${r.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.from(head + r.body, 'utf8');
}

export interface WireResponse {
  status: number;
  reason: string;
  /** Lower-case names; repeats joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends one request on a fresh connection and reads one response: to its Content-Length, or to
 * the close when it has none. The connection is then dropped, so a request need not say
 * "Connection: close" (which would show in ALL_HTTP and ALL_RAW).
 */
export function exchange(port: number, r: VectorRequest, timeoutMs = 10_000): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    // `closed`: the server closed (or reset) the connection, which ends a response without a length.
    const finish = (closed: boolean, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      try {
        const parsed = parse(received);
        if (parsed && (parsed.complete || (closed && parsed.untilClose))) return resolve(parsed.response);
        reject(error ?? new Error(`no whole response before the connection closed: ${JSON.stringify(received.toString('latin1'))}`));
      } catch (e) {
        reject(e as Error);
      }
    };
    const timer = setTimeout(() => finish(false, new Error(`no whole response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        if (parse(received)?.complete) finish(false);
      } catch {
        finish(false);
      }
    });
    socket.on('close', () => finish(true));
    socket.on('error', (error) => finish(true, error));
    socket.write(wireBytes(r));
  });
}

function parse(bytes: Buffer): { response: WireResponse; complete: boolean; untilClose: boolean } | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3}) (.*)$/.exec(statusLine);
  if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  // An interim response (100 Continue) comes before the one that answers the request.
  if (status[1].startsWith('1')) return parse(bytes.subarray(end + 4));
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const body = bytes.subarray(end + 4);
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  return {
    response: { status: Number(status[1]), reason: status[2], headers, body: length === undefined ? body : body.subarray(0, length) },
    complete: length !== undefined && body.length >= length,
    untilClose: length === undefined,
  };
}

/** Whether a response says the connection closes, as both servers do after refusing a request. */
const closes = (response: WireResponse): boolean => /(^|,)\s*close\s*(,|$)/i.test(response.headers.connection ?? '');

/** A refusal as both servers give it: the status with its standard reason, and the connection closed. */
export function expectRefusal(response: WireResponse, status: number): void {
  expect(`${response.status} ${response.reason}`).toBe(`${status} ${STATUS_CODES[status]}`);
  expect(closes(response), 'Connection: close').toBe(true);
}

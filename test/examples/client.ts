// The client side of the example matrix: a route's request, what of an answer must be the same on
// both paths, and the requests that watch a response as it streams.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Response } from '../support/http.js';
import type { Framework } from './examples.js';

export interface Route {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The framework streams this body: Content-Length against chunked framing may differ. */
  streamed?: boolean;
  /**
   * The body may quote a stack trace (Express's error page outside production), whose frames name
   * the module as its loader does: file:///… under the embedded Node, a bare path under vitest's
   * module runner. Frames are left out of the comparison, and so is the length.
   */
  quotesStack?: boolean;
  /** What the answer must be, on either path. */
  check: (res: Response, framework: Framework) => void;
}

export function send(base: string, route: Route): Promise<Response> {
  return request(`${base}${route.path}`, { method: route.method, headers: route.headers, body: route.body });
}

/** Headers that say nothing about the app: the server's own, caching validators, connection management. */
const IGNORED = new Set(['date', 'server', 'etag', 'x-powered-by', 'connection', 'keep-alive']);
const FRAMING = new Set(['content-length', 'transfer-encoding']);
/** One "    at f (file:line:col)" line of a stack trace, as text or in HTML (<br> and &nbsp; indent). */
const STACK_FRAME = /(?:\n|<br>)(?:\s|&nbsp;)*at [^\n<]*/g;

/** What of an answer must be identical on the real path and the dev server. */
export function comparable(res: Response, route: Route): { status: number; headers: Record<string, string | string[]>; body: string } {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || IGNORED.has(name)) continue;
    if ((route.streamed || route.quotesStack) && FRAMING.has(name)) continue;
    headers[name] = value;
  }
  let body = res.body.toString('utf8');
  if (route.quotesStack) body = body.replace(STACK_FRAME, '');
  return { status: res.status, headers, body };
}

export const json = (res: Response): unknown => JSON.parse(res.body.toString('utf8'));

export interface Watched {
  status: number;
  /** In order: "data:<text>" for each chunk, then "end". */
  events: string[];
  body: string;
}

/** A GET whose response is recorded chunk by chunk, as it arrives. */
export function watch(url: string): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const events: string[] = [];
    const chunks: Buffer[] = [];
    const req = http.get(url, { agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        events.push(`data:${chunk.toString('utf8')}`);
        chunks.push(chunk);
      });
      res.on('end', () => {
        events.push('end');
        resolve({ status: res.statusCode!, events, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A GET dropped (the socket destroyed) as soon as the first body bytes arrive; resolves with them. */
export function dropAfterFirstChunk(url: string): Promise<{ status: number; first: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.once('data', (chunk: Buffer) => {
        req.destroy();
        resolve({ status: res.statusCode!, first: chunk.toString('utf8') });
      });
      res.on('error', () => undefined);
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
  });
}

/** Calls `probe` until it returns a value `done` accepts; gives up after `attempts` tries `intervalMs` apart. */
export async function poll<T>(probe: () => Promise<T>, done: (value: T) => boolean, attempts = 100, intervalMs = 50): Promise<T> {
  let last = await probe();
  for (let i = 1; i < attempts && !done(last); i++) {
    await sleep(intervalMs);
    last = await probe();
  }
  return last;
}

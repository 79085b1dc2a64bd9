// The dev server: the same App on Node's own http server, for development on any OS without IIS
// or native code (what wsgiref.simple_server is to WSGI). Requests reach the app exactly as they
// would under IIS: the record is built the way the extension builds it, the app runs through the
// shared core (runApp), and what IIS answers by itself (a malformed path, a URL outside the
// application, a request during shutdown) is answered here before any app runs.

import http from 'node:http';
import net from 'node:net';
import { runApp } from '../core/handler.js';
import type { App } from '../types.js';
import { validate } from '../validate/index.js';
import { isRefusal, readIncoming, recordOf, siteFor, type Refusal } from './incoming.js';
import { NodeTransport } from './node-transport.js';
import { recordVariables, serverVariable } from './server-variables.js';

export interface ServeOptions {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Address to listen on. Default "127.0.0.1". */
  host?: string;
  /** The application's virtual directory, e.g. "/app" (IIS's --virtual-dir). Default "/". */
  scriptName?: string;
  /** Run the app inside validate(app): breaches of the app interface fail the request and are traced. */
  validate?: boolean;
  /** Request body bytes the app may read, as the extension's "maxRequestBodyBytes"; 0: no limit.
   *  Default 30000000 (IIS's maxAllowedContentLength). */
  maxRequestBodyBytes?: number;
  /** The trace channel (wsgi.errors, app failures); one record per call. Default: stderr. */
  trace?: (text: string) => void;
}

export interface DevServer {
  /** The application's base URL without a trailing slash, e.g. "http://127.0.0.1:8080/app". */
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  /** Stops accepting connections, lets requests in flight finish, then closes every connection. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

/**
 * How long close() leaves connections open once no request is in flight. An idle keep-alive
 * connection is closed at once; one still open after this is a client that stopped half-way
 * through sending a request, which nobody is waiting for.
 */
export const CLOSE_GRACE_MS = 2000;

const REASONS: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 503: 'Service Unavailable' };

function traceToStderr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** IIS's own answer to a request no app sees (the test host's refuse()); the connection closes. */
function refuse(res: http.ServerResponse, { status, reason }: Refusal): Promise<void> {
  const title = `${status} ${REASONS[status] ?? 'Error'}`;
  const body = Buffer.from(`<html><body><h1>${title}</h1><p>${reason}</p></body></html>\r\n`);
  res.writeHead(status, REASONS[status] ?? 'Error', [
    'Content-Type', 'text/html; charset=us-ascii',
    'Content-Length', String(body.length),
    'Connection', 'close',
  ]);
  return new Promise((resolve) => {
    res.once('close', resolve);
    res.end(body);
  });
}

function checkOptions(app: unknown, options: ServeOptions): void {
  if (typeof app !== 'function') throw new TypeError('serve(app): the app must be a function (environ, startResponse)');
  const { port, scriptName, maxRequestBodyBytes } = options;
  if (maxRequestBodyBytes !== undefined && (!Number.isSafeInteger(maxRequestBodyBytes) || maxRequestBodyBytes < 0)) {
    throw new RangeError(`serve(): maxRequestBodyBytes must be a whole number of bytes (0: no limit), got ${String(maxRequestBodyBytes)}`);
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new RangeError(`serve(): port must be a whole number from 0 to 65535, got ${String(port)}`);
  }
  if (scriptName !== undefined && (typeof scriptName !== 'string' || /[?#%\\\0]/.test(scriptName))) {
    throw new TypeError(`serve(): scriptName must be a path such as "/app", got ${JSON.stringify(scriptName)}`);
  }
}

export async function serve(app: App, options: ServeOptions = {}): Promise<DevServer> {
  checkOptions(app, options);
  const served = options.validate ? validate(app) : app;
  const site = siteFor(options.scriptName ?? '/');
  const trace = options.trace ?? traceToStderr;
  const inFlight = new Set<Promise<void>>();
  let nextId = 1;
  let closing: Promise<void> | null = null;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (closing) return refuse(res, { status: 503, reason: 'the server is shutting down' });
    const facts = readIncoming(req, site);
    if (isRefusal(facts)) return refuse(res, facts);
    const record = recordOf(facts, nextId++, recordVariables(facts));
    const transport = new NodeTransport(req, res, record, {
      serverVariable: (name) => serverVariable(facts, name),
      trace,
      closing: () => closing !== null,
    });
    await runApp(served, record, transport, { multithread: false, multiprocess: false, maxRequestBodyBytes: options.maxRequestBodyBytes });
  };

  const server = http.createServer((req, res) => {
    const work = handle(req, res)
      .catch((error: unknown) => trace(`isapi-node serve: ${req.method} ${req.url}: ${String(error)}`))
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as net.AddressInfo;
  const host = net.isIPv6(address.address) ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}${site.virtualDir === '/' ? '' : site.virtualDir}`;

  const close = async (): Promise<void> => {
    // net.Server's close(), not http.Server's: since Node 19 the latter also destroys connections
    // whose response has ended but is not yet flushed, cutting off the end of a request in flight.
    const closed = new Promise<void>((resolve, reject) => {
      net.Server.prototype.close.call(server, (error?: Error) => (error ? reject(error) : resolve()));
    });
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    // Every response is flushed now: keep-alive connections are only waiting for a next request.
    server.closeIdleConnections();
    const cutOff = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    try {
      await closed;
    } finally {
      clearTimeout(cutOff);
    }
  };

  return {
    url,
    port: address.port,
    server,
    close: () => (closing ??= close()),
  };
}

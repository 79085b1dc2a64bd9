// One request, start to end (wsgiref's BaseHandler.run): build the environ, call the app, deliver
// its body, and make sure the request ends exactly once whatever happens. The transport is the
// only thing a hosting model supplies.
//
// How a request ends, for the native side:
//   - a send()/sendFile() with final=true that resolved: the normal end;
//   - abort(reason), called at most once, never while a transport operation is outstanding and
//     never after a final send resolved: when the client is gone (the signal fired or a send
//     rejected), or when the app failed after something was already handed to the transport;
//   - an app failure before that: a generic 500 (final send), the details on the trace channel; a
//     catalogued error with a status of its own (413 for a body past the limit) answers with it.
// runApp itself never rejects.

import { STATUS_CODES } from 'node:http';
import { inspect } from 'node:util';
import type { App, ErrorStream } from '../types.js';
import { toBytes } from './chunks.js';
import { deliver } from './deliver.js';
import { buildEnviron, type EnvironOptions } from './environ.js';
import { ClientGoneError, IsapiError, describeValue } from './errors.js';
import { watchGone } from './gone-watch.js';
import { Outbox } from './outbox.js';
import { ResponseStart } from './start-response.js';
import type { RequestRecord, ResponseHead, Transport } from './transport.js';

export type RunOptions = EnvironOptions;

/** What the client sees when the app fails before its headers left: the status and its reason
 *  phrase, nothing about the app. 500 unless the error is one of the catalogue's with its own. */
function errorAnswer(error: unknown): { head: ResponseHead; body: Uint8Array } {
  const status = error instanceof IsapiError ? error.status : 500;
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = new TextEncoder().encode(reason);
  return {
    head: {
      status: `${status} ${reason}`,
      headers: [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Content-Length', String(body.length)],
      ],
    },
    body,
  };
}

/** The reason given to transport.abort() when the request ends because its client left. */
const GONE_REASON = 'client gone';

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = error instanceof IsapiError ? `[${error.code}] ` : '';
    return `${code}${error.stack ?? `${error.name}: ${error.message}`}`;
  }
  return `a non-Error was thrown: ${inspect(error)}`;
}

/** The decoded path may hold any character: control characters are escaped so they cannot forge trace lines. */
function printable(path: string): string {
  return path.replace(/[\x00-\x1f\x7f]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function hasClose(value: unknown): value is { close(): unknown } {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { close?: unknown }).close === 'function';
}

export async function runApp(app: App, record: RequestRecord, transport: Transport, options: RunOptions): Promise<void> {
  const where = `request ${record.id} (${record.method} ${printable(record.path)})`;
  const trace = (text: string): void => {
    try {
      transport.trace(text);
    } catch {
      // Tracing must never be what breaks a request.
    }
  };
  const goneWatch = watchGone(transport.gone);
  const start = new ResponseStart((chunk) => {
    const bytes = toBytes(chunk);
    if (bytes.length > 0) outbox.push(bytes, false);
  });
  const dropBody = record.method === 'HEAD';
  const outbox = new Outbox(transport, start, { dropBody });

  let body: unknown;
  let bodyArrived = false;
  let errors: ErrorStream | undefined;

  /** Calls the body's close() once; its failure can only be reported, the response is decided. */
  const closeBody = async (value: unknown): Promise<void> => {
    if (!hasClose(value)) return;
    try {
      await value.close();
    } catch (error) {
      trace(`isapi-node: ${where}: the body's close() failed: ${describeError(error)}`);
    }
  };

  const fail = async (error: unknown): Promise<void> => {
    await outbox.settle();
    outbox.seal();
    if (transport.gone.isGone || outbox.sendFailed) {
      if (!transport.gone.isGone) trace(`isapi-node: ${where}: the response could not be sent: ${describeError(error)}`);
      transport.abort(GONE_REASON);
      return;
    }
    trace(`isapi-node: ${where}: ${describeError(error)}`);
    const reason = error instanceof Error ? error.message : 'app error';
    if (outbox.touched) {
      transport.abort(reason);
      return;
    }
    try {
      const answer = errorAnswer(error);
      await transport.send(answer.head, dropBody ? null : answer.body, true);
    } catch {
      transport.abort(GONE_REASON);
    }
  };

  try {
    if (typeof app !== 'function') throw new IsapiError('ISAPI_APP_NOT_FUNCTION', describeValue(app));
    // Nobody is waiting for an answer any more: do not start the app for it.
    if (transport.gone.isGone) throw new ClientGoneError();
    const environ = buildEnviron(record, transport, options);
    errors = environ['wsgi.errors'];
    const answer = new Promise<unknown>((resolve) => resolve(app(environ, start.startResponse)));
    try {
      body = await goneWatch.race(answer);
      bodyArrived = true;
    } catch (error) {
      // The client left while the app was still working: a body that arrives later still gets its close().
      if (transport.gone.isGone) answer.then(closeBody, () => undefined);
      throw error;
    }
    await deliver(body, { outbox, gone: transport.gone, untilGone: goneWatch.race, countLength: dropBody });
  } catch (error) {
    await fail(error).catch((failure: unknown) => trace(`isapi-node: ${where}: ending the request failed: ${describeError(failure)}`));
  } finally {
    if (bodyArrived) await closeBody(body);
    try {
      errors?.flush();
    } catch {
      // As for trace(): never what breaks a request.
    }
    goneWatch.dispose();
  }
}

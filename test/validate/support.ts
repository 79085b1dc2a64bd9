// Running apps under the validator against the FakeTransport, and reading back what it reported.

import { expect } from 'vitest';
import type { App, Environ, RequestRecord } from '../../lib/index.js';
import { validate, type ValidationCode } from '../../lib/validate/index.js';
import { FakeTransport, type FakeTransportOptions, type OutputCall } from '../lib/fake-transport.js';
import { run } from '../lib/run.js';

export { ok } from '../lib/run.js';

export function runValidated(app: App, record: Partial<RequestRecord> = {}, transport = new FakeTransport()): Promise<FakeTransport> {
  return run(validate(app), record, transport);
}

/**
 * A server (or middleware) in front of the validator that changes the environ before the validated
 * app sees it: how the tests break server-side rules, since runApp itself builds a correct environ.
 */
export function behindServer(change: (environ: Environ) => unknown, app: App = (_environ, startResponse) => (startResponse('200 OK', []), ['ok'])): App {
  const validated = validate(app);
  return (environ, startResponse) => validated((change(environ) ?? environ) as Environ, startResponse);
}

export interface Reported {
  code: string;
  message: string;
}

/** The first ValidationError on the trace channel: runApp's failure report or the validator's own. */
export function reported(transport: FakeTransport): Reported | null {
  for (const text of transport.traces) {
    const match = /ValidationError \[(ISAPI_VALIDATE_[A-Z_]+)\]: ([^\n]*)/.exec(text);
    if (match) return { code: match[1], message: match[2] };
  }
  return null;
}

/** The trace channel shows a ValidationError with `code` whose message contains every one of `parts`. */
export function expectReported(transport: FakeTransport, code: ValidationCode, ...parts: string[]): void {
  const found = reported(transport);
  expect(found?.code).toBe(code);
  for (const part of parts) expect(found?.message).toContain(part);
}

/** The request ended with runApp's generic 500: the failure came before the headers left. */
export function expect500(transport: FakeTransport): void {
  expect(transport.violations).toEqual([]);
  expect(transport.aborts).toEqual([]);
  expect(transport.calls).toHaveLength(1);
  expect(transport.head?.status).toBe('500 Internal Server Error');
  expect(transport.ended).toBe(true);
}

/** The request was cut: the failure came after something was handed to the transport. */
export function expectAborted(transport: FakeTransport): void {
  expect(transport.violations).toEqual([]);
  expect(transport.aborts).toHaveLength(1);
}

/**
 * What a transport saw, without file descriptors (two runs may get different numbers) and stack
 * frames (an error raised under the validator has its frames in the stack).
 */
function observed(transport: FakeTransport) {
  const calls = transport.calls.map((call: OutputCall) =>
    call.kind === 'send' ? call : { ...call, file: { offset: call.file.offset, length: call.file.length } },
  );
  const traces = transport.traces.map((trace) => trace.replace(/\n\s+at [^\n]*/g, ''));
  const { reads, aborts, violations, ended } = transport;
  return { calls, reads, traces, aborts, violations, ended };
}

/**
 * Runs a fresh app from `makeApp` without and with the validator, on equal transports, and expects
 * identical transport calls, reads, traces and ends. Returns the validated run.
 */
export async function expectUnchanged(makeApp: () => App, record: Partial<RequestRecord> = {}, options: FakeTransportOptions = {}): Promise<FakeTransport> {
  const plain = await run(makeApp(), record, new FakeTransport(options));
  const checked = await run(validate(makeApp()), record, new FakeTransport(options));
  expect(observed(checked)).toEqual(observed(plain));
  expect(reported(checked)).toBeNull();
  return checked;
}

export const text = (bytes: Uint8Array | null | undefined): string => new TextDecoder().decode(bytes ?? new Uint8Array(0));

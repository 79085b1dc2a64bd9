// Runs an app through runApp against a FakeTransport, the way a hosting model would.

import { expect } from 'vitest';
import { runApp, type App, type RequestRecord } from '../../lib/index.js';
import { FakeTransport, makeRecord } from './fake-transport.js';

export async function run(app: App, record: Partial<RequestRecord> = {}, transport = new FakeTransport()): Promise<FakeTransport> {
  await runApp(app, makeRecord(record), transport, { multithread: true, multiprocess: false });
  return transport;
}

/** The request ended exactly once and the transport saw no breach of its rules. */
export function expectCleanEnd(transport: FakeTransport): void {
  expect(transport.violations).toEqual([]);
  expect(transport.ended).toBe(true);
}

export const ok = '200 OK';
export const textPlain: [string, string][] = [['Content-Type', 'text/plain']];

// The configuration WELCOME carries (docs/protocol.md, "Extension → worker"): the fields of the
// extension's configuration a worker needs, checked here so a mismatch between the extension and
// this package's dist/ shows as one clear message rather than as an app that behaves oddly.

import { ProtocolError } from './frames.js';

export interface WorkerConfiguration {
  /** The app module's path. */
  app: string;
  /** The export to serve; "" for the default one. */
  export: string;
  validate: boolean;
  maxRequestBodyBytes: number;
  /** How many worker processes serve the app. */
  processes: number;
  /** This worker's place among them, from 0. */
  index: number;
  /** How often to send HEARTBEAT; 0: never (the extension does not watch for hangs). */
  heartbeatMs: number;
}

const FIELDS: Record<keyof WorkerConfiguration, 'string' | 'boolean' | 'count'> = {
  app: 'string',
  export: 'string',
  validate: 'boolean',
  maxRequestBodyBytes: 'count',
  processes: 'count',
  index: 'count',
  heartbeatMs: 'count',
};

export function parseConfiguration(json: string): WorkerConfiguration {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ProtocolError(`a WELCOME whose configuration is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError('a WELCOME whose configuration is not a JSON object');
  const config = value as Record<string, unknown>;
  for (const [name, kind] of Object.entries(FIELDS)) {
    const field = config[name];
    const ok = kind === 'count' ? Number.isSafeInteger(field) && (field as number) >= 0 : typeof field === kind;
    if (!ok) throw new ProtocolError(`a WELCOME whose configuration has ${JSON.stringify(name)} = ${JSON.stringify(field) ?? 'nothing'} (expected ${kind === 'count' ? 'a whole number' : `a ${kind}`})`);
  }
  if (config.app === '') throw new ProtocolError('a WELCOME whose configuration has an empty "app"');
  return config as unknown as WorkerConfiguration;
}

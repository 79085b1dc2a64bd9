// The extension's limits as `isapi-node host` options: one row per configuration key, from which
// the parser's options, the usage text and the configuration are all made. The extension checks
// each value's range when it reads the configuration; here only the form (a whole number).
import { CliError } from './errors.js';

interface LimitOption {
  readonly flag: string;
  readonly key: string;
  readonly unit: string;
  readonly help: string;
}

export const LIMIT_OPTIONS: readonly LimitOption[] = [
  { flag: 'request-timeout', key: 'requestTimeoutMs', unit: 'MS', help: 'end a request the app has not finished by then: 504 (default 120000; 0: none)' },
  { flag: 'hang-timeout', key: 'hangTimeoutMs', unit: 'MS', help: 'replace a worker whose event loop is blocked that long (default 30000; 0: never)' },
  { flag: 'max-body', key: 'maxRequestBodyBytes', unit: 'BYTES', help: 'request body bytes the app may read; past them 413 (default 30000000; 0: no limit)' },
  { flag: 'max-heap', key: 'maxHeapMb', unit: 'MB', help: "each worker's V8 heap limit; reaching it replaces the worker (default: V8's)" },
  { flag: 'max-pending', key: 'maxPendingRequests', unit: 'N', help: 'requests in flight before 503 with Retry-After (default 5000; 0: no limit)' },
];

export const limitParseOptions = Object.fromEntries(LIMIT_OPTIONS.map((o) => [o.flag, { type: 'string' as const }]));

export const limitUsage = LIMIT_OPTIONS.map((o) => `  --${`${o.flag} ${o.unit}`.padEnd(20)}${o.help}`).join('\n');

/** The configuration keys for the limits given on the command line. */
export function limitConfig(values: Record<string, unknown>): Record<string, number> {
  const config: Record<string, number> = {};
  for (const { flag, key } of LIMIT_OPTIONS) {
    const text = values[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (typeof text !== 'string' || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
      throw new CliError(`--${flag} must be a whole number (the "${key}" key), got ${JSON.stringify(text)}`);
    }
    config[key] = value;
  }
  return config;
}

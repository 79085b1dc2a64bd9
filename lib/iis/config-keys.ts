// The keys of the extension's configuration (isapi_node.json), their types, ranges and defaults,
// as TypeScript sees them: `isapi-node doctor` checks a configuration against this list.
//
// The other definition is the extension's own, native/extension/config.cc (kKnownKeys and
// parse_config) with the defaults in config.h: the extension refuses an unknown key or a value out
// of range (config_invalid). test/iis/doctor.test.ts reads those C++ sources and compares them with
// this list, so a key added or changed on one side only fails the tests.

export type ConfigKeyType =
  /** any string */
  | 'string'
  /** a string naming a file or folder, relative to the configuration's folder */
  | 'path'
  /** a whole number (JSON integer syntax, not negative) from min to max */
  | 'integer'
  | 'boolean'
  /** a list of non-empty strings */
  | 'names'
  /** one of `values` */
  | 'choice';

export interface ConfigKey {
  name: string;
  type: ConfigKeyType;
  /** integer: the smallest and largest accepted (bigint: the largest exceeds 2^32). */
  min?: bigint;
  max?: bigint;
  /** choice: the accepted strings */
  values?: readonly string[];
  /** What the extension uses when the key is absent (undefined: nothing, or required). */
  default?: string | number | boolean | readonly string[];
  required?: boolean;
}

const integer = (name: string, min: number | bigint, max: number | bigint, dflt: number): ConfigKey => ({
  name,
  type: 'integer',
  min: BigInt(min),
  max: BigInt(max),
  default: dflt,
});

/** kMaxWorkers and kMaxPoolThreads in config.cc. */
export const MAX_WORKERS = 64;
export const MAX_POOL_THREADS = 256;

/** Every key a configuration may hold, in config.cc's order. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  { name: 'app', type: 'path', required: true },
  { name: 'export', type: 'string', default: '' },
  { name: 'hostingModel', type: 'choice', values: ['inprocess', 'outofprocess'], default: 'inprocess' },
  integer('workers', 1, MAX_WORKERS, 1),
  integer('poolThreads', 1, MAX_POOL_THREADS, 4),
  // "stderr", or a file (a path relative to the configuration's folder). Without the key: stderr,
  // but on Windows isapi_node.log beside the configuration (platform::default_trace).
  { name: 'trace', type: 'string', default: 'stderr' },
  { name: 'validate', type: 'boolean', default: false },
  integer('shutdownTimeoutMs', 0, 3_600_000, 30_000),
  integer('startTimeoutMs', 100, 3_600_000, 30_000),
  { name: 'packageRoot', type: 'path' },
  { name: 'libnode', type: 'path' },
  integer('rapidFailCount', 1, 1000, 5),
  integer('rapidFailWindowMs', 1000, 86_400_000, 300_000),
  integer('maxPendingRequests', 0, 10_000_000, 5000),
  integer('requestTimeoutMs', 0, 86_400_000, 120_000),
  integer('traceMaxBytes', 0, 1n << 40n, 64 * 1024 * 1024),
  integer('hangTimeoutMs', 0, 86_400_000, 30_000),
  // Up to Number.MAX_SAFE_INTEGER: the JavaScript side counts against it too.
  integer('maxRequestBodyBytes', 0, (1n << 53n) - 1n, 30_000_000),
  integer('maxHeapMb', 0, 1n << 20n, 0),
  integer('processes', 1, MAX_WORKERS, 1),
  // A bare name is looked up in PATH; a name with a folder in it is relative to the configuration.
  { name: 'nodePath', type: 'string', default: 'node' },
  { name: 'devErrors', type: 'boolean', default: false },
  { name: 'serverVariables', type: 'names', default: [] },
];

export const CONFIG_KEY_NAMES: readonly string[] = CONFIG_KEYS.map((k) => k.name);

export function configKey(name: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((k) => k.name === name);
}

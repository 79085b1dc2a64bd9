// The configuration checks: the file parses as the extension parses it (JSON with comments), holds
// only known keys, and every value has its type and is in range (lib/iis/config-keys.ts, the
// TypeScript twin of native/extension/config.cc). The extension refuses the whole file for any of
// these (config_invalid), so each failing line says exactly which key and what it must be.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_KEYS, CONFIG_KEY_NAMES, type ConfigKey } from '../config-keys.js';
import { DEFAULT_MAX_REQUEST_BODY_BYTES, TRACE_FILE } from '../names.js';
import { JsoncError, parseJsonc, type JsoncDocument } from './jsonc.js';
import type { CheckResult, ResolvedConfig } from './types.js';

/** The file's object and its number texts, or undefined when the check failed. */
export interface ReadConfig {
  result: CheckResult;
  object?: Record<string, unknown>;
  numberText?: Map<string, string>;
}

const CREATE_FIX =
  'create it beside isapi_node.dll (or point --config or ISAPI_NODE_CONFIG at one) with at least {"app": "path/to/app.js"}';

/** Check "config": the file can be read and parses to a JSON object. */
export function readConfig(file: string): ReadConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { result: { check: 'config', status: 'fail', line: `cannot read ${file} (${code})`, fix: CREATE_FIX } };
  }
  let doc: JsoncDocument;
  try {
    doc = parseJsonc(text);
  } catch (error) {
    if (!(error instanceof JsoncError)) throw error;
    return {
      result: {
        check: 'config',
        status: 'fail',
        line: `${file} is not valid JSON: ${error.message}`,
        fix: 'correct it there (comments // and /* */ are allowed; trailing commas and single quotes are not)',
      },
    };
  }
  if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)) {
    return {
      result: {
        check: 'config',
        status: 'fail',
        line: `${file} holds ${Array.isArray(doc.value) ? 'a list' : describe(doc.value)}, not a JSON object`,
        fix: 'make it one object: {"app": "path/to/app.js", ...}',
      },
    };
  }
  return { result: { check: 'config', status: 'ok', line: `${file} parses` }, object: doc.value as Record<string, unknown>, numberText: doc.numberText };
}

/** Check "keys": every key is one the extension knows. */
export function checkKeys(object: Record<string, unknown>): CheckResult {
  const unknown = Object.keys(object).filter((k) => !CONFIG_KEY_NAMES.includes(k));
  if (unknown.length === 0) return { check: 'keys', status: 'ok', line: `all ${Object.keys(object).length} keys are known` };
  const fixes = unknown.map((k) => {
    const near = nearestKey(k);
    return near ? `rename "${k}" to "${near}"` : `remove "${k}"`;
  });
  return {
    check: 'keys',
    status: 'fail',
    line: `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}: the extension refuses the whole file (config_invalid)`,
    fix: `${fixes.join(', ')} (known: ${CONFIG_KEY_NAMES.join(', ')})`,
  };
}

/** A known key within two edits (or differing only in case) of `name`. */
function nearestKey(name: string): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const key of CONFIG_KEY_NAMES) {
    const d = key.toLowerCase() === name.toLowerCase() ? 0 : editDistance(key, name);
    if (d <= 2 && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Why `value` is not acceptable for `key` (what it must be), or undefined when it is. */
function valueProblem(key: ConfigKey, value: unknown, numberText: string | undefined): string | undefined {
  const name = `"${key.name}"`;
  switch (key.type) {
    case 'string':
    case 'path':
      if (typeof value !== 'string') return `${name} must be a string, not ${describe(value)}`;
      if (key.name === 'app' && value === '') return `${name} must name the app module (a .js/.mjs/.cjs file)`;
      if (key.name === 'nodePath' && value === '') return `${name} must name the Node executable`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${name} must be true or false, not ${describe(value)}`;
    case 'names': {
      const ok = Array.isArray(value) && value.every((e) => typeof e === 'string' && e !== '');
      return ok ? undefined : `${name} must be a list of names, e.g. ["HTTP_X_ORIGINAL_URL"], not ${describe(value)}`;
    }
    case 'choice':
      return typeof value === 'string' && key.values!.includes(value)
        ? undefined
        : `${name} must be ${key.values!.map((v) => `"${v}"`).join(' or ')}, not ${describe(value)}`;
    case 'integer': {
      // As nlohmann's is_number_unsigned: integer syntax, no sign, no fraction or exponent.
      const whole = typeof value === 'number' && numberText !== undefined && /^[0-9]+$/.test(numberText);
      if (!whole || BigInt(numberText) < key.min! || BigInt(numberText) > key.max!) {
        return `${name} must be a whole number from ${key.min} to ${key.max}, not ${numberText ?? describe(value)}`;
      }
      return undefined;
    }
  }
}

export interface CheckedValues {
  result: CheckResult;
  /** The values that are acceptable (the others left out: their defaults apply). */
  valid: Record<string, unknown>;
}

/** What to write instead of a bad value of `key`. */
function valueFix(key: ConfigKey): string {
  if (key.name === 'app') return 'write "app": "path/to/app.js" (relative to the configuration\'s folder)';
  if (key.default === undefined) return `make "${key.name}" a string, or remove it`;
  return `write "${key.name}": ${JSON.stringify(key.default)} (the default), or remove it`;
}

/** Check "values": every known key's value has its type and is in range; "app" is there. */
export function checkValues(object: Record<string, unknown>, numberText: Map<string, string>): CheckedValues {
  const problems: string[] = [];
  const fixes: string[] = [];
  const valid: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    if (!(key.name in object)) {
      if (key.required) {
        problems.push(`"${key.name}" is missing: it must name the app module (a .js/.mjs/.cjs file)`);
        fixes.push(valueFix(key));
      }
      continue;
    }
    const problem = valueProblem(key, object[key.name], numberText.get(key.name));
    if (problem) {
      problems.push(problem);
      fixes.push(valueFix(key));
    } else {
      valid[key.name] = object[key.name];
    }
  }
  if (problems.length === 0) return { result: { check: 'values', status: 'ok', line: 'every value has its type and is in range' }, valid };
  return {
    result: { check: 'values', status: 'fail', line: `${problems.join('; ')}: the extension refuses the whole file (config_invalid)`, fix: fixes.join('; ') },
    valid,
  };
}

/** config.cc's is_absolute: a leading slash or backslash, or a drive letter. */
export function isAbsoluteConfigPath(p: string): boolean {
  return (p.length > 0 && (p[0] === '/' || p[0] === '\\')) || (p.length > 2 && p[1] === ':');
}

/** A path from the configuration, relative to its folder unless absolute (config.cc's resolve). */
export function resolveConfigPath(dir: string, p: string): string {
  return p === '' || isAbsoluteConfigPath(p) ? p : join(dir, p);
}

/**
 * The configuration the extension would run with, from the acceptable values: defaults for the
 * rest, paths resolved against the file's folder, ISAPI_NODE_LIBNODE over "libnode".
 */
export function resolveConfig(file: string, valid: Record<string, unknown>, ownRoot: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): ResolvedConfig {
  const dir = dirname(file);
  const text = (key: string, dflt: string) => (typeof valid[key] === 'string' ? (valid[key] as string) : dflt);
  // Without "trace", the extension writes to stderr, or on Windows (where w3wp.exe's stderr goes
  // nowhere) to isapi_node.log beside the configuration (platform::default_trace).
  const trace = text('trace', platform === 'win32' ? TRACE_FILE : 'stderr');
  const nodePath = text('nodePath', 'node');
  const packageRoot = text('packageRoot', '');
  const config: ResolvedConfig = {
    app: resolveConfigPath(dir, text('app', '')),
    export: text('export', ''),
    hostingModel: text('hostingModel', 'inprocess') === 'outofprocess' ? 'outofprocess' : 'inprocess',
    trace: trace === 'stderr' ? trace : resolveConfigPath(dir, trace),
    nodePath: /[/\\]/.test(nodePath) ? resolveConfigPath(dir, nodePath) : nodePath,
    packageRoot: packageRoot ? resolveConfigPath(dir, packageRoot) : ownRoot,
    packageRootNamed: packageRoot !== '',
    startTimeoutMs: typeof valid.startTimeoutMs === 'number' ? valid.startTimeoutMs : 30_000,
    maxRequestBodyBytes: typeof valid.maxRequestBodyBytes === 'number' ? valid.maxRequestBodyBytes : DEFAULT_MAX_REQUEST_BODY_BYTES,
  };
  if (env.ISAPI_NODE_LIBNODE) {
    config.libnode = env.ISAPI_NODE_LIBNODE;
    config.libnodeNamedBy = 'the ISAPI_NODE_LIBNODE environment variable';
  } else if (text('libnode', '')) {
    config.libnode = resolveConfigPath(dir, text('libnode', ''));
    config.libnodeNamedBy = `"libnode" in ${file}`;
  }
  return config;
}

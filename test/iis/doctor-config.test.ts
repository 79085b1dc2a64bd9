// `isapi-node doctor`, the configuration's checks: the file parses as the extension parses it,
// only known keys, values in range, and the TypeScript list of keys against the extension's C++ one.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, CONFIG_KEY_NAMES } from '../../lib/iis/config-keys.js';
import { formatResult, prepareDoctor, runDoctor } from '../../lib/iis/doctor/index.js';
import { CONFIG_FILE } from '../../lib/iis/names.js';
import { projectRoot } from '../support/build.js';
import { app, folder, prepare, result } from './fixtures/doctor/support.js';

describe('check "config": the file parses as the extension parses it', () => {
  it('accepts // and /* */ comments, and leaves // inside a string alone', () => {
    const { file, results } = prepare(`{
  // the app, relative to this file
  "app": "${app}", /* the default export */
  "serverVariables": ["HTTP_X_URL//not-a-comment"]
}`);
    expect(result(results, 'config')).toEqual({ check: 'config', status: 'ok', line: `${file} parses` });
    expect(result(results, 'values')!.status).toBe('ok');
  });

  it('fails a missing file, saying what to create', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isapi-doctor-'));
    const file = join(dir, CONFIG_FILE);
    const { results, ctx } = prepareDoctor({ configFile: file, env: {} });
    expect(ctx).toBeUndefined();
    expect(results).toEqual([
      {
        check: 'config',
        status: 'fail',
        line: `cannot read ${file} (ENOENT)`,
        fix: 'create it beside isapi_node.dll (or point --config or ISAPI_NODE_CONFIG at one) with at least {"app": "path/to/app.js"}',
      },
    ]);
  });

  it('fails a trailing comma, with its line and column', () => {
    const { file, results } = prepare(`{\n  "app": "app.js",\n}\n`);
    expect(results).toEqual([
      {
        check: 'config',
        status: 'fail',
        line: `${file} is not valid JSON: a trailing ',' before '}' at line 3, column 1`,
        fix: 'correct it there (comments // and /* */ are allowed; trailing commas and single quotes are not)',
      },
    ]);
  });

  it('fails a comment that is not closed', () => {
    const { file, results } = prepare(`{ "app": "app.js" } /* the end`);
    expect(results[0].line).toBe(`${file} is not valid JSON: a /* comment is not closed at line 1, column 21`);
    expect(results[0].fix).toContain('correct it there');
  });

  it('fails a single backslash in a Windows path, saying how to write it', () => {
    const { file, results } = prepare(`{ "app": "C:\\inetpub\\app.js" }`);
    expect(results[0].line).toBe(`${file} is not valid JSON: an invalid escape '\\i' in a string (a Windows path needs \\\\ or /) at line 1, column 13`);
  });

  it('fails a document that is not an object', () => {
    const { file, results } = prepare(`["app.js"]`);
    expect(results[0]).toEqual({ check: 'config', status: 'fail', line: `${file} holds a list, not a JSON object`, fix: 'make it one object: {"app": "path/to/app.js", ...}' });
  });

  it('skips the other checks when it fails', async () => {
    const { file } = folder('not json');
    const results = await runDoctor({ configFile: file, env: {} });
    expect(results.map((r) => r.status)).toEqual(['fail', 'skip']);
    expect(formatResult(results[1])).toBe('skip rest: the other checks need a configuration that parses');
  });
});

describe('check "keys": only keys the extension knows', () => {
  it('passes known keys', () => {
    const { results } = prepare({ app, workers: 2 });
    expect(result(results, 'keys')).toEqual({ check: 'keys', status: 'ok', line: 'all 2 keys are known' });
  });

  it('fails a misspelt key, naming the one meant', () => {
    const { results } = prepare({ app, wokers: 2, HostingModel: 'outofprocess', colour: 'blue' });
    const keys = result(results, 'keys')!;
    expect(keys.status).toBe('fail');
    expect(keys.line).toBe('unknown keys "wokers", "HostingModel", "colour": the extension refuses the whole file (config_invalid)');
    expect(keys.fix).toBe(`rename "wokers" to "workers", rename "HostingModel" to "hostingModel", remove "colour" (known: ${CONFIG_KEY_NAMES.join(', ')})`);
    expect(formatResult(keys)).toMatch(/^FAIL keys: unknown keys .* -- fix: rename "wokers" to "workers", /);
  });
});

describe('check "values": types and ranges as config.cc has them', () => {
  it('passes good values', () => {
    const { results } = prepare({ app, workers: 64, maxRequestBodyBytes: 2 ** 53 - 1, traceMaxBytes: 0, validate: true, serverVariables: ['HTTP_X'] });
    expect(result(results, 'values')).toEqual({ check: 'values', status: 'ok', line: 'every value has its type and is in range' });
  });

  const refusal = ': the extension refuses the whole file (config_invalid)';
  it.each([
    [{ workers: 0 }, '"workers" must be a whole number from 1 to 64, not 0', 'write "workers": 1 (the default), or remove it'],
    [{ workers: 65 }, '"workers" must be a whole number from 1 to 64, not 65', 'write "workers": 1 (the default), or remove it'],
    [{ startTimeoutMs: '30.0' }, '"startTimeoutMs" must be a whole number from 100 to 3600000, not 30.0', 'write "startTimeoutMs": 30000 (the default), or remove it'],
    [{ hangTimeoutMs: '-1' }, '"hangTimeoutMs" must be a whole number from 0 to 86400000, not -1', 'write "hangTimeoutMs": 30000 (the default), or remove it'],
    [{ requestTimeoutMs: '"120000"' }, '"requestTimeoutMs" must be a whole number from 0 to 86400000, not "120000"', 'write "requestTimeoutMs": 120000 (the default), or remove it'],
    [{ traceMaxBytes: '1e3' }, '"traceMaxBytes" must be a whole number from 0 to 1099511627776, not 1e3', 'write "traceMaxBytes": 67108864 (the default), or remove it'],
    [{ maxRequestBodyBytes: '9007199254740992' }, '"maxRequestBodyBytes" must be a whole number from 0 to 9007199254740991, not 9007199254740992', 'write "maxRequestBodyBytes": 30000000 (the default), or remove it'],
    [{ validate: '"yes"' }, '"validate" must be true or false, not "yes"', 'write "validate": false (the default), or remove it'],
    [{ hostingModel: '"out-of-process"' }, '"hostingModel" must be "inprocess" or "outofprocess", not "out-of-process"', 'write "hostingModel": "inprocess" (the default), or remove it'],
    [{ serverVariables: '"HTTP_X"' }, '"serverVariables" must be a list of names, e.g. ["HTTP_X_ORIGINAL_URL"], not "HTTP_X"', 'write "serverVariables": [] (the default), or remove it'],
    [{ nodePath: '""' }, '"nodePath" must name the Node executable', 'write "nodePath": "node" (the default), or remove it'],
    [{ packageRoot: '42' }, '"packageRoot" must be a string, not 42', 'make "packageRoot" a string, or remove it'],
  ])('fails %o', (raw, line, fix) => {
    const members = Object.entries(raw).map(([k, v]) => `"${k}": ${v}`);
    const { results } = prepare(`{ "app": ${JSON.stringify(app)}, ${members.join(', ')} }`);
    expect(result(results, 'values')).toEqual({ check: 'values', status: 'fail', line: line + refusal, fix });
  });

  it('fails a configuration without "app", and lists every bad value at once', () => {
    const { results } = prepare({ workers: 0 });
    expect(result(results, 'values')).toEqual({
      check: 'values',
      status: 'fail',
      line: `"app" is missing: it must name the app module (a .js/.mjs/.cjs file); "workers" must be a whole number from 1 to 64, not 0${refusal}`,
      fix: `write "app": "path/to/app.js" (relative to the configuration's folder); write "workers": 1 (the default), or remove it`,
    });
  });
});

describe('the TypeScript list of keys and the extension\'s (native/extension/config.cc, config.h)', () => {
  const cc = readFileSync(join(projectRoot, 'native', 'extension', 'config.cc'), 'utf8');
  const h = readFileSync(join(projectRoot, 'native', 'extension', 'config.h'), 'utf8');
  const constants = new Map([...cc.matchAll(/constexpr unsigned (\w+) = (\d+);/g)].map((m) => [m[1], m[2]]));
  /** A C++ integer expression of config.cc/config.h: literals with suffixes, <<, -, parentheses, the constants. */
  const evaluate = (expr: string): bigint => {
    const js = expr
      .replace(/\b[A-Za-z_]\w*\b/g, (name) => constants.get(name) ?? name)
      .replace(/\b(\d+)(?:ull|ul|u|ll|l)?\b/gi, '$1n');
    if (!/^[\dn\s<()-]+$/.test(js)) throw new Error(`cannot evaluate ${expr}`);
    return new Function(`return (${js});`)() as bigint;
  };

  it('has the same keys as kKnownKeys', () => {
    const known = /kKnownKeys\[\]\s*=\s*\{([^}]*)\}/.exec(cc)![1].match(/"[^"]+"/g)!.map((s) => s.slice(1, -1));
    expect([...CONFIG_KEY_NAMES].sort()).toEqual([...known].sort());
  });

  it('has the type, range and default parse_config and ExtensionConfig give each key', () => {
    const reads = [...cc.matchAll(/fields\.(text|path|number|flag|texts)\("(\w+)", (?:c\.)?(\w+)(?:, ([^,]+), (.+))?\);$/gm)];
    const seen = new Set<string>();
    for (const [, kind, name, member, min, max] of reads) {
      seen.add(name);
      const key = CONFIG_KEYS.find((k) => k.name === name);
      expect(key, name).toBeDefined();
      const expectedType = { text: ['string', 'choice'], path: ['path'], number: ['integer'], flag: ['boolean'], texts: ['names'] }[kind]!;
      expect(expectedType, name).toContain(key!.type);
      const declared = new RegExp(`\\b${member} = ([^;]+);`).exec(h)?.[1];
      if (kind === 'number') {
        expect([key!.min, key!.max], name).toEqual([evaluate(min), evaluate(max)]);
        expect(BigInt(key!.default as number), name).toBe(evaluate(declared!));
      } else if (kind === 'flag') {
        expect(String(key!.default), name).toBe(declared);
      } else if (kind === 'text' && declared) {
        expect(JSON.stringify(key!.default), name).toBe(declared);
      }
    }
    // Every key is read somewhere.
    expect([...seen].sort()).toEqual([...CONFIG_KEY_NAMES].sort());
  });
});

// `isapi-node doctor`: one test per check and outcome, each asserting the exact line and that the
// fix is named; the TypeScript list of configuration keys against the extension's C++ one; and the
// command end to end (dist/cli/main.js, built by `npm run build:ts`) on a healthy and a broken
// setup. The IIS checks run with platform "win32" against small PE heads: nothing here needs IIS.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, CONFIG_KEY_NAMES } from '../../lib/iis/config-keys.js';
import { checkApp } from '../../lib/iis/doctor/app.js';
import { checkBitness } from '../../lib/iis/doctor/bitness.js';
import { checkHandler, checkLimits } from '../../lib/iis/doctor/handler.js';
import { checkBootstrap, checkLibnode, checkRuntime } from '../../lib/iis/doctor/inprocess.js';
import { formatResult, prepareDoctor, runDoctor, type CheckResult, type DoctorContext, type DoctorOptions } from '../../lib/iis/doctor/index.js';
import { checkNode, checkWorker } from '../../lib/iis/doctor/outofprocess.js';
import { checkTrace } from '../../lib/iis/doctor/trace.js';
import { CONFIG_FILE } from '../../lib/iis/names.js';
import { projectRoot } from '../support/build.js';
import { peHead } from './fixtures/libnode/pe.js';

const fixtures = join(projectRoot, 'test', 'iis', 'fixtures', 'doctor');
const fx = (name: string) => join(fixtures, name);
const cli = join(projectRoot, 'dist', 'cli', 'main.js');

beforeAll(() => {
  // (A checkout may lose the executable bit.)
  chmodSync(fx('node-16'), 0o755);
  chmodSync(fx('not-node'), 0o755);
});

type Files = Record<string, string | Buffer>;

/** A folder with a configuration (an object, or raw text) and other files (given its path). */
function folder(config: Record<string, unknown> | string, files: (dir: string) => Files = () => ({})) {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-doctor-'));
  const file = join(dir, CONFIG_FILE);
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  for (const [name, data] of Object.entries(files(dir))) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return { dir, file };
}

/** The configuration checks' results and the context of the others. */
function prepare(config: Record<string, unknown> | string, files?: (dir: string) => Files, options: Partial<DoctorOptions> = {}) {
  const { dir, file } = folder(config, files);
  const { results, ctx } = prepareDoctor({ configFile: file, env: { PATH: process.env.PATH }, packageRoot: projectRoot, platform: 'linux', ...options });
  return { dir, file, results, ctx: ctx as DoctorContext };
}

const result = (results: CheckResult[], check: string) => results.find((r) => r.check === check);

/** A web.config with the handler mapping (or `handler`) and more of system.webServer. */
function webConfig(handler: string, extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      ${handler}
    </handlers>
    ${extra}
  </system.webServer>
</configuration>
`;
}
const mapping = (dll: string, attrs = 'modules="IsapiModule"') => `<add name="isapi-node" path="*" verb="*" ${attrs} scriptProcessor="${dll}" resourceType="Unspecified" />`;
const limit = (n: string) => `<security><requestFiltering><requestLimits maxAllowedContentLength="${n}" /></requestFiltering></security>`;

const app = fx('good.app.mjs');

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

describe('check "app": the app module exists and loads', () => {
  it('passes an app whose default export is an app function', async () => {
    const { ctx } = prepare({ app });
    expect(await checkApp(ctx)).toEqual({ check: 'app', status: 'ok', line: `${app} loads; the default export is an app function` });
  });

  it('passes a CommonJS app with "export" naming its export', async () => {
    const { ctx } = prepare({ app: fx('named.app.mjs'), export: 'handler' });
    expect((await checkApp(ctx)).line).toBe(`${fx('named.app.mjs')} loads; export "handler" is an app function`);
  });

  it('fails app_not_found, relative to the configuration', async () => {
    const { dir, file, ctx } = prepare({ app: 'dist/app.js' });
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'fail',
      line: `app_not_found: the app module ${join(dir, 'dist', 'app.js')} does not exist`,
      fix: `correct "app" in ${file} (a relative path is relative to its folder); compile TypeScript to JavaScript first`,
    });
  });

  it('fails app_failed with the first line of what loading threw', async () => {
    const { ctx } = prepare({ app: fx('throws.app.mjs') });
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'fail',
      line: `app_failed: loading the app module ${fx('throws.app.mjs')} threw: Error: DATABASE_URL is not set`,
      fix: `run "node ${fx('throws.app.mjs')}" to see the whole error; the module must load without IIS`,
    });
  });

  it('fails a missing export, saying to set "export"', async () => {
    const { file, ctx } = prepare({ app: fx('named.app.mjs') });
    const r = await checkApp(ctx);
    expect(r.line).toBe(`app_failed: the app module ${fx('named.app.mjs')} has no export "default" (it exports: handler); set "export" in the configuration`);
    expect(r.fix).toBe(`set "export" in ${file} to the export that is the app`);
  });

  it('fails an export that is not a function', async () => {
    const { ctx } = prepare({ app: fx('not-function.app.mjs') });
    const r = await checkApp(ctx);
    expect(r.line).toBe(`app_failed: export "default" of ${fx('not-function.app.mjs')} is an object, not an app function (environ, startResponse) => body`);
    expect(r.fix).toBe('make the default export the app function (environ, startResponse) => body (wrap an Express or Node listener with fromNodeListener)');
  });

  it('fails an app still loading after "startTimeoutMs", without waiting for it', async () => {
    const { ctx } = prepare({ app: fx('hangs.app.mjs'), startTimeoutMs: 500 });
    const started = Date.now();
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'fail',
      line: `app_failed: loading ${fx('hangs.app.mjs')} did not finish within 500 ms ("startTimeoutMs")`,
      fix: 'make the module load without waiting at its top level (start work on the first request), or raise "startTimeoutMs"',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails an app that ends the process while loading, with what it said', async () => {
    const { ctx } = prepare({ app: fx('exits.app.mjs') });
    const r = await checkApp(ctx);
    expect(r.line).toBe(`app_failed: ${fx('exits.app.mjs')}: loading it ended the process (exit code 3): cannot start: no config`);
    expect(r.fix).toContain(`run "node ${fx('exits.app.mjs')}"`);
  });

  it('warns when the package is not built, so it cannot load the app', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'isapi-doctor-root-'));
    const { ctx } = prepare({ app }, undefined, { packageRoot: empty });
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'warn',
      line: `cannot load the app to check it: ${join(empty, 'dist', 'runtime', 'load-app.js')} is missing`,
      fix: 'build the package (npm run build:ts)',
    });
  });
});

describe('check "node" (out of process): nodePath exists and is Node 18 or later', () => {
  it('passes the Node running the tests', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: process.execPath });
    expect(checkNode(ctx)).toEqual({ check: 'node', status: 'ok', line: `${process.execPath} is Node ${process.version}` });
  });

  it('finds a bare name in PATH', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess' }, undefined, { env: { PATH: dirname(process.execPath) } });
    expect(checkNode(ctx).line).toBe(`${join(dirname(process.execPath), 'node')} is Node ${process.version}`);
  });

  it('fails node_not_found for a name in no folder of PATH', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: 'node-nowhere' });
    expect(checkNode(ctx)).toEqual({
      check: 'node',
      status: 'fail',
      line: 'node_not_found: "node-nowhere" is not in any folder of PATH',
      fix: 'install Node 18 or later, or set "nodePath" to node\'s full path',
    });
  });

  it('fails node_not_found for a path that does not exist, relative to the configuration; on Windows it names iisreset', () => {
    const { dir, ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: 'bin/node.exe' }, undefined, { platform: 'win32' });
    const r = checkNode(ctx);
    expect(r.line).toBe(`node_not_found: ${join(dir, 'bin', 'node.exe')} ("nodePath") does not exist`);
    expect(r.fix).toBe('install Node 18 or later for all users and restart IIS (iisreset) so the pool sees the new PATH, or set "nodePath" to node.exe\'s full path');
  });

  it('fails node_too_old for Node 16', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: fx('node-16') });
    expect(checkNode(ctx)).toEqual({
      check: 'node',
      status: 'fail',
      line: `node_too_old: ${fx('node-16')} is Node v16.20.2; out of process needs Node 18 or later`,
      fix: 'install Node 18 or later, or set "nodePath" to a newer node',
    });
  });

  it('fails an executable that is not Node', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: fx('not-node') });
    expect(checkNode(ctx)).toEqual({
      check: 'node',
      status: 'fail',
      line: `${fx('not-node')} --version did not answer as Node does (it printed "hello")`,
      fix: 'set "nodePath" to a Node executable (18 or later)',
    });
  });
});

describe('checks "worker" and "bootstrap": the package\'s JavaScript under packageRoot', () => {
  it('passes this package\'s dist/worker/main.js and dist/runtime/bootstrap.cjs', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess' });
    expect(checkWorker(ctx)).toEqual({ check: 'worker', status: 'ok', line: `${join(projectRoot, 'dist', 'worker', 'main.js')} exists` });
    expect(checkBootstrap(ctx)).toEqual({ check: 'bootstrap', status: 'ok', line: `${join(projectRoot, 'dist', 'runtime', 'bootstrap.cjs')} exists` });
  });

  it('fails worker_missing under a "packageRoot" without dist/', () => {
    const { dir, file, ctx } = prepare({ app, hostingModel: 'outofprocess', packageRoot: 'pkg' });
    expect(checkWorker(ctx)).toEqual({
      check: 'worker',
      status: 'fail',
      line: `worker_missing: ${join(dir, 'pkg', 'dist', 'worker', 'main.js')} does not exist`,
      fix: `set "packageRoot" in ${file} to the isapi-node package's folder (the one holding dist/), or build it there (npm run build)`,
    });
  });

  it('fails bootstrap_missing in a package that is not built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'isapi-doctor-root-'));
    const { file, ctx } = prepare({ app }, undefined, { packageRoot: empty });
    expect(checkBootstrap(ctx)).toEqual({
      check: 'bootstrap',
      status: 'fail',
      line: `bootstrap_missing: ${join(empty, 'dist', 'runtime', 'bootstrap.cjs')} does not exist`,
      fix: `build the package (npm run build), or set "packageRoot" in ${file} to the isapi-node package's folder`,
    });
  });
});

describe('check "runtime" (in process, Windows): isapi_node_inproc.dll beside the extension', () => {
  it('passes an x64 runtime beside an x64 extension', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'isapi_node_inproc.dll': peHead('x64') }), { platform: 'win32' });
    expect(checkRuntime(ctx)).toEqual({ check: 'runtime', status: 'ok', line: 'isapi_node_inproc.dll is x64 (64-bit), beside isapi_node.dll' });
  });

  it('fails a missing runtime', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkRuntime(ctx)).toEqual({
      check: 'runtime',
      status: 'fail',
      line: `runtime_failed: isapi_node_inproc.dll is not in ${dir}`,
      fix: 'put the x86 isapi_node_inproc.dll (an MSVC build; isapi-node iis-install --hosting-model inprocess copies it from a package that has one) beside the extension, or set "hostingModel": "outofprocess" to run your own node instead',
    });
  });

  it('fails a runtime of the other bitness', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'isapi_node_inproc.dll': peHead('x86') }), { platform: 'win32' });
    const r = checkRuntime(ctx)!;
    expect(r.line).toBe('isapi_node_inproc.dll is x86 (32-bit), but isapi_node.dll is x64 (64-bit): it cannot load it');
    expect(r.fix).toContain('put the x64 isapi_node_inproc.dll');
  });

  it('is not a check off Windows', () => {
    const { ctx } = prepare({ app });
    expect(checkRuntime(ctx)).toBeNull();
  });
});

describe('check "libnode" (in process)', () => {
  it('Windows: passes libnode.dll of the extension\'s bitness beside it', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'libnode.dll': peHead('x64') }), { platform: 'win32' });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'ok',
      line: 'libnode.dll beside isapi_node.dll is x64 (64-bit); its Node version is checked when the runtime loads it',
    });
  });

  it('Windows: fails libnode_missing, naming the command that installs it', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'fail',
      line: `libnode_missing: libnode.dll is not in ${dir}`,
      fix: `run isapi-node libnode install --arch x86 --dest "${dir}" (NuGet's Microsoft.JavaScript.LibNode.win-x86), or set "hostingModel": "outofprocess" to run your own node instead`,
    });
  });

  it('Windows: fails a libnode.dll of the other bitness', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'libnode.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'fail',
      line: 'libnode.dll is x86 (32-bit), but isapi_node.dll is x64 (64-bit): it cannot load it',
      fix: `run isapi-node libnode install --arch x64 --dest "${dir}" --force`,
    });
  });

  it('Windows: fails a "libnode" the configuration names that does not exist', () => {
    const { dir, file, ctx } = prepare({ app, libnode: 'node\\libnode.dll' }, () => ({ 'isapi_node.dll': peHead('x64') }), { platform: 'win32' });
    const r = checkLibnode(ctx);
    expect(r.line).toBe(`libnode_missing: ${join(dir, 'node\\libnode.dll')}, named by "libnode" in ${file}, does not exist`);
    expect(r.fix).toBe(`name an existing libnode.dll there, or remove the name and run isapi-node libnode install --arch x64 --dest "${dir}"`);
  });

  const runtimeBuilt = existsSync(join(projectRoot, 'build', 'Release', 'isapi_node_inproc.so'));
  const systemLibnode = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib', '/usr/local/lib'].some((d) => existsSync(d) && readdirSync(d).some((n) => n.startsWith('libnode.so.')));

  it.skipIf(!runtimeBuilt)('Linux: passes the libnode this checkout\'s runtime needs, found through its RUNPATH', () => {
    const { ctx } = prepare({ app });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'ok',
      line: `libnode.so.108 (needed by isapi_node_inproc.so) is in ${join(projectRoot, 'deps', 'libnode', 'usr', 'lib', 'x86_64-linux-gnu')}`,
    });
  });

  it.skipIf(!runtimeBuilt || systemLibnode)('Linux: fails libnode_missing when no folder the loader searches has it', () => {
    // The runtime copied beside the configuration: its RUNPATH ($ORIGIN/../../deps/…) leads nowhere there.
    const { ctx } = prepare({ app }, () => ({}));
    copyFileSync(join(projectRoot, 'build', 'Release', 'isapi_node_inproc.so'), join(ctx.dir, 'isapi_node_inproc.so'));
    const r = checkLibnode(ctx);
    expect(r.status).toBe('fail');
    expect(r.line).toMatch(new RegExp(`^libnode_missing: libnode\\.so\\.108, which ${join(ctx.dir, 'isapi_node_inproc.so').replace(/[.]/g, '\\.')} needs, is in none of the \\d+ library folders the loader searches$`));
    expect(r.fix).toBe(
      'install Debian\'s libnode108 package, or name libnode.so.108 with "libnode" in the configuration or ISAPI_NODE_LIBNODE; in a checkout, npm run setup unpacks it into deps/; or set "hostingModel": "outofprocess" to run your own node instead',
    );
  });

  it.skipIf(!runtimeBuilt)('Linux: passes the libnode ISAPI_NODE_LIBNODE names', () => {
    const lib = join(projectRoot, 'deps', 'libnode', 'usr', 'lib', 'x86_64-linux-gnu', 'libnode.so.108');
    const { ctx } = prepare({ app }, undefined, { env: { ISAPI_NODE_LIBNODE: lib } });
    expect(checkLibnode(ctx)).toEqual({ check: 'libnode', status: 'ok', line: `${lib} (named by the ISAPI_NODE_LIBNODE environment variable), for libnode.so.108` });
  });

  it.skipIf(!runtimeBuilt)('Linux: fails a "libnode" of another major version than the runtime needs', () => {
    const { dir, file, ctx } = prepare({ app, libnode: 'libnode.so.115' }, () => ({ 'libnode.so.115': '' }));
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'fail',
      line: `libnode_missing: "libnode" in ${file} names libnode.so.115, but the in-process runtime needs libnode.so.108`,
      fix: 'name libnode.so.108 instead, or build the runtime against libnode.so.115 (npx isapi-node build)',
    });
    expect(dir).toBeTruthy();
  });

  it('Linux: fails a "libnode" that does not exist', () => {
    const { dir, file, ctx } = prepare({ app, libnode: 'lib/libnode.so.108' });
    const r = checkLibnode(ctx);
    expect(r.line).toBe(`libnode_missing: ${join(dir, 'lib', 'libnode.so.108')}, named by "libnode" in ${file}, does not exist`);
    expect(r.fix).toMatch(/^install Debian's libnode\d+ package, or name /);
  });
});

describe('check "bitness": isapi_node.dll against the application pool', () => {
  it('passes a 64-bit DLL in a 64-bit pool', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64') }), { platform: 'win32', bitness: 64 });
    expect(checkBitness(ctx)).toEqual({ check: 'bitness', status: 'ok', line: 'isapi_node.dll is x64 (64-bit), as the 64-bit application pool' });
  });

  it('says which pool a DLL needs without --bitness', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'ok',
      line: 'isapi_node.dll is x86 (32-bit): it needs a 32-bit pool (enable32BitAppOnWin64 true); pass --bitness 32|64 to compare with the pool\'s',
    });
  });

  it('fails a 32-bit DLL in a 64-bit pool, with both ways out', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32', bitness: 64, pool: 'shop' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'fail',
      line: 'isapi_node.dll is x86 (32-bit), but the application pool is 64-bit: IIS cannot load it',
      fix: 'set enable32BitAppOnWin64 to true on the pool (%windir%\\system32\\inetsrv\\appcmd set apppool "shop" /enable32BitAppOnWin64:true), or use the x64 isapi_node.dll (isapi-node iis-install picks the pool\'s)',
    });
  });

  it('fails a 64-bit DLL in a 32-bit pool', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64') }), { platform: 'win32', bitness: 32 });
    const r = checkBitness(ctx);
    expect(r.line).toBe('isapi_node.dll is x64 (64-bit), but the application pool is 32-bit: IIS cannot load it');
    expect(r.fix).toBe(
      'set enable32BitAppOnWin64 to false on the pool (%windir%\\system32\\inetsrv\\appcmd set apppool "<pool name>" /enable32BitAppOnWin64:false), or use the x86 isapi_node.dll (isapi-node iis-install picks the pool\'s)',
    );
  });

  it('fails a file that is not a DLL', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': 'not a dll' }), { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'fail',
      line: `${join(dir, 'isapi_node.dll')} is not a Windows DLL (no MZ header)`,
      fix: 'replace it with the package\'s isapi_node.dll (run "isapi-node iis-install")',
    });
  });

  it('fails an arm64 DLL', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('arm64') }), { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({ check: 'bitness', status: 'fail', line: 'isapi_node.dll is arm64 (64-bit): IIS pools load x64 or x86 DLLs', fix: 'use the package\'s x64 isapi_node.dll' });
  });

  it('warns on Windows when no DLL is beside the configuration', () => {
    const { dir, ctx } = prepare({ app }, undefined, { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'warn',
      line: `no isapi_node.dll in ${dir}: IIS reads the configuration beside the DLL it loads`,
      fix: 'run "isapi-node iis-install", or copy isapi_node.dll (x64 for a 64-bit pool, x86 for a 32-bit one) here',
    });
  });

  it('skips off Windows when there is no DLL (the test host\'s configuration)', () => {
    const { ctx } = prepare({ app });
    expect(checkBitness(ctx)).toEqual({ check: 'bitness', status: 'skip', line: 'no isapi_node.dll beside the configuration (not an IIS folder)' });
  });
});

describe('check "trace": the trace channel can be written', () => {
  it('passes a file that can be appended to, and leaves none behind', () => {
    const { dir, ctx } = prepare({ app, trace: 'isapi_node.log' });
    expect(checkTrace(ctx)).toEqual({ check: 'trace', status: 'ok', line: `${join(dir, 'isapi_node.log')} can be appended to` });
    expect(existsSync(join(dir, 'isapi_node.log'))).toBe(false);
  });

  it('on Windows, names the rights the pool identity needs', () => {
    const { dir, ctx } = prepare({ app, trace: 'isapi_node.log' }, undefined, { platform: 'win32', pool: 'shop' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'ok',
      line: `${join(dir, 'isapi_node.log')} can be appended to by ${userInfo().username}; the pool's identity needs Modify rights on its folder too: icacls "${dir}" /grant "IIS AppPool\\shop:(OI)(CI)M"`,
    });
  });

  it('fails a file that cannot be opened for appending, naming icacls on Windows', () => {
    // A folder in its place: EISDIR even for root, where permissions would not stop the test.
    const { dir, ctx } = prepare({ app, trace: 'logs' }, () => ({ 'logs/keep': '' }), { platform: 'win32' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'fail',
      line: `cannot open ${join(dir, 'logs')} for appending (EISDIR)`,
      fix: `give the pool's identity Modify rights on the folder: icacls "${dir}" /grant "IIS AppPool\\<pool name>:(OI)(CI)M"`,
    });
  });

  it('fails a trace file in a folder that does not exist', () => {
    const { dir, ctx } = prepare({ app, trace: 'logs/isapi_node.log' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'fail',
      line: `the folder of the trace file ${join(dir, 'logs', 'isapi_node.log')} does not exist`,
      fix: `create ${join(dir, 'logs')}, or set "trace" to a file in an existing folder`,
    });
  });

  it('passes stderr for isapi-host, warns about it under IIS', () => {
    expect(checkTrace(prepare({ app }).ctx)).toEqual({ check: 'trace', status: 'ok', line: 'stderr' });
    const { file, ctx } = prepare({ app, trace: 'stderr' }, undefined, { platform: 'win32' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'warn',
      line: '"trace" is stderr, which goes nowhere in IIS (w3wp.exe): startup failures and app errors are lost',
      fix: `set "trace": "isapi_node.log" in ${file}, or remove "trace" (that file is the default on Windows)`,
    });
  });

  it('checks isapi_node.log beside the configuration on Windows when there is no "trace" (the extension\'s default there)', () => {
    const { dir, ctx } = prepare({ app }, undefined, { platform: 'win32', pool: 'shop' });
    expect(checkTrace(ctx).line).toBe(
      `${join(dir, 'isapi_node.log')} can be appended to by ${userInfo().username}; the pool's identity needs Modify rights on its folder too: icacls "${dir}" /grant "IIS AppPool\\shop:(OI)(CI)M"`,
    );
  });
});

describe('check "handler": web.config maps requests to the DLL beside the configuration', () => {
  it('passes the mapping iis-install writes (with %VARIABLES% expanded)', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'web.config': webConfig(mapping('%SITE_DIR%/isapi_node.dll')), 'isapi_node.dll': peHead('x64') }), {
      platform: 'win32',
    });
    ctx.env.SITE_DIR = dir;
    expect(checkHandler(ctx)).toEqual({ check: 'handler', status: 'ok', line: `${join(dir, 'web.config')} maps path "*" to isapi_node.dll through IsapiModule` });
  });

  it('warns on Windows when there is no web.config', () => {
    const { dir, ctx } = prepare({ app }, undefined, { platform: 'win32' });
    expect(checkHandler(ctx)).toEqual({ check: 'handler', status: 'warn', line: `no web.config in ${dir}: IIS has no handler mapping to isapi_node.dll here`, fix: 'run "isapi-node iis-install"' });
  });

  it('skips off Windows when there is no web.config', () => {
    expect(checkHandler(prepare({ app }).ctx)).toEqual({ check: 'handler', status: 'skip', line: 'no web.config beside the configuration (isapi-host needs none)' });
  });

  it('fails a web.config that is not well-formed', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'web.config': '<configuration><system.webServer></configuration>' }), { platform: 'win32' });
    const r = checkHandler(ctx);
    expect(r.status).toBe('fail');
    expect(r.line).toMatch(new RegExp(`^${join(dir, 'web.config').replace(/[.]/g, '\\.')} is not a well-formed IIS configuration: .+`));
    expect(r.fix).toBe('correct it: IIS answers 500.19 to every request while it is broken');
  });

  it('fails a web.config without the handler, or with it removed again', () => {
    for (const handlers of ['<add name="other" path="*.aspx" verb="*" modules="IsapiModule" scriptProcessor="x.dll" />', `${mapping('x')}<remove name="isapi-node" />`, `${mapping('x')}<clear />`]) {
      const { dir, ctx } = prepare({ app }, () => ({ 'web.config': webConfig(handlers) }), { platform: 'win32' });
      expect(checkHandler(ctx)).toEqual({
        check: 'handler',
        status: 'fail',
        line: `${join(dir, 'web.config')} has no handler named "isapi-node" in system.webServer/handlers`,
        fix: 'run "isapi-node iis-install" to add it',
      });
    }
  });

  it('fails a handler through another module', () => {
    const { dir, ctx } = prepare({ app }, (d) => ({ 'web.config': webConfig(mapping(join(d, 'isapi_node.dll'), 'modules="CgiModule"')) }), { platform: 'win32' });
    expect(checkHandler(ctx)).toEqual({
      check: 'handler',
      status: 'fail',
      line: `the "isapi-node" handler in ${join(dir, 'web.config')} has modules="CgiModule", not "IsapiModule"`,
      fix: 'set modules="IsapiModule" (or run "isapi-node iis-install")',
    });
  });

  it('fails a handler whose scriptProcessor is another DLL', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'web.config': webConfig(mapping('C:\\old\\isapi_node.dll')) }), { platform: 'win32' });
    expect(checkHandler(ctx)).toEqual({
      check: 'handler',
      status: 'fail',
      line: `the "isapi-node" handler in ${join(dir, 'web.config')} has scriptProcessor="C:\\old\\isapi_node.dll", not the isapi_node.dll beside the configuration`,
      fix: `set scriptProcessor="${join(dir, 'isapi_node.dll')}" (or run "isapi-node iis-install")`,
    });
  });

  it('warns about resourceType="File": URLs that are not files get 404', () => {
    const { dir, ctx } = prepare(
      { app },
      (d) => ({ 'web.config': webConfig(mapping(join(d, 'isapi_node.dll')).replace('resourceType="Unspecified"', 'resourceType="File"')) }),
      { platform: 'win32' },
    );
    expect(checkHandler(ctx)).toEqual({
      check: 'handler',
      status: 'warn',
      line: `the "isapi-node" handler in ${join(dir, 'web.config')} has resourceType="File": IIS answers 404 to URLs that are not files or folders on disk`,
      fix: 'set resourceType="Unspecified" so every URL reaches the app',
    });
  });
});

describe('check "limits": IIS lets through the bodies the app takes', () => {
  const withLimit = (config: Record<string, unknown>, n?: string) =>
    prepare({ app, ...config }, (d) => ({ 'web.config': webConfig(mapping(join(d, 'isapi_node.dll')), n === undefined ? '' : limit(n)) }), { platform: 'win32' }).ctx;

  it('passes the defaults on both sides', () => {
    expect(checkLimits(withLimit({}))).toEqual({
      check: 'limits',
      status: 'ok',
      line: `IIS lets bodies up to 30000000 bytes through (IIS's default maxAllowedContentLength), the app takes up to 30000000 ("maxRequestBodyBytes")`,
    });
  });

  it('passes a raised IIS limit', () => {
    expect(checkLimits(withLimit({ maxRequestBodyBytes: 100_000_000 }, '104857600')).line).toBe(
      'IIS lets bodies up to 104857600 bytes through (maxAllowedContentLength in web.config), the app takes up to 100000000 ("maxRequestBodyBytes")',
    );
  });

  it('fails an app limit above IIS\'s: IIS would answer 404.13 first', () => {
    expect(checkLimits(withLimit({ maxRequestBodyBytes: 100_000_000 }))).toEqual({
      check: 'limits',
      status: 'fail',
      line: `IIS refuses bodies over 30000000 bytes (IIS's default maxAllowedContentLength) with 404.13 before the app's limit of 100000000 ("maxRequestBodyBytes") is reached`,
      fix: `set maxAllowedContentLength="100000000" in web.config's system.webServer/security/requestFiltering/requestLimits, or lower "maxRequestBodyBytes" to 30000000`,
    });
  });

  it('fails a lowered IIS limit', () => {
    const r = checkLimits(withLimit({}, '1048576'));
    expect(r.line).toBe('IIS refuses bodies over 1048576 bytes (maxAllowedContentLength in web.config) with 404.13 before the app\'s limit of 30000000 ("maxRequestBodyBytes") is reached');
    expect(r.fix).toContain('set maxAllowedContentLength="30000000"');
  });

  it('warns when the app has no limit but IIS has one', () => {
    expect(checkLimits(withLimit({ maxRequestBodyBytes: 0 }))).toEqual({
      check: 'limits',
      status: 'warn',
      line: `"maxRequestBodyBytes" is 0 (no limit), but IIS refuses bodies over 30000000 bytes (IIS's default maxAllowedContentLength) with 404.13`,
      fix: `raise maxAllowedContentLength in web.config's system.webServer/security/requestFiltering/requestLimits if larger bodies should reach the app`,
    });
  });

  it('fails a maxAllowedContentLength that is not a number', () => {
    expect(checkLimits(withLimit({}, '30MB'))).toEqual({
      check: 'limits',
      status: 'fail',
      line: 'maxAllowedContentLength="30MB" in web.config is not a whole number from 0 to 4294967295',
      fix: 'correct it: IIS answers 500.19 to every request while it is invalid',
    });
  });

  it('compares with IIS\'s default on Windows without web.config; skips elsewhere', () => {
    const win = prepare({ app, maxRequestBodyBytes: 50_000_000 }, undefined, { platform: 'win32' }).ctx;
    expect(checkLimits(win).status).toBe('fail');
    expect(checkLimits(prepare({ app }).ctx)).toEqual({ check: 'limits', status: 'skip', line: 'no web.config beside the configuration (isapi-host has no IIS body limit)' });
  });
});

describe('the runner on an IIS folder (platform "win32")', () => {
  it('runs the in-process and IIS checks in order, each with its status', async () => {
    const { file } = folder({ app, maxRequestBodyBytes: 50_000_000 }, (d) => ({
      'isapi_node.dll': peHead('x86'),
      'libnode.dll': peHead('x86'),
      'web.config': webConfig(mapping(join(d, 'isapi_node.dll'))),
    }));
    const results = await runDoctor({ configFile: file, platform: 'win32', bitness: 64, env: { PATH: process.env.PATH }, packageRoot: projectRoot });
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual([
      'ok config',
      'ok keys',
      'ok values',
      'ok app',
      'ok bootstrap',
      'fail runtime',
      'ok libnode',
      'fail bitness',
      'ok trace',
      'ok handler',
      'fail limits',
    ]);
  });
});

describe('isapi-node doctor (the command, from dist/)', () => {
  const doctor = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, 'doctor', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });

  it('exits 0 on a healthy setup (out of process, as isapi-node host writes it), one line per check', () => {
    const { dir, file } = folder({ app, hostingModel: 'outofprocess', nodePath: process.execPath, trace: 'isapi_node.log' });
    const r = doctor(['--config', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `isapi-node doctor: ${file}`,
      `ok   config: ${file} parses`,
      'ok   keys: all 4 keys are known',
      'ok   values: every value has its type and is in range',
      `ok   app: ${app} loads; the default export is an app function`,
      `ok   node: ${process.execPath} is Node ${process.version}`,
      `ok   worker: ${join(projectRoot, 'dist', 'worker', 'main.js')} exists`,
      'skip bitness: no isapi_node.dll beside the configuration (not an IIS folder)',
      `ok   trace: ${join(dir, 'isapi_node.log')} can be appended to`,
      'skip handler: no web.config beside the configuration (isapi-host needs none)',
      'skip limits: no web.config beside the configuration (isapi-host has no IIS body limit)',
      'no problems found (10 checks, 3 skipped)',
    ]);
  });

  it('finds the configuration through ISAPI_NODE_CONFIG', () => {
    const { file } = folder({ app, hostingModel: 'outofprocess', nodePath: process.execPath });
    const r = doctor([], { ISAPI_NODE_CONFIG: file });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`isapi-node doctor: ${file}`);
  });

  it('exits 1 on a broken setup, each FAIL line with its fix', () => {
    const { file } = folder({ app: 'missing.js', hostingModel: 'outofprocess', nodePath: fx('node-16'), workers: 0 });
    const r = doctor(['--config', file]);
    expect(r.status).toBe(1);
    const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL '));
    expect(fails.map((l) => l.split(':')[0])).toEqual(['FAIL values', 'FAIL app', 'FAIL node']);
    for (const line of fails) expect(line).toContain(' -- fix: ');
    expect(r.stdout).toContain(`FAIL node: node_too_old: ${fx('node-16')} is Node v16.20.2; out of process needs Node 18 or later -- fix: install Node 18 or later, or set "nodePath" to a newer node\n`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('3 failed (10 checks, 3 skipped): fix the FAIL lines above');
  });

  it('exits 2 on bad usage', () => {
    const r = doctor(['--bitness', '48']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: --bitness must be 32 or 64 (the application pool\'s), got "48"\n');
  });
});

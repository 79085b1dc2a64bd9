// `npm run wine-host`: the Windows test host (build/win64/isapi-host.exe) under Wine, with Linux
// paths turned into Windows ones (Wine's Z: drive is /). SIGTERM or SIGINT stops it as SIGTERM
// stops the Linux host: a Unix signal does not reach a Windows program, so its standard input is
// closed (--stop-on-stdin-close) and the script waits for it and for Wine's own server to end.
//
//   npm run wine-host -- (--extension DLL | --app MODULE) [--port 8080] [--strict] [--stats-file F]
//                        [--auth-user U] [--trace FILE]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WINE = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';

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

async function main() {
  const { values } = parseArgs({
    options: {
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
  const env = {};
  let extension = values.extension;
  if (values.app) {
    // The extension reads ISAPI_NODE_CONFIG: a configuration for the app in a private folder.
    const dir = mkdtempSync(join(tmpdir(), 'isapi-wine-'));
    const config = join(dir, 'isapi_node.json');
    writeFileSync(config, JSON.stringify({ app: windowsPath(values.app), packageRoot: windowsPath(root), trace: values.trace ? windowsPath(values.trace) : 'stderr' }, null, 2));
    env.ISAPI_NODE_CONFIG = windowsPath(config);
    extension = join(root, 'build/win64/isapi_node.dll');
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

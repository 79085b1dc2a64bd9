// `isapi-node host`: runs an app through the real path on this machine, HTTP client → isapi-host
// (the IIS stand-in) → isapi_node extension → embedded Node → the app. Writes the extension's
// configuration to a private folder and points the extension at it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { appModule, appOptions, portNumber } from './app-options.js';
import { CliError } from './errors.js';
import { hostingConfig, hostingParseOptions, hostingUsage } from './hosting-options.js';
import { limitConfig, limitParseOptions, limitUsage } from './limit-options.js';
import { checkLibnodeOverride, findBinaries } from './binaries.js';
import { versionReport } from './version.js';

export const hostUsage = `Usage: isapi-node host --app MODULE [options]

Serves MODULE's app through isapi-host and the isapi_node extension, as IIS would.

  --app MODULE          the app module (.js/.mjs/.cjs; compile TypeScript first)
  --export NAME         the export to serve (default: the default export)
  --port P              port to listen on (default 8080; 0 picks a free one)
  --listen ADDR         address to listen on (default 127.0.0.1)
  --workers N           in-process JavaScript workers (default 1)
${hostingUsage}
  --virtual-dir /PATH   serve the app under a virtual directory (default /)
  --auth-user NAME      authenticate every request as NAME (Windows authentication)
  --trace FILE          the trace channel (default: stderr)
  --validate            run the app inside validate(app): interface breaches fail the request and are traced
  --strict              exit non-zero if the extension breaks the ISAPI contract
  --stats-file FILE     session counts and contract violations as JSON at exit
  --threads N           isapi-host's pool threads
  --shutdown-timeout MS how long requests may finish after SIGTERM
${limitUsage}
  --version             the package's version and the native binaries it would run

The in-process runtime needs the libnode it was built against (isapi-node --version names it):
Debian's libnode108 package, or the file ISAPI_NODE_LIBNODE names. Out of process, only your own
node (18 or later) is needed.`;

export async function hostCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...appOptions,
      workers: { type: 'string', default: '1' },
      'auth-user': { type: 'string' },
      trace: { type: 'string', default: 'stderr' },
      strict: { type: 'boolean', default: false },
      'stats-file': { type: 'string' },
      threads: { type: 'string' },
      'shutdown-timeout': { type: 'string' },
      ...limitParseOptions,
      ...hostingParseOptions,
      version: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(hostUsage);
    return 0;
  }
  if (values.version) {
    console.log(versionReport());
    return 0;
  }
  const app = appModule(values.app);
  portNumber(values.port);
  if (!existsSync(app)) throw new CliError(`the app module ${app} does not exist`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new CliError('--workers must be a whole number from 1 to 64');

  const hosting = hostingConfig(values);

  const configDir = mkdtempSync(join(tmpdir(), 'isapi-node-'));
  const configFile = join(configDir, 'isapi_node.json');
  const config = {
    app,
    export: values.export,
    workers,
    trace: values.trace === 'stderr' ? 'stderr' : resolve(values.trace),
    validate: values.validate,
    ...limitConfig(values),
    ...hosting,
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);

  const binaries = findBinaries();
  if (hosting.hostingModel === 'inprocess') checkLibnodeOverride(binaries, process.env.ISAPI_NODE_LIBNODE);
  const args = ['--extension', binaries.file('extension'), '--port', values.port, '--listen', values.listen];
  args.push('--virtual-dir', values['virtual-dir']);
  if (values['auth-user']) args.push('--auth-user', values['auth-user']);
  if (values.strict) args.push('--strict');
  if (values['stats-file']) args.push('--stats-file', resolve(values['stats-file']));
  if (values.threads) args.push('--threads', values.threads);
  if (values['shutdown-timeout']) args.push('--shutdown-timeout', values['shutdown-timeout']);

  const child = spawn(binaries.file('host'), args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ISAPI_NODE_CONFIG: configFile },
  });
  // The host drains on SIGTERM/SIGINT; pass ours on and exit with its code.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return await new Promise<number>((resolveExit) => child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0))));
}

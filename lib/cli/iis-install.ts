// `isapi-node iis-install`: puts an app under IIS (lib/iis/install-plan.ts checks and plans,
// lib/iis/install-apply.ts shows and carries out). Here: the options, their form and defaults.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Appcmd, defaultAppPoolName, systemAppcmd } from '../iis/appcmd.js';
import { applyInstall } from '../iis/install-apply.js';
import type { Log } from '../iis/install-output.js';
import { type InstallOptions, planInstall } from '../iis/install-plan.js';
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from '../iis/names.js';
import { packageRoot } from './binaries.js';
import { CliError } from './errors.js';
import { hostingConfig, hostingParseOptions } from './hosting-options.js';
import { limitConfig, limitParseOptions, limitUsage } from './limit-options.js';

export const iisInstallUsage = `Usage: isapi-node iis-install --app MODULE [options]

Installs MODULE's app under IIS: copies the extension DLL beside it, writes its configuration
(isapi_node.json) and web.config's handler mapping, makes an application pool and the application
with appcmd, and allows the DLL in the ISAPI restrictions. Records what it did
(isapi-node-install.json) for iis-uninstall. Off Windows, and with --dry-run, the appcmd lines are
printed, not run; --dry-run also changes no file and prints each change as a diff.

  --app MODULE          the app module (.js/.mjs/.cjs; compile TypeScript first)
  --export NAME         the export to serve (default: the default export)
  --site NAME           the IIS site (default "Default Web Site")
  --virtualdir /PATH    the application's path in the site (default /, the site root)
  --physical-path DIR   the application's folder, where the DLL and files go (default: the app module's folder)
  --hosting-model M     outofprocess (worker processes of your own node, the default here) or
                        inprocess (needs an MSVC build of isapi_node_inproc.dll and libnode.dll)
  --processes N         out-of-process worker processes (default 1)
  --node-path PATH      the node executable of out-of-process workers (default: node from PATH)
  --workers N           in-process JavaScript workers (default 1)
  --dev-errors          startup failure pages show the error's message and stack (never in production)
  --app-pool NAME       the application pool to create (default: "isapi-node SITE PATH")
  --bitness 32|64       the pool's bitness, and so which DLL (default 64)
${limitUsage}
  --dry-run             change nothing: print the file changes and the appcmd lines`;

export interface IisCommandContext {
  packageRoot: string;
  windows: boolean;
  appcmd: Appcmd;
  log: Log;
}

export const defaultIisContext = (): IisCommandContext => ({
  packageRoot,
  windows: process.platform === 'win32',
  appcmd: systemAppcmd,
  log: (line) => console.log(line),
});

/** "/" or "/a/b": the form appcmd's /path: takes, without a trailing slash. */
export function virtualDirectory(text: string): string {
  const trimmed = text.length > 1 ? text.replace(/\/+$/, '') : text;
  const segments = trimmed.split('/').slice(1);
  if (!trimmed.startsWith('/') || (trimmed !== '/' && segments.some((s) => s === '' || s === '.' || s === '..' || /["%?#*:<>|\\]/.test(s)))) {
    throw new CliError(`--virtualdir must be / or a path like /myapp (no \\ " % ? # * : < > | or . and .. segments), got ${JSON.stringify(text)}`);
  }
  return trimmed;
}

function count(text: unknown, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== 'string' || !/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 64) throw new CliError(`${flag} must be a whole number from 1 to 64`);
  return Number(text);
}

/** The options, checked for form, with their defaults: nothing is read from disk here. */
export function installOptions(values: Record<string, unknown>): InstallOptions {
  if (typeof values.app !== 'string' || !values.app) throw new CliError('--app is required: the module whose app IIS is to serve');
  const app = resolve(values.app);
  const bitness = values.bitness ?? '64';
  if (bitness !== '32' && bitness !== '64') throw new CliError(`--bitness must be 32 or 64 (the application pool's), got ${JSON.stringify(bitness)}`);
  const site = (values.site as string | undefined) ?? 'Default Web Site';
  if (!site.trim() || /[/\\]/.test(site)) throw new CliError(`--site must name an IIS site (no / or \\), got ${JSON.stringify(site)}`);
  const virtualDir = virtualDirectory((values.virtualdir as string | undefined) ?? '/');
  const hosting = hostingConfig({ ...values, 'hosting-model': values['hosting-model'] ?? 'outofprocess' });
  // A Windows path stays as given, also when the install is planned elsewhere.
  const nodePath = values['node-path'];
  if (hosting.nodePath && typeof nodePath === 'string' && /^([A-Za-z]:[\\/]|\\\\)/.test(nodePath)) hosting.nodePath = nodePath;
  const workers = count(values.workers, '--workers');
  if (workers !== undefined && hosting.hostingModel !== 'inprocess') throw new CliError('--workers applies to --hosting-model inprocess (out of process, use --processes)');
  const appPool = (values['app-pool'] as string | undefined) ?? defaultAppPoolName(site, virtualDir);
  if (!appPool.trim() || appPool.length > 64 || /[/\\[\]:|<>+=;,?*'"%]/.test(appPool)) {
    throw new CliError(`--app-pool must be a name of at most 64 characters without / \\ [ ] : | < > + = ; , ? * ' " %, got ${JSON.stringify(appPool)}`);
  }
  const limits = { maxRequestBodyBytes: DEFAULT_MAX_REQUEST_BODY_BYTES, ...limitConfig(values) };
  return {
    app,
    ...(values.export ? { export: values.export as string } : {}),
    site,
    virtualDir,
    physicalPath: resolve((values['physical-path'] as string | undefined) ?? dirname(app)),
    hosting,
    ...(workers !== undefined ? { workers } : {}),
    limits,
    appPool,
    bitness: bitness === '32' ? 32 : 64,
  };
}

export async function runIisInstall(argv: string[], context: IisCommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: 'string' },
      export: { type: 'string' },
      site: { type: 'string' },
      virtualdir: { type: 'string' },
      'physical-path': { type: 'string' },
      ...hostingParseOptions,
      'hosting-model': { type: 'string' },
      workers: { type: 'string' },
      'app-pool': { type: 'string' },
      bitness: { type: 'string' },
      ...limitParseOptions,
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    context.log(iisInstallUsage);
    return 0;
  }
  const plan = planInstall(installOptions(values), context);
  applyInstall(plan, { ...context, dryRun: values['dry-run'] === true });
  return 0;
}

export const iisInstallCommand = (argv: string[]) => runIisInstall(argv, defaultIisContext());

// iis-install, first half: every check, and everything it would write, before anything is
// written. planInstall reads the app, the physical path, the package's DLLs, web.config and (on
// Windows) IIS's state, and throws a CliError naming the cause and the fix at the first problem;
// what it returns can be printed (a dry run) or applied (install-apply.ts) as it is.
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { findWindowsBinaries, packageVersion, windowsArch } from '../cli/binaries.js';
import { CliError } from '../cli/errors.js';
import type { HostingConfig } from '../cli/hosting-options.js';
import { type Appcmd, type AppcmdStep, appcmdPlan, checkAppcmdValue, readIisState, UNKNOWN_ROOT_POOL } from './appcmd.js';
import { recordPath, sha256 } from './install-record.js';
import { CONFIG_FILE, EXTENSION_DLL, INPROCESS_DLL, INSTALL_RECORD, LIBNODE_DLL, TRACE_FILE } from './names.js';
import { type Bitness, readPeImage } from './pe.js';
import { decodeWebConfig, iisContentLength, mergeWebConfig, WebConfigError } from './web-config.js';

export const WEB_CONFIG = 'web.config';

/** What iis-install was asked for, checked for form and made absolute (lib/cli/iis-install.ts). */
export interface InstallOptions {
  app: string;
  export?: string;
  site: string;
  /** "/" or "/name[/name…]", no trailing slash. */
  virtualDir: string;
  physicalPath: string;
  hosting: HostingConfig;
  /** In process: JavaScript workers. */
  workers?: number;
  /** The limit keys given (limit-options.ts); maxRequestBodyBytes always. */
  limits: Record<string, number> & { maxRequestBodyBytes: number };
  appPool: string;
  bitness: Bitness;
}

export interface InstallContext {
  /** The package whose DLLs are copied and whose dist/ the configuration names. */
  packageRoot: string;
  /** Run appcmd (and read IIS's state with it); otherwise only print its lines. */
  windows: boolean;
  appcmd: Appcmd;
}

/** A DLL copied from the package beside the app. */
export interface PlannedCopy {
  source: string;
  path: string;
  bytes: Buffer;
  sha256: string;
}

export interface InstallPlan {
  options: InstallOptions;
  packageRoot: string;
  version: string;
  copies: PlannedCopy[];
  /** The extension's configuration (a new file). */
  config: { path: string; json: Record<string, unknown>; bytes: Buffer };
  webConfig: { path: string; before: Buffer | undefined; after: Buffer; changes: string[] };
  appcmd: AppcmdStep[];
  recordPath: string;
  /** Things worth saying that are not changes. */
  notes: string[];
}

const describe = (bitness: Bitness) => `${bitness}-bit (${bitness === 64 ? 'x64' : 'x86'})`;

/** The DLL at `file`, refused unless it is a Windows DLL for the pool's bitness. */
function checkedDll(file: string, bitness: Bitness, dest: string): PlannedCopy {
  const image = readPeImage(file);
  if (image instanceof Error) throw new CliError(`${image.message}: rebuild it (npm run build:win) or reinstall the package`);
  if (image.bitness !== bitness) {
    throw new CliError(
      `${file} is built for ${image.machine} (${image.bitness}-bit), but a ${describe(bitness)} application pool cannot load it: use the ${bitness}-bit DLL, or --bitness ${image.bitness}`,
    );
  }
  const bytes = readFileSync(file);
  return { source: file, path: dest, bytes, sha256: sha256(bytes) };
}

function checkPhysicalPath(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    throw new CliError(`the physical path ${dir} cannot be used (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give an existing folder with --physical-path`);
  }
  if (!isDir) throw new CliError(`the physical path ${dir} is not a folder: give one with --physical-path`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CliError(`the physical path ${dir} is not writable: run as a user who may write there (an administrator on Windows)`);
  }
  if (existsSync(recordPath(dir))) throw new CliError(`isapi-node is already installed in ${dir} (${INSTALL_RECORD}): run \`isapi-node iis-uninstall --physical-path ${dir}\` first`);
}

/** The extension's configuration: every key one native/extension/config.cc accepts. */
function extensionConfig(options: InstallOptions, packageRoot: string): Record<string, unknown> {
  const fromHere = relative(options.physicalPath, options.app);
  const app = fromHere && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : options.app;
  return {
    app,
    ...(options.export ? { export: options.export } : {}),
    ...options.hosting,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    trace: TRACE_FILE,
    packageRoot,
    ...options.limits,
  };
}

/** The in-process model's two more DLLs, or a CliError naming the way out. */
function inprocessCopies(dir: string, options: InstallOptions, notes: string[]): PlannedCopy[] {
  const arch = windowsArch(options.bitness);
  const runtime = join(dir, INPROCESS_DLL);
  if (!existsSync(runtime)) {
    throw new CliError(
      `--hosting-model inprocess needs ${INPROCESS_DLL} for ${arch} (an MSVC build, which this package does not have in ${dir}): ` +
        'use --hosting-model outofprocess, or build the runtime with MSVC (see docs/iis.md)',
    );
  }
  const copies = [checkedDll(runtime, options.bitness, join(options.physicalPath, INPROCESS_DLL))];
  const placed = join(options.physicalPath, LIBNODE_DLL);
  if (existsSync(placed)) {
    checkedDll(placed, options.bitness, placed);
    notes.push(`${placed} is there already: the in-process runtime uses it (not recorded, not removed by iis-uninstall)`);
  } else if (existsSync(join(dir, LIBNODE_DLL))) {
    copies.push(checkedDll(join(dir, LIBNODE_DLL), options.bitness, placed));
  } else {
    throw new CliError(
      `--hosting-model inprocess needs ${LIBNODE_DLL} (NuGet package Microsoft.JavaScript.LibNode.win-${arch === 'x64' ? 'x64' : 'x86'}) beside the extension, and neither ${options.physicalPath} nor ${dir} has it: ` +
        `get it with \`isapi-node libnode install --arch ${arch === 'x64' ? 'x64' : 'x86'} --dest ${options.physicalPath}\` (see docs/iis.md), or use --hosting-model outofprocess`,
    );
  }
  return copies;
}

/** The merged web.config, or a CliError naming where it is not XML. */
function plannedWebConfig(file: string, settings: Parameters<typeof mergeWebConfig>[1]): InstallPlan['webConfig'] {
  let before: Buffer | undefined;
  if (existsSync(file)) {
    try {
      before = readFileSync(file);
      accessSync(file, constants.W_OK);
    } catch (error) {
      throw new CliError(`${file} cannot be read and written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): run as a user who may`);
    }
  }
  try {
    const merged = mergeWebConfig(before && decodeWebConfig(before, file), settings, file);
    return { path: file, before, after: Buffer.from(merged.text, 'utf8'), changes: merged.changes };
  } catch (error) {
    if (error instanceof WebConfigError) throw new CliError(error.message);
    throw error;
  }
}

/** Everything an install would do, after every check passed; throws CliError at the first that fails. */
export function planInstall(options: InstallOptions, context: InstallContext): InstallPlan {
  const { physicalPath, bitness } = options;
  const notes: string[] = [];
  if (!existsSync(options.app) || !statSync(options.app).isFile()) {
    throw new CliError(`the app module ${options.app} does not exist: build it first (compile TypeScript to .js), or fix --app`);
  }
  checkPhysicalPath(physicalPath);

  const binaries = findWindowsBinaries(bitness, context.packageRoot);
  const dll = join(physicalPath, EXTENSION_DLL);
  const copies = [checkedDll(binaries.file('extension'), bitness, dll)];
  if (options.hosting.hostingModel === 'inprocess') copies.push(...inprocessCopies(binaries.dir, options, notes));
  const configPath = join(physicalPath, CONFIG_FILE);
  for (const path of [...copies.map((c) => c.path), configPath]) {
    if (existsSync(path)) {
      throw new CliError(`${path} exists already, and no ${INSTALL_RECORD} says iis-install put it there: move it away (or delete it) and run again`);
    }
  }
  for (const [what, value] of [['--site', options.site], ['--app-pool', options.appPool], ['--physical-path', physicalPath]] as const) {
    const bad = checkAppcmdValue(what, value);
    if (bad) throw new CliError(`${bad}: choose another`);
  }
  if (dll.includes("'")) throw new CliError(`the DLL's path ${dll} holds a ', which IIS's ISAPI restriction list cannot take: choose another --physical-path`);

  const json = extensionConfig(options, context.packageRoot);
  const webConfig = plannedWebConfig(join(physicalPath, WEB_CONFIG), {
    scriptProcessor: dll,
    bitness,
    maxAllowedContentLength: iisContentLength(options.limits.maxRequestBodyBytes),
  });
  if (options.limits.maxRequestBodyBytes === 0 || options.limits.maxRequestBodyBytes > iisContentLength(options.limits.maxRequestBodyBytes)) {
    notes.push(`IIS refuses request bodies over ${iisContentLength(options.limits.maxRequestBodyBytes)} bytes (its maxAllowedContentLength cannot be higher), whatever maxRequestBodyBytes says`);
  }

  let rootAppPool: string | undefined;
  if (context.windows) {
    const state = readIisState(context.appcmd, options);
    const { site, virtualDir, appPool } = options;
    if (!state.siteExists) throw new CliError(`IIS has no site named "${site}" (appcmd list site): create it first, or name another with --site`);
    if (state.poolExists) throw new CliError(`the application pool "${appPool}" exists already: name a new one with --app-pool (iis-install makes one per app)`);
    if (state.appExists) throw new CliError(`"${site}${virtualDir}" is an application already: remove it first (appcmd delete app "${site}${virtualDir}"), or choose another --virtualdir`);
    if (virtualDir === '/') {
      rootAppPool = state.rootAppPool;
      if (!rootAppPool) throw new CliError(`cannot read the application pool of "${site}/" (appcmd list app): run in an administrator's shell`);
      const root = state.rootPhysicalPath?.replace(/%([^%]+)%/g, (whole, name: string) => process.env[name] ?? whole);
      if (root && relative(root, physicalPath) !== '') {
        throw new CliError(`the root of "${site}" is ${root}, not ${physicalPath}: give --physical-path ${root}, or install into a virtual folder with --virtualdir /NAME`);
      }
    }
  } else if (options.virtualDir === '/') {
    notes.push(`the site root's application exists with its site: only its pool is changed, and the uninstall gives back the pool it had (read with appcmd on Windows; here ${UNKNOWN_ROOT_POOL})`);
  }

  const configText = `${JSON.stringify(json, null, 2)}\n`;
  return {
    options,
    packageRoot: context.packageRoot,
    version: packageVersion(context.packageRoot),
    copies,
    config: { path: configPath, json, bytes: Buffer.from(configText, 'utf8') },
    webConfig,
    appcmd: appcmdPlan({ ...options, dll, rootAppPool }),
    recordPath: recordPath(physicalPath),
    notes,
  };
}
